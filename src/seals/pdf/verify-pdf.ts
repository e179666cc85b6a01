// PAdES / ISO 32000 signature verification for one PDF file (research-seals.md §2): the structure
// (inspect.ts) is ours, the CMS and timestamp cryptography is cms.ts's and timestamp.ts's.
import { readFile, stat } from 'node:fs/promises'
import type {
  Evidence, FileVerification, Indication, SignatureReport, SignatureScope, SubIndication, VerifyLimits
} from '../report.js'
import { blankReport, DEFAULT_VERIFY_LIMITS, emptyEvidence } from '../report.js'
import { verifyCms, type CmsVerification } from '../cms.js'
import { verifyTimestampToken } from '../timestamp.js'
import type { TrustStore } from '../trust.js'
import { inspectPdf, type InspectedSignature, type PdfInspection } from './inspect.js'
import { PdfFormatError } from './lexer.js'
import { originHints } from './origin.js'
import { DEFAULT_PDF_LIMITS, type PdfLimits } from './xref.js'

export interface VerifyPdfOptions {
  trust: TrustStore
  validationTime?: Date
  signal?: AbortSignal
  limits?: VerifyLimits
  /** Bounds of the PDF reader itself (objects, xref sections, nesting, decoded stream size). */
  pdfLimits?: Partial<PdfLimits>
}

const DOCUMENT = '(document)'

export class PdfDeadlineError extends Error {}

/**
 * Verifies every signature and document timestamp in one PDF file. Never throws for a bad file: an
 * unreadable structure is one '(document)' report with TOTAL_FAILED/FORMAT_FAILURE, a file over the
 * limits or the deadline one INDETERMINATE report. Throws only when the caller's signal aborts.
 * The whole file is read once: verifyCms needs the signed bytes in memory anyway.
 */
export async function verifyPdf (file: string, options: VerifyPdfOptions): Promise<FileVerification> {
  const limits = options.limits ?? DEFAULT_VERIFY_LIMITS
  const size = (await stat(file)).size
  if (size > limits.maxFileBytes) {
    return documentResult('INDETERMINATE', null, [`the file is ${size} bytes, more than the limit of ${limits.maxFileBytes}; not verified`], options)
  }
  const bytes = new Uint8Array(await readFile(file, { signal: options.signal }))
  return verifyPdfBytes(bytes, options)
}

export async function verifyPdfBytes (bytes: Uint8Array, options: VerifyPdfOptions): Promise<FileVerification> {
  const limits = options.limits ?? DEFAULT_VERIFY_LIMITS
  const pdfLimits: PdfLimits = { ...DEFAULT_PDF_LIMITS, ...options.pdfLimits }
  const deadline = Date.now() + limits.timeoutMs
  const timeout = AbortSignal.timeout(limits.timeoutMs)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  // parsing is synchronous, so the deadline is checked by the clock as well as by the signal
  const checkpoint = (): void => {
    options.signal?.throwIfAborted()
    if (Date.now() >= deadline) throw new PdfDeadlineError(`verification took longer than ${limits.timeoutMs} ms`)
  }
  const validationTime = options.validationTime ?? new Date()

  if (bytes.length > limits.maxFileBytes) {
    return documentResult('INDETERMINATE', null, [`the file is ${bytes.length} bytes, more than the limit of ${limits.maxFileBytes}; not verified`], options)
  }
  if (Buffer.from(bytes.subarray(0, 1024)).indexOf('%PDF-') < 0) {
    return documentResult('TOTAL_FAILED', 'FORMAT_FAILURE', ['no %PDF- header in the first 1024 bytes: not a PDF'], options)
  }
  let inspection: PdfInspection
  try {
    inspection = inspectPdf(bytes, pdfLimits, checkpoint)
  } catch (e) {
    if (e instanceof PdfFormatError || e instanceof RangeError) {
      // RangeError: a pathological structure that still outran our bounds (e.g. call stack)
      return documentResult('TOTAL_FAILED', 'FORMAT_FAILURE', [`the PDF structure cannot be read: ${e.message}`], options)
    }
    if (e instanceof PdfDeadlineError) return documentResult('INDETERMINATE', null, [e.message], options)
    throw e // the caller's abort, or a bug
  }

  const evidence = emptyEvidence()
  const reports: SignatureReport[] = []
  const hints = safe(() => originHints(inspection.doc), [])
  // DSS material helps every signature's path and revocation checks (PAdES-LT)
  const trust: TrustStore = {
    ...options.trust,
    crls: [...options.trust.crls, ...inspection.dss.crls],
    ocspResponses: [...options.trust.ocspResponses, ...inspection.dss.ocsps],
    extraCertificates: [...options.trust.extraCertificates, ...inspection.dss.certs]
  }
  const sigs = inspection.signatures.slice(0, limits.maxSignatures)
  for (const s of sigs) {
    try {
      checkpoint()
    } catch (e) {
      if (e instanceof PdfDeadlineError) { reports.push(documentReport('INDETERMINATE', null, [e.message], validationTime)); break }
      throw e
    }
    try {
      reports.push(...await verifyOne(s, inspection, trust, validationTime, signal, evidence))
    } catch (e) {
      // our own deadline fired inside cms.ts or timestamp.ts: a verdict for later, not a crash
      if (options.signal?.aborted !== true && timeout.aborted) {
        reports.push(documentReport('INDETERMINATE', null, [`verification took longer than ${limits.timeoutMs} ms`], validationTime))
        break
      }
      throw e
    }
  }
  if (inspection.signatures.length > sigs.length) {
    reports.push(documentReport('INDETERMINATE', null, [`${inspection.signatures.length} signatures, more than the limit of ${limits.maxSignatures}; the rest were not verified`], validationTime))
  }
  for (const d of inspection.dss.certs) pushUnique(evidence.certificates, d)
  for (const d of inspection.dss.crls) pushUnique(evidence.crls, d)
  for (const d of inspection.dss.ocsps) pushUnique(evidence.ocspResponses, d)
  return { format: 'pdf', signatures: reports, evidence, originHints: hints }
}

