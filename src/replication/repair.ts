import type { Catalogue, StorageNode } from '../catalogue/index.js'
import { isLantaiError, LantaiError } from '../errors.js'
import { objectRootOf } from '../ocfl/index.js'
import type { BlobStore } from '../storage/index.js'
import type { NodeStore } from './node-store.js'
import { decideByMajority } from './majority.js'
import { nextCheckOf } from './queue.js'
import { rawOf } from './sealed-store.js'
import { readBack, stage } from './verify.js'

// Repair (issue 16 item 6; research-preservation.md §10 lesson 6): a damaged or missing copy is
// rebuilt from a copy that matches the catalogue, as a workflow whose every step is an event of the
// package: requested → staged (good bytes fetched and verified) → quarantined (the bad bytes kept on the
// node under the object's logs/quarantine/, never deleted) → replaced → verified (read back again). The
// primary is repaired from a replica the same way. Nothing is ever deleted.

export interface RepairDeps {
  catalogue: Catalogue
  /** a node's store from its row (openNodeStore, cached by the caller) */
  storeOf: (node: StorageNode) => NodeStore
  scratchDir: string
  agent?: string
  clock?: () => Date
}

export interface RepairTarget { packageId: string, contentPath: string, nodeId: string }
export interface RepairResult extends RepairTarget { from: string, quarantineKey: string | null }

/** `byMajority` false: the catalogue's digest is not put to the vote again (a repair following the majority). */
export async function repairCopy (deps: RepairDeps, target: RepairTarget, signal?: AbortSignal, byMajority = true): Promise<RepairResult> {
  const { catalogue } = deps
  const now = (): Date => (deps.clock ?? (() => new Date()))()
  const agent = deps.agent ?? 'system'
  const pkg = await catalogue.packages.get(target.packageId)
  const content = await catalogue.packages.content(target.packageId, target.contentPath)
  if (pkg === null || content === null) throw new LantaiError('CONTENT_NOT_FOUND', `${target.packageId} ${target.contentPath}`, { ...target })
  const nodes = await catalogue.nodes.list()
  const node = nodes.find(n => n.id === target.nodeId)
  if (node === undefined) throw new LantaiError('NODE_NOT_FOUND', target.nodeId, { id: target.nodeId })
  const key = `${objectRootOf(pkg.ocflId)}/${target.contentPath}`
  const step = async (name: string, detail: Record<string, unknown>, outcome: 'info' | 'success' = 'info'): Promise<void> => {
    await catalogue.events.append({ type: `repair.${name}`, outcome, agent, objectType: 'package', objectId: target.packageId, detail: { node: target.nodeId, contentPath: target.contentPath, ...detail } })
  }
  await step('requested', { sha512: content.sha512 })

  // 1. A good copy: the primary first (it is local), then the other nodes the catalogue says hold it.
  const copies = await catalogue.replicationTasks.copiesOf(target.packageId, target.contentPath)
  const sources = [
    ...nodes.filter(n => n.primary && n.id !== target.nodeId && content.damagedBy === null),
    ...nodes.filter(n => !n.primary && n.id !== target.nodeId && n.state !== 'lost' && copies.some(c => c.nodeId === n.id && c.state === 'verified'))
  ]
  let good: { from: string, staged: Awaited<ReturnType<typeof stage>> } | undefined
  const tried: Array<{ node: string, found: string }> = []
  for (const source of sources) {
    try {
      const staged = await stage(deps.storeOf(source).store, key, deps.scratchDir, { signal })
      if (staged.sha512 === content.sha512) { good = { from: source.id, staged }; break }
      tried.push({ node: source.id, found: staged.sha512 })
      await staged.release()
    } catch (err) {
      signal?.throwIfAborted()
      tried.push({ node: source.id, found: (err as Error).message })
    }
  }
  if (good === undefined) {
    // No copy matches the catalogue: perhaps the catalogue is what is wrong. The copies vote (majority.ts).
    const verdict = byMajority ? await decideByMajority(deps, target, signal).catch(async (err: unknown) => { await step('failed', { reason: isLantaiError(err) ? err.code : 'INTERNAL', tried }); throw err }) : null
    if (verdict?.kind === 'majority') {
      const own = verdict.copies.find(c => c.node === target.nodeId)
      if (own?.sha512 !== verdict.to) return await repairCopy(deps, target, signal, false)
      // this copy was right all along: the catalogue was corrected to it, nothing to replace
      await step('verified', { by: 'majority', sha512: verdict.to, corrected: verdict.eventId }, 'success')
      if (!node.primary) await restoreReplica(catalogue, target)
      return { ...target, from: 'majority', quarantineKey: null }
    }
    await step('failed', { reason: 'REPAIR_NO_GOOD_COPY', tried })
    throw new LantaiError('REPAIR_NO_GOOD_COPY', `${target.packageId} ${target.contentPath}: no copy matches sha512 ${content.sha512.slice(0, 16)}…`, { ...target, tried })
  }
  try {
    await step('staged', { from: good.from, sha512: good.staged.sha512 })
    const store = deps.storeOf(node).store
    // 2. The bad bytes, if any are there, go aside under a key never used before.
    // (on a node's own bytes: a sealed copy is quarantined as the ciphertext it is)
    const quarantineKey = await quarantine(rawOf(store), key, objectRootOf(pkg.ocflId), target.contentPath, deps.scratchDir, now(), signal)
    if (quarantineKey !== null) await step('quarantined', { quarantineKey })
    // 3. The good bytes in place, then read back.
    await store.putFile(key, good.staged.path, { digests: { sha512: content.sha512 } })
    await step('replaced', { from: good.from })
    const back = await readBack(store, key, { signal })
    if (back.sha512 !== content.sha512) {
      await step('failed', { reason: 'REPLICA_READBACK_MISMATCH', found: back.sha512 })
      throw new LantaiError('REPLICA_READBACK_MISMATCH', `${node.id}: ${key} read back wrong after repair`, { ...target, expected: content.sha512, found: back.sha512 })
    }
    await step('verified', { from: good.from, sha512: back.sha512 }, 'success')
    if (node.primary) {
      await catalogue.packages.recordRepair(target.packageId, target.contentPath, { submissionId: `replica:${good.from}`, quarantineKey, agent })
    } else {
      await catalogue.replicationTasks.recordVerified({ ...target, size: content.size, nextCheckAt: nextCheckOf(node, now()) })
      await restoreReplica(catalogue, target)
    }
    return { ...target, from: good.from, quarantineKey }
  } finally {
    await good.staged.release()
  }
}

