import { randomUUID } from 'node:crypto'
import cron from 'node-cron'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Catalogue, CopyOutcome, DueCopy, Job, StorageNode } from '../catalogue/index.js'
import { isLantaiError } from '../errors.js'
import { Throttle } from '../fixity/index.js'
import type { Logger } from '../logger.js'
import { objectRootOf } from '../ocfl/index.js'
import type { BlobStore, S3BlobStore } from '../storage/index.js'
import type { NodeStore } from './node-store.js'
import { nextCheckOf } from './queue.js'
import { repairCopy, type RepairResult } from './repair.js'
import { readBack } from './verify.js'

// Fixity on every copy (issue 16 item 5; research-preservation.md §10 lessons 4-5). A round reads back
// the copies due (on one node, or all), streamed and paced, and weighs three values before it calls
// damage: the catalogue's digest, the digest the node recorded beside the object (S3 metadata; a
// filesystem node keeps none) and the digest of the bytes read now. Bytes that differ are read again
// after a grace period, so a flaky read is not called rot; metadata that differs from bytes that match is
// drift, reported apart. Each damage is an event; the round ends with one summary event. Damaged copies
// are then repaired from a good one (repair.ts), the primary's damaged content too (from a replica), and
// files on a node nobody recorded are reported, never deleted.

export const COPY_ROUND_EVENT = 'replication.fixity.round'
/** The job a scheduled round runs as: one active round at a time across every process sharing the catalogue. */
export const COPY_FIXITY_JOB = 'copy-fixity'
const PAGE = 200

export interface CopyFixityOptions {
  catalogue: Catalogue
  storeOf: (node: StorageNode) => NodeStore
  scratchDir: string
  log: Logger
  /** read-back rate per round (bytes/s); default 50 MB/s */
  rateBytesPerSecond?: number
  /** the wait before a mismatch is read again; default 2 s */
  graceMs?: number
  clock?: () => Date
}

export interface CopyRoundOptions {
  /** one node, or every node holding copies */
  nodeId?: string
  /** 'due': copies whose check is due; 'all': every copy now, and extra files reported */
  mode: 'due' | 'all'
  /** repair what the round finds damaged (default true) */
  repair?: boolean
  signal?: AbortSignal
}

export interface CopyRoundResult {
  round: string
  checked: number
  ok: number
  drift: number
  mismatches: number
  missing: number
  /** copies not checked because their node did not answer: due again next round */
  unreachable: number
  repaired: RepairResult[]
  repairFailed: Array<{ packageId: string, contentPath: string, nodeId: string, code: string }>
  /** files on a node under an object it holds that no catalogue record names */
  extra: Array<{ nodeId: string, key: string }>
  eventId: number
}

