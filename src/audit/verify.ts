import type { AuditCheckpoint, AuditRepository, AuditRow } from '../catalogue/index.js'
import { GENESIS_HASH, rowHash } from './chain.js'
import { checkSignature, signerFingerprint } from './checkpoint.js'

// `lantai audit verify`: recompute the chain from row 1 and hold it against every checkpoint. It reads
// rows only, so it works whatever an intruder did to the triggers. The first break is named with its
// kind, told apart by what still holds (docs/audit.md §"What verify reports"):
//   deleted   — a seq is missing, or a row names as predecessor a hash no row has while it verifies one
//               seq further on (the rows after a deleted one were renumbered), or the trail ends
//               before a checkpoint's seq (the tail was cut);
//   edited    — a row's hash no longer matches its content, or a checkpoint's head disagrees with a
//               chain that was recomputed from some row on;
//   inserted  — a row follows its true predecessor at more than one seq's distance: rows were put in
//               between; or a row is followed by one that names the row before it as predecessor;
//   reordered — a row names as predecessor a row that now stands after it.

export type BreakKind = 'edited' | 'deleted' | 'inserted' | 'reordered'

export interface ChainBreak { seq: number, kind: BreakKind, message: string }

export type CheckpointProblemKind = 'signature-invalid' | 'head-mismatch' | 'foreign-signer' | 'conflict'

export interface CheckpointProblem { seq: number, kind: CheckpointProblemKind, message: string }

export interface VerifyReport {
  /** no break and no checkpoint problem */
  ok: boolean
  /** rows walked (up to the first break) */
  rows: number
  head: { seq: number, hash: string } | null
  firstBreak: ChainBreak | null
  checkpoints: { total: number, signed: number, unsigned: number, exported: number }
  checkpointProblems: CheckpointProblem[]
  warnings: string[]
}

export interface VerifyOptions {
  /** checkpoints kept outside the system (`lantai audit checkpoint export`), checked like the stored ones */
  exported?: readonly AuditCheckpoint[]
  /** SHA-256 fingerprint (X509Certificate.fingerprint256) of the center's certificate: other signers are refused */
  centerFingerprint?: string | null
  pageSize?: number
}

export async function verifyTrail (repo: AuditRepository, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: CheckpointProblem[] = []
  const warnings: string[] = []
  const stored = await repo.checkpoints()
  const bySeq = new Map<number, AuditCheckpoint>(stored.map(cp => [cp.seq, cp]))
  for (const cp of options.exported ?? []) {
    const mine = bySeq.get(cp.seq)
    if (mine === undefined) {
      bySeq.set(cp.seq, cp)
      warnings.push(`checkpoint ${cp.seq} is in the export but not in the catalogue: it was deleted there or made after the export was read back`)
    } else if (mine.headHash !== cp.headHash || mine.signature !== cp.signature) {
      problems.push({ seq: cp.seq, kind: 'conflict', message: `checkpoint ${cp.seq} in the catalogue differs from the exported one` })
      bySeq.set(cp.seq, cp)
    }
  }
  const checkpoints = [...bySeq.values()].sort((x, y) => x.seq - y.seq)
  let unsigned = 0
  for (const cp of checkpoints) {
    const sig = checkSignature(cp)
    if (sig === 'unsigned') unsigned++
    else if (sig === 'invalid') problems.push({ seq: cp.seq, kind: 'signature-invalid', message: `checkpoint ${cp.seq}: the signature does not hold for (seq, head, time, algorithm)` })
    else if (options.centerFingerprint != null && signerFingerprint(cp) !== options.centerFingerprint) {
      problems.push({ seq: cp.seq, kind: 'foreign-signer', message: `checkpoint ${cp.seq} is signed by ${signerFingerprint(cp) ?? '?'}, not the center's certificate` })
    }
  }
  if (unsigned > 0) warnings.push(`${unsigned} checkpoint(s) unsigned: no center key was configured (LANTAI_AUDIT_KEY) when they were made`)

  const walk = await walkChain(repo, checkpoints, options.pageSize ?? 2000)
  for (const cp of checkpoints) {
    if (walk.break === null && cp.seq > walk.rows) {
      walk.break = { seq: walk.rows + 1, kind: 'deleted', message: `rows ${walk.rows + 1}–${cp.seq} are missing: checkpoint ${cp.seq} signed a longer chain than the trail holds` }
    }
  }
  return {
    ok: walk.break === null && problems.length === 0,
    rows: walk.rows,
    head: walk.head,
    firstBreak: walk.break,
    checkpoints: { total: checkpoints.length, signed: checkpoints.length - unsigned, unsigned, exported: options.exported?.length ?? 0 },
    checkpointProblems: problems,
    warnings
  }
}