/** A version's replica row goes back to 'verified' once none of its files on the node is bad. */
async function restoreReplica (catalogue: Catalogue, t: RepairTarget): Promise<void> {
  const m = /^v(\d+)\//.exec(t.contentPath)
  if (m === null) return
  const version = Number(m[1])
  const bad = (await catalogue.replicationTasks.files(t.packageId, t.nodeId)).some(f => f.state !== 'verified' && f.contentPath.startsWith(`v${version}/`))
  const [row] = await catalogue.replicas.ofVersions([{ packageId: t.packageId, version }]).then(rs => rs.filter(r => r.nodeId === t.nodeId))
  if (!bad && row !== undefined && row.state !== 'verified') {
    await catalogue.replicas.put({ packageId: t.packageId, version, nodeId: t.nodeId, state: 'verified', detail: `repaired: ${t.contentPath}` })
  }
}

/** Keeps the node's bad bytes at `<object>/logs/quarantine/<time>/<content path>`; null when nothing is there. */
async function quarantine (store: BlobStore, key: string, root: string, contentPath: string, scratchDir: string, at: Date, signal?: AbortSignal): Promise<string | null> {
  if (await store.stat(key) === null) return null
  const tag = at.toISOString().replace(/[:.]/g, '-')
  let qkey = `${root}/logs/quarantine/${tag}/${contentPath}`
  for (let n = 2; await store.stat(qkey) !== null; n++) qkey = `${root}/logs/quarantine/${tag}/${contentPath}~${n}`
  const bad = await stage(store, key, scratchDir, { signal })
  try {
    await store.putFile(qkey, bad.path)
    const kept = await readBack(store, qkey, { signal })
    if (kept.sha512 !== bad.sha512) throw new LantaiError('REPLICA_READBACK_MISMATCH', `${store.description}: quarantined ${qkey} read back differs`, { key: qkey })
  } finally {
    await bad.release()
  }
  return qkey
}