async function verifyOne (s: InspectedSignature, insp: PdfInspection, trust: TrustStore,
  validationTime: Date, signal: AbortSignal, evidence: Evidence): Promise<SignatureReport[]> {
  const id = s.field.name
  const scope = scopeOf(s, insp)
  const format = formatOf(s, insp)
  let reports: SignatureReport[]
  if (s.contents === undefined || s.signedBytes === undefined) {
    reports = [blankReport('pades', id, format, validationTime, scope)]
  } else if (s.kind === 'legacy') {
    reports = [{
      ...blankReport('pades', id, format, validationTime, scope),
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE',
      reasons: [`SubFilter ${s.subFilter ?? ''} is a legacy SHA-1 format that is not verified`]
    }]
  } else if (s.kind === 'document-timestamp') {
    const der = derPrefix(s.contents)
    const ev = await verifyTimestampToken(der.der, s.signedBytes, trust, evidence)
    pushUnique(evidence.timestamps, der.der)
    reports = [{
      ...blankReport('pades', id, format, validationTime, scope),
      documentTimestamp: true,
      indication: ev.indication,
      subIndication: ev.subIndication,
      reasons: ev.reasons,
      warnings: ev.warnings,
      claimedSigningTime: ev.genTime,
      bestSignatureTime: ev.indication === 'TOTAL_PASSED' ? ev.genTime : validationTime.toISOString(),
      timestamps: [{ tsa: ev.tsa, genTime: ev.genTime, imprintMatches: ev.imprintMatches, indication: ev.indication, subIndication: ev.subIndication }]
    }]
    if (der.trailing) reports[0]!.warnings.push('non-zero bytes follow the timestamp token inside /Contents')
  } else {
    const der = derPrefix(s.contents)
    let result: CmsVerification
    try {
      result = await verifyCms(der.der, { content: s.signedBytes, trust, validationTime, signal, kind: 'pades', id })
    } catch (e) {
      if (signal.aborted) throw e
      result = { signatures: [{ ...blankReport('pades', id, format, validationTime, scope), reasons: [`the CMS signature cannot be processed: ${(e as Error).message}`] }], evidence: emptyEvidence(), content: null }
    }
    mergeEvidence(evidence, result.evidence)
    reports = result.signatures.map(r => ({ ...r, kind: 'pades' as const, scope, format: formatOf(s, insp, r) }))
    if (reports.length === 0) reports = [{ ...blankReport('pades', id, format, validationTime, scope), reasons: ['the CMS holds no SignerInfo'] }]
    // PAdES baseline signatures carry one SignerInfo per signature dictionary
    if (reports.length > 1) for (const r of reports) r.warnings.push(`the CMS holds ${reports.length} SignerInfos`)
    if (der.trailing) for (const r of reports) r.warnings.push('non-zero bytes follow the CMS inside /Contents')
  }
  for (const r of reports) applyStructure(r, s)
  return reports
}

/** Format failures come first in EN 319 102-1's building blocks, so they override what the CMS said. */
function applyStructure (r: SignatureReport, s: InspectedSignature): void {
  r.warnings = [...s.warnings, ...r.warnings]
  if (s.problems.length > 0) {
    r.indication = 'TOTAL_FAILED'
    r.subIndication = 'FORMAT_FAILURE'
    r.reasons = [...s.problems, ...r.reasons]
  }
  if (s.docMdpViolations.length > 0) {
    // ISO 32000-1 §12.8.2.2, DocMDP /P: changes it does not permit "shall invalidate the signature"
    r.reasons.push(`the certification signature permits changes at level P=${s.docMdp ?? '?'} only, but later updates made: ${s.docMdpViolations.join(', ')}`)
    if (r.indication !== 'TOTAL_FAILED') { r.indication = 'TOTAL_FAILED'; r.subIndication = 'FORMAT_FAILURE' }
  }
  if (s.modificationViolations.length > 0) {
    // EN 319 102-1 §5.2.2 format checking as DSS applies it to PDF: what was signed is not what is shown
    r.reasons.push(...s.modificationViolations)
    if (r.indication !== 'TOTAL_FAILED') { r.indication = 'TOTAL_FAILED'; r.subIndication = 'FORMAT_FAILURE' }
  }
  if (s.laterChanges.length > 0 && !s.wholeDocument) {
    r.warnings.push(`changed after signing (${s.laterChanges.join(', ')}): the signature covers an earlier revision, not the final document`)
  }
}

