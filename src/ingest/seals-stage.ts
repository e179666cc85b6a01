import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SealDecisionInput } from '../catalogue/index.js'
import { eachConcurrently } from '../concurrent.js'
import { inProcessVerifier, unsignedFileReport, type FileSealReport, type PaperOutcome, type SealVerifier, type TrustStore } from '../seals/index.js'

// The seal checks of stage 2 (notice clause 五): every payload file is verified and gets its paper
// decision; the report and its evidence go into the version (rule R6), so the decision can be re-run.

export interface SealFileResult {
  path: string
  format: FileSealReport['format']
  archivalFormat: boolean
  decision: FileSealReport['decision']
  signatures: Array<Pick<FileSealReport['signatures'][number], 'kind' | 'id' | 'format' | 'indication' | 'subIndication' | 'reasons' | 'bestSignatureTime'> & { signer: string | null, wholeDocument: boolean }>
}

export interface SealSummary {
  files: number
  signedFiles: number
  paperWaived: number
  dualSet: number
  paperRequired: number
  /** R3: a seal failed; the file may have been changed after signing. */
  integrityAlerts: string[]
  /** R4: decisions to re-run when trust or revocation data arrives. */
  reviewQueue: string[]
}

export interface SealStageResult { summary: SealSummary, files: SealFileResult[], evidence: Map<string, Uint8Array> }

const count = (files: SealFileResult[], outcome: PaperOutcome): number => files.filter(f => f.decision.outcome === outcome).length
const NO_SIGNATURES: SealFileResult['signatures'] = Object.freeze([]) as unknown as SealFileResult['signatures']

export interface CheckSealsOptions {
  signal?: AbortSignal
  concurrency?: number
  /** The format already known for a path (ingest sniffs it in flight); 'other' is then not read again. */
  formatOf?: (path: string) => FileSealReport['format'] | undefined
  /** Where the files are checked: the service's worker pool; by default this thread. */
  verifier?: SealVerifier
}

export async function checkSeals (root: string, paths: readonly string[], trust: TrustStore, options: CheckSealsOptions = {}): Promise<SealStageResult> {
  const files: SealFileResult[] = []
  const evidence = new Map<string, Uint8Array>()
  // Most files of a package are unsigned and all get the same decision: one object for them all.
  let unsigned: SealFileResult['decision'] | undefined
  // Files whose format ingest already knows to be unsigned are not read; the rest go to the verifier (the
  // service's worker threads), which sniffs them and checks the few signed ones. Eight at a time keeps
  // the workers busy without piling up parsed documents.
  const verifier = options.verifier ?? inProcessVerifier
  await eachConcurrently(paths, options.concurrency ?? 8, async path => {
    if (options.signal?.aborted === true) return
    if (options.formatOf?.(path) === 'other') {
      unsigned ??= unsignedFileReport().decision
      files.push({ path, format: 'other', archivalFormat: false, signatures: NO_SIGNATURES, decision: unsigned })
      return
    }
    let report: FileSealReport
    try {
      report = await verifier.verify(join(root, path), { trust, signal: options.signal })
    } catch (err) {
      // A verifier that gives up (time budget, unreadable file) never waives paper.
      files.push({
        path, format: 'other', archivalFormat: false, signatures: [],
        decision: { outcome: 'dual_set', rule: 'R4', provisional: true, integrityAlert: false, reason: `verification did not finish: ${(err as Error).message}` }
      })
      return
    }
    if (report.format === 'other' && report.signatures.length === 0) {
      files.push({ path, format: 'other', archivalFormat: false, signatures: [], decision: report.decision })
      return
    }
    for (const der of [...report.evidence.certificates, ...report.evidence.crls, ...report.evidence.ocspResponses, ...report.evidence.timestamps]) {
      evidence.set(createHash('sha256').update(der).digest('hex'), der)
    }
    files.push({
      path, format: report.format, archivalFormat: report.archivalFormat, decision: report.decision,
      signatures: report.signatures.map(s => ({
        kind: s.kind, id: s.id, format: s.format, indication: s.indication, subIndication: s.subIndication, reasons: s.reasons,
        bestSignatureTime: s.bestSignatureTime, signer: s.signer?.subject ?? null, wholeDocument: s.scope.wholeDocument
      }))
    })
  })
  files.sort((a, b) => a.path < b.path ? -1 : 1)
  return {
    files,
    evidence,
    summary: {
      files: files.length,
      signedFiles: files.filter(f => f.signatures.length > 0).length,
      paperWaived: count(files, 'paper_waived'),
      dualSet: count(files, 'dual_set'),
      paperRequired: count(files, 'paper_required'),
      integrityAlerts: files.filter(f => f.decision.integrityAlert).map(f => f.path),
      reviewQueue: files.filter(f => f.decision.provisional).map(f => f.path)
    }
  }
}

/** The stage's per-file table as it was kept in staging (seals/report.json), or null when none was made. */
export async function readSealReport (stagingDir: string): Promise<{ summary: SealSummary, files: SealFileResult[] } | null> {
  try {
    return JSON.parse(await readFile(join(stagingDir, 'seals', 'report.json'), 'utf8')) as { summary: SealSummary, files: SealFileResult[] }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** One file's decision as the catalogue keeps it. */
export const sealDecisionOf = (f: SealFileResult): SealDecisionInput => ({
  logicalPath: f.path,
  format: f.format,
  signatures: f.signatures.length,
  outcome: f.decision.outcome,
  rule: f.decision.rule,
  provisional: f.decision.provisional,
  integrityAlert: f.decision.integrityAlert,
  reason: f.decision.reason
})
