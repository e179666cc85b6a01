import type { StorageNode } from '../catalogue/index.js'
import { isLantaiError, LantaiError } from '../errors.js'
import { objectRootOf } from '../ocfl/index.js'
import { nextCheckOf } from './queue.js'
import type { RepairDeps } from './repair.js'
import { readBack, UNDECRYPTABLE } from './verify.js'

// When no copy matches the catalogue (issue 16 item 6: "if the catalogue itself is in doubt, the majority
// of copies decides"; research-preservation.md §10, LOCKSS's polls). Every copy is read now, the
// primary's and each node's the catalogue knows of, and the digests are counted. Copies that agree
// among themselves against the catalogue are stronger evidence than one row that any writer of the
// database could have edited: a strict majority of the copies read (and at least two of them) decides,
// and the row is corrected with an event naming each copy and its digest; the copies that disagree with
// the majority are then repaired from it as any damaged copy is. Without a majority nothing is decided
// and nothing is repaired: the doubt is recorded and reported (REPAIR_NO_MAJORITY), for a person.

export interface CopyDigest {
  node: string
  /** the sha512 read now; 'missing' when the node holds nothing there; 'undecryptable' for a sealed copy that does not authenticate */
  sha512: string
}

export type MajorityVerdict =
  | { kind: 'catalogue', copies: CopyDigest[] }
  | { kind: 'majority', copies: CopyDigest[], from: string, to: string, eventId: number }

const unusable = (d: string): boolean => d === 'missing' || d === UNDECRYPTABLE

/** Every copy of one content file read now; a node that does not answer is not counted (it was not checked). */
export async function pollCopies (deps: RepairDeps, target: { packageId: string, contentPath: string }, ocflId: string, signal?: AbortSignal): Promise<CopyDigest[]> {
  const { catalogue } = deps
  const holders = new Set((await catalogue.replicationTasks.copiesOf(target.packageId, target.contentPath)).map(c => c.nodeId))
  const nodes = (await catalogue.nodes.list()).filter(n => n.state !== 'lost' && (n.primary || holders.has(n.id)))
  const key = `${objectRootOf(ocflId)}/${target.contentPath}`
  const out: CopyDigest[] = []
  for (const node of nodes) {
    try {
      out.push({ node: node.id, sha512: (await readBack(deps.storeOf(node).store, key, { signal })).sha512 })
    } catch (err) {
      signal?.throwIfAborted()
      if (isLantaiError(err) && err.code === 'STORAGE_NOT_FOUND') out.push({ node: node.id, sha512: 'missing' })
    }
  }
  return out
}

/**
 * The catalogue's digest when some copy still matches it; else the majority's, with the catalogue row
 * corrected (`content.digest.corrected`) and the agreeing copies recorded verified. Every doubt is a
 * `catalogue.doubt` event of the package. REPAIR_NO_MAJORITY when the copies do not decide.
 */
export async function decideByMajority (deps: RepairDeps, target: { packageId: string, contentPath: string }, signal?: AbortSignal): Promise<MajorityVerdict> {
  const { catalogue } = deps
  const agent = deps.agent ?? 'system'
  const now = (): Date => (deps.clock ?? (() => new Date()))()
  const pkg = await catalogue.packages.get(target.packageId)
  const content = await catalogue.packages.content(target.packageId, target.contentPath)
  if (pkg === null || content === null) throw new LantaiError('CONTENT_NOT_FOUND', `${target.packageId} ${target.contentPath}`, { ...target })
  const copies = await pollCopies(deps, target, pkg.ocflId, signal)
  if (copies.some(c => c.sha512 === content.sha512)) return { kind: 'catalogue', copies }

  const votes = new Map<string, number>()
  for (const c of copies) if (!unusable(c.sha512)) votes.set(c.sha512, (votes.get(c.sha512) ?? 0) + 1)
  const [best, count] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0]
  // strict: more than half of the copies read, missing and undecryptable ones included; two at least
  const majority = count >= 2 && count * 2 > copies.length ? best : null
  const doubt = await catalogue.events.append({
    type: 'catalogue.doubt', outcome: majority === null ? 'failure' : 'warning', agent, objectType: 'package', objectId: target.packageId,
    detail: { contentPath: target.contentPath, catalogue: content.sha512, copies, majority, decided: majority === null ? 'nothing: no majority of the copies agrees' : 'the majority of the copies' }
  })
  if (majority === null) {
    throw new LantaiError('REPAIR_NO_MAJORITY', `${target.packageId} ${target.contentPath}: no copy matches the catalogue and no majority of ${copies.length} copies agrees`,
      { ...target, catalogue: content.sha512, copies, event: doubt.id })
  }
  const eventId = await catalogue.packages.correctDigest(target.packageId, target.contentPath, {
    from: content.sha512, to: majority, agent, evidence: { copies, agreeing: count, of: copies.length, doubt: doubt.id }
  })
  // The copies that agree with the majority are good copies again; the others are bad, for repair.
  const nodes = new Map((await catalogue.nodes.list()).map(n => [n.id, n] as [string, StorageNode]))
  for (const c of copies) {
    const node = nodes.get(c.node)
    if (node === undefined) continue
    const detail = { catalogue: majority, recomputed: c.sha512, by: 'majority', doubt: doubt.id }
    if (node.primary) {
      if (c.sha512 !== majority) await catalogue.packages.recordDamage(target.packageId, target.contentPath, { source: 'fixity', outcome: c.sha512 === 'missing' ? 'missing' : 'mismatch', agent, detail })
    } else if (c.sha512 === majority) {
      await catalogue.replicationTasks.recordVerified({ ...target, nodeId: node.id, size: content.size, nextCheckAt: nextCheckOf(node, now()) })
    } else {
      await catalogue.replicationTasks.recordCheck({ ...target, nodeId: node.id, outcome: c.sha512 === 'missing' ? 'missing' : 'mismatch', nextCheckAt: nextCheckOf(node, now()), detail, round: `majority-${doubt.id}` })
    }
  }
  return { kind: 'majority', copies, from: content.sha512, to: majority, eventId }
}