interface Walk { rows: number, head: { seq: number, hash: string } | null, break: ChainBreak | null }

async function walkChain (repo: AuditRepository, checkpoints: readonly AuditCheckpoint[], pageSize: number): Promise<Walk> {
  const cps = new Map(checkpoints.map(cp => [cp.seq, cp]))
  let pos = 1
  let prev = GENESIS_HASH
  let lastGood = 0
  let head: Walk['head'] = null
  let after = 0
  for (;;) {
    const page = await repo.after(after, pageSize)
    if (page.length === 0) return { rows: pos - 1, head, break: null }
    for (const r of page) {
      if (r.seq > pos) {
        return { rows: pos - 1, head, break: { seq: pos, kind: 'deleted', message: r.seq === pos + 1 ? `row ${pos} is missing` : `rows ${pos}–${r.seq - 1} are missing` } }
      }
      if (rowHash(r) !== r.hash || r.prevHash !== prev) return { rows: pos - 1, head, break: await classify(repo, r, pos, prev) }
      const cp = cps.get(r.seq)
      if (cp !== undefined) {
        if (cp.headHash !== r.hash) {
          return {
            rows: pos - 1,
            head,
            break: { seq: lastGood + 1, kind: 'edited', message: `the chain was rewritten between rows ${lastGood + 1} and ${r.seq}: checkpoint ${r.seq} signed head ${cp.headHash}, the trail has ${r.hash}` }
          }
        }
        lastGood = r.seq
      }
      prev = r.hash
      head = { seq: r.seq, hash: r.hash }
      pos++
    }
    after = page[page.length - 1]?.seq ?? after
  }
}

async function classify (repo: AuditRepository, r: AuditRow, pos: number, prev: string): Promise<ChainBreak> {
  const hashHolds = rowHash(r) === r.hash
  const preds = await repo.seqsWithHash(r.prevHash)
  const pred = preds.find(s => s !== r.seq)
  if (hashHolds) {
    // the row is as written at its own seq: the one before it was changed and re-hashed, or moved
    return pred === undefined
      ? { seq: pos - 1, kind: 'edited', message: `row ${pos - 1} was changed and its hash recomputed: row ${pos} names a predecessor no row has` }
      : { seq: Math.min(pred, pos - 1), kind: 'reordered', message: `row ${pos}'s predecessor now stands at row ${pred}` }
  }
  if (r.prevHash === prev) {
    // it links to the row before it but its content does not hold: edited in place, unless the next
    // row skips it to name the same predecessor, which makes it a row put in between
    const next = await repo.bySeq(pos + 1)
    return next !== null && next.prevHash === prev
      ? { seq: pos, kind: 'inserted', message: `row ${pos} was inserted: row ${pos + 1} follows row ${pos - 1}` }
      : { seq: pos, kind: 'edited', message: `row ${pos}: its content no longer matches its hash` }
  }
  if (pred === undefined) {
    return rowHash({ ...r, seq: r.seq + 1 }) === r.hash
      ? { seq: pos, kind: 'deleted', message: `the row before row ${pos} was deleted and the rows after it renumbered` }
      : { seq: pos, kind: 'edited', message: `row ${pos}: its content and its link to row ${pos - 1} no longer match` }
  }
  if (pred >= pos) return { seq: pos, kind: 'reordered', message: `row ${pos} is out of order: its predecessor stands at row ${pred}, after it` }
  if (pred < pos - 1) return { seq: pred + 1, kind: 'inserted', message: `row ${pred + 1} was inserted: row ${pos} follows row ${pred}` }
  return { seq: pos, kind: 'edited', message: `row ${pos}: its content no longer matches its hash` }
}