function scopeOf (s: InspectedSignature, insp: PdfInspection): SignatureScope {
  const br = s.byteRange
  const total = insp.doc.buf.length
  const where = br?.length === 4
    ? `bytes ${br[0]}–${br[0]! + br[1]! - 1} and ${br[2]}–${br[2]! + br[3]! - 1} of ${total}`
    : 'no usable /ByteRange'
  const rev = s.signedRevision === undefined ? 'no complete revision' : `revision ${s.signedRevision} of ${insp.revisions}`
  const scope: SignatureScope = { wholeDocument: s.wholeDocument, description: `${where} (${rev})`, laterChanges: s.laterChanges }
  if (s.docMdp !== undefined) scope.docMdp = s.docMdp
  return scope
}

// ETSI EN 319 142-1 baseline levels. B-T: a signature timestamp or a later document timestamp; B-LT: plus
// a /DSS with revocation data; B-LTA: plus a document timestamp after that /DSS. adbe.pkcs7.detached
// is not a PAdES baseline SubFilter, so it gets DSS's PKCS7-B/T/LT/LTA names instead.
function formatOf (s: InspectedSignature, insp: PdfInspection, r?: SignatureReport): string {
  if (s.kind === 'document-timestamp') return 'PDF document timestamp (ETSI.RFC3161)'
  if (s.kind === 'legacy' || s.kind === 'unknown') return `PDF signature (${s.subFilter ?? 'no SubFilter'})`
  const prefix = s.subFilter === 'ETSI.CAdES.detached' ? 'PAdES-BASELINE' : 'PKCS7'
  const rev = s.signedRevision ?? Infinity
  const docTs = insp.signatures.filter(o => o.kind === 'document-timestamp' && o.signedRevision !== undefined && o.signedRevision > rev)
  // only a token that verified proves anything (as cms.ts's CAdES-BASELINE-T); a failed one is in the report
  const t = (r?.timestamps.some(x => x.indication === 'TOTAL_PASSED') ?? false) || docTs.length > 0
  const dssRev = insp.dss.revision
  const lt = t && dssRev !== undefined && (insp.dss.crls.length > 0 || insp.dss.ocsps.length > 0)
  const lta = lt && docTs.some(o => (o.signedRevision ?? 0) >= dssRev!)
  return `${prefix}-${lta ? 'LTA' : lt ? 'LT' : t ? 'T' : 'B'}`
}

function documentReport (indication: Indication, sub: SubIndication | null, reasons: string[], validationTime: Date): SignatureReport {
  return {
    ...blankReport('pades', DOCUMENT, 'PDF', validationTime, { wholeDocument: false, description: 'the file as a whole' }),
    indication, subIndication: sub, reasons
  }
}

/** A file whose structure cannot be read gets one report for the whole document (rule R3 or R4 then applies). */
function documentResult (indication: Indication, sub: SubIndication | null, reasons: string[], options: VerifyPdfOptions): FileVerification {
  return { format: 'pdf', signatures: [documentReport(indication, sub, reasons, options.validationTime ?? new Date())], evidence: emptyEvidence(), originHints: [] }
}

// DER inside /Contents is followed by zero padding (research-seals.md §2.1 step 3): cut at the
// outer TLV's length so the CMS parser sees exactly one object.
function derPrefix (b: Uint8Array): { der: Uint8Array, trailing: boolean } {
  if (b.length < 2 || b[0] !== 0x30) return { der: b, trailing: false }
  let len = b[1]!
  let hdr = 2
  if (len === 0x80) return { der: b, trailing: false } // BER indefinite length: the parser finds the end
  if (len > 0x80) {
    const n = len & 0x7f
    if (n > 4 || b.length < 2 + n) return { der: b, trailing: false }
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!
    hdr = 2 + n
  }
  const end = hdr + len
  if (end > b.length) return { der: b, trailing: false }
  return { der: b.subarray(0, end), trailing: b.subarray(end).some(x => x !== 0) }
}

function mergeEvidence (into: Evidence, from: Evidence): void {
  for (const d of from.certificates) pushUnique(into.certificates, d)
  for (const d of from.crls) pushUnique(into.crls, d)
  for (const d of from.ocspResponses) pushUnique(into.ocspResponses, d)
  for (const d of from.timestamps) pushUnique(into.timestamps, d)
}

function pushUnique (list: Uint8Array[], der: Uint8Array): void {
  if (!list.some(x => Buffer.compare(x, der) === 0)) list.push(der)
}

function safe<T> (f: () => T, fallback: T): T {
  try { return f() } catch { return fallback }
}