export class CopyFixity {
  readonly #o: CopyFixityOptions
  constructor (options: CopyFixityOptions) { this.#o = options }

  get #now (): Date { return (this.#o.clock ?? (() => new Date()))() }

  /** Called when a round is queued (the runner's poke). */
  onQueued?: () => void

  /** Queues a round of the copies due, unless one is queued or running already (null then). */
  async enqueue (): Promise<Job | null> {
    const job = await this.#o.catalogue.jobs.enqueueUnlessActive(COPY_FIXITY_JOB, '*', { mode: 'due' })
    if (job !== null) this.onQueued?.()
    return job
  }

  /** Each tick of the fixity schedule also queues a round of the copies due (each copy has its own next check). */
  schedule (expression: string): { stop (): void } | null {
    if (expression === 'off') return null
    const task = cron.schedule(expression, async () => {
      try { await this.enqueue() } catch (err) { this.#o.log.error({ err }, 'scheduled copy-fixity round not queued') }
    }, { name: 'lantai-copy-fixity', noOverlap: true })
    return { stop: () => { void task.stop() } }
  }

  readonly runJob = async (_job: Job, signal: AbortSignal): Promise<void> => {
    const { repaired, repairFailed, extra, ...result } = await this.run({ mode: 'due', signal })
    this.#o.log.info({ ...result, repaired: repaired.length, repairFailed: repairFailed.length, extra: extra.length }, 'copy-fixity round ended')
  }

  async run (options: CopyRoundOptions): Promise<CopyRoundResult> {
    const { catalogue } = this.#o
    const round = `copy-fixity-${randomUUID()}`
    const started = this.#now
    const throttle = new Throttle(this.#o.rateBytesPerSecond ?? 50_000_000)
    const nodes = new Map((await catalogue.nodes.list()).map(n => [n.id, n]))
    const result: Omit<CopyRoundResult, 'eventId'> = { round, checked: 0, ok: 0, drift: 0, mismatches: 0, missing: 0, unreachable: 0, repaired: [], repairFailed: [], extra: [] }
    const down = new Set<string>()
    // everything due by now, or (a manual 'all' round) by the end of time
    const horizon = options.mode === 'all' ? '9999-12-31T00:00:00.000Z' : started.toISOString()
    let after: DueCopy | undefined
    for (;;) {
      const page = await catalogue.replicationTasks.dueCopies(horizon, PAGE, options.nodeId, after)
      if (page.length === 0) break
      for (const copy of page) {
        options.signal?.throwIfAborted()
        const node = nodes.get(copy.nodeId)
        if (node === undefined || node.state === 'lost' || down.has(node.id)) { if (node !== undefined && down.has(node.id)) result.unreachable++; continue }
        const outcome = await this.#check(node, copy, round, throttle, options.signal)
        if (outcome === 'unreachable') { down.add(node.id); result.unreachable++; continue }
        result.checked++
        if (outcome === 'ok') result.ok++
        else if (outcome === 'drift') result.drift++
        else if (outcome === 'mismatch') result.mismatches++
        else result.missing++
      }
      after = page[page.length - 1]
    }
    if (options.mode === 'all') {
      for (const node of nodes.values()) {
        if (node.primary || down.has(node.id) || (options.nodeId !== undefined && node.id !== options.nodeId) || node.state === 'lost') continue
        result.extra.push(...await this.#extraFiles(node, round).catch((err: unknown) => { this.#o.log.warn({ err, node: node.id }, 'extra files not listed'); return [] }))
      }
    }
    if (options.repair !== false) {
      for (const bad of await catalogue.replicationTasks.badCopies(options.nodeId)) {
        if (down.has(bad.nodeId)) continue
        // a vote of the copies (majority.ts) may have settled this copy since the list was read
        const now = (await catalogue.replicationTasks.copiesOf(bad.packageId, bad.contentPath)).find(c => c.nodeId === bad.nodeId)
        if (now?.state === 'verified') continue
        try {
          result.repaired.push(await repairCopy({ catalogue, storeOf: this.#o.storeOf, scratchDir: this.#o.scratchDir }, bad, options.signal))
        } catch (err) {
          options.signal?.throwIfAborted()
          result.repairFailed.push({ packageId: bad.packageId, contentPath: bad.contentPath, nodeId: bad.nodeId, code: isLantaiError(err) ? err.code : 'INTERNAL' })
          this.#o.log.error({ err, pkg: bad.packageId, contentPath: bad.contentPath, node: bad.nodeId }, 'copy not repaired')
        }
      }
    }
    // The primary's own damage (found by the primary's fixity, or a download) is repaired from a replica.
    const primary = [...nodes.values()].find(n => n.primary)
    if (options.repair !== false && primary !== undefined && (options.nodeId === undefined || options.nodeId === primary.id)) {
      for (const bad of await catalogue.packages.damagedContents()) {
        if ((await catalogue.packages.content(bad.packageId, bad.contentPath))?.damagedBy === null) continue
        const target = { packageId: bad.packageId, contentPath: bad.contentPath, nodeId: primary.id }
        try {
          result.repaired.push(await repairCopy({ catalogue, storeOf: this.#o.storeOf, scratchDir: this.#o.scratchDir }, target, options.signal))
        } catch (err) {
          options.signal?.throwIfAborted()
          result.repairFailed.push({ ...target, code: isLantaiError(err) ? err.code : 'INTERNAL' })
          this.#o.log.error({ err, pkg: bad.packageId, contentPath: bad.contentPath }, 'primary copy not repaired')
        }
      }
    }
    const ms = this.#now.getTime() - started.getTime()
    const { repaired, repairFailed, extra, ...counts } = result
    const event = await catalogue.events.append({
      type: COPY_ROUND_EVENT, outcome: counts.mismatches + counts.missing > 0 ? 'warning' : 'success', agent: 'system', objectType: 'system', objectId: round,
      detail: { ...counts, mode: options.mode, node: options.nodeId ?? null, repaired: repaired.length, repairFailed: repairFailed.length, extra: extra.length, startedAt: started.toISOString(), ms }
    })
    this.#o.log.info({ ...counts, repaired: repaired.length, extra: extra.length, ms }, 'copy fixity round ended')
    return { ...result, eventId: event.id }
  }

  /** One copy, three values; 'unreachable' when the node did not answer (nothing recorded). */
  async #check (node: StorageNode, copy: DueCopy, round: string, throttle: Throttle, signal?: AbortSignal): Promise<CopyOutcome | 'unreachable'> {
    const { catalogue } = this.#o
    const pkg = await catalogue.packages.get(copy.packageId)
    if (pkg === null) return 'ok'
    const store = this.#o.storeOf(node).store
    const key = `${objectRootOf(pkg.ocflId)}/${copy.contentPath}`
    const record = async (outcome: CopyOutcome, detail: Record<string, unknown>): Promise<CopyOutcome> => {
      await catalogue.replicationTasks.recordCheck({ packageId: copy.packageId, contentPath: copy.contentPath, nodeId: node.id, outcome, nextCheckAt: nextCheckOf(node, this.#now), detail, round })
      return outcome
    }
    const read = async (): Promise<{ sha512: string, size: number } | 'missing'> => {
      try {
        return await readBack(store, key, { throttle, signal })
      } catch (err) {
        if (isLantaiError(err) && err.code === 'STORAGE_NOT_FOUND') return 'missing'
        throw err
      }
    }
    try {
      const recorded = await recordedDigest(store, key)
      let now = await read()
      if (now !== 'missing' && now.sha512 === copy.sha512) {
        return await record(recorded !== null && recorded !== copy.sha512 ? 'drift' : 'ok', recorded !== null && recorded !== copy.sha512 ? { catalogue: copy.sha512, recorded, recomputed: now.sha512 } : {})
      }
      // Grace: a second read after a pause, before the copy is called damaged.
      await sleep(this.#o.graceMs ?? 2000, undefined, signal === undefined ? {} : { signal })
      now = await read()
      if (now === 'missing') return await record('missing', { catalogue: copy.sha512, recorded })
      if (now.sha512 === copy.sha512) return await record('ok', { graceReread: true })
      return await record('mismatch', { catalogue: copy.sha512, recorded, recomputed: now.sha512, size: now.size, expectedSize: copy.size })
    } catch (err) {
      signal?.throwIfAborted()
      // Keys rejected, a bucket gone, a socket cut: the copy is not judged, and is due again next round.
      this.#o.log.warn({ err, node: node.id, key }, 'copy not checked: the node did not answer')
      return 'unreachable'
    }
  }

  /** Keys under the objects a node holds that are neither content the catalogue names nor OCFL metadata. */
  async #extraFiles (node: StorageNode, round: string): Promise<Array<{ nodeId: string, key: string }>> {
    const { catalogue } = this.#o
    const store = this.#o.storeOf(node).store
    const extra: Array<{ nodeId: string, key: string }> = []
    const packages = new Set((await catalogue.replicationTasks.list({ nodeId: node.id, limit: 10_000, offset: 0 })).items.map(t => t.packageId))
    for (const packageId of packages) {
      const pkg = await catalogue.packages.get(packageId)
      if (pkg === null) continue
      const root = objectRootOf(pkg.ocflId)
      const known = new Set<string>()
      for (let v = 1; v <= pkg.headVersion; v++) for (const c of await catalogue.replicationTasks.versionContents(packageId, v)) known.add(c.contentPath)
      const found: string[] = []
      for await (const key of store.list(`${root}/`)) {
        const rel = key.slice(root.length + 1)
        if (known.has(rel) || METADATA.test(rel)) continue
        found.push(key)
      }
      if (found.length === 0) continue
      extra.push(...found.map(key => ({ nodeId: node.id, key })))
      await catalogue.events.append({ type: 'replica.extra', outcome: 'warning', agent: 'system', objectType: 'package', objectId: packageId, detail: { node: node.id, round, count: found.length, keys: found.slice(0, 50), kept: true } })
    }
    return extra
  }
}

/** OCFL metadata of an object (declaration, inventories, sidecars) and its logs (SM3, quarantine). */
const METADATA = /^(0=ocfl_object_1\.1|inventory\.json(\.sha512)?|v\d+\/inventory\.json(\.sha512)?|logs\/.+|extensions\/.+)$/

/** The sha512 the node keeps beside the object (S3 user metadata); null where the node keeps none. */
async function recordedDigest (store: BlobStore, key: string): Promise<string | null> {
  const describe = (store as Partial<Pick<S3BlobStore, 'describe'>>).describe
  if (describe === undefined) return null
  const info = await describe.call(store, key)
  return info?.digests.sha512 ?? null
}
