import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Catalogue, ReplicationTask, StorageNode } from '../catalogue/index.js'
import { isLantaiError, LantaiError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { BlobStore } from '../storage/index.js'
import { TierKeyring, type MasterKey } from '../access/index.js'
import { objectRootOf } from '../ocfl/index.js'
import { copyVersion } from './copy.js'
import { openNodeStore, type NodeStore } from './node-store.js'
import { eligible } from './placement.js'
import type { Tier } from './placement-policy.js'
import { SealedStore, type SealKeys } from './sealed-store.js'
import { backoffUntil, DEFAULT_QUEUE, nextCheckOf, type QueueSettings } from './queue.js'
import type { ReplicationService } from './service.js'

// The replication workers (issue 16 item 4). Each tick: newly stored versions (their `package.version`
// events, after a cursor in the catalogue) are placed, planned copies become tasks, and due tasks are
// claimed within the per-node bound and copied. A copy that fails waits out its backoff and is tried
// again; one whose error will not go away by waiting (keys rejected, a bucket missing) fails at once and
// says why. A task stopped by shutdown or a crash resumes after the files already verified on the node.
// A replica is 'verified' only when copyVersion returned, that is, when every file read back matched.

const CURSOR = 'placement'
const EVENTS_PER_TICK = 200

export interface ReplicationWorkerOptions {
  catalogue: Catalogue
  placement: ReplicationService
  /** the primary store */
  primary: BlobStore
  /** a LANTAI_* variable's value (node credentials) */
  secretOf: (name: string) => string | undefined
  dataDir: string
  scratchDir: string
  log: Logger
  /** LANTAI_MASTER_KEY: without it classified versions are held, and sealed copies cannot be read */
  master?: MasterKey | null
  settings?: Partial<QueueSettings>
  /** S3 sockets silent this long are given up (default 30 s) */
  nodeTimeoutMs?: number
  clock?: () => Date
}

export class ReplicationWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  readonly settings: QueueSettings
  readonly #o: ReplicationWorkerOptions
  readonly #running = new Map<string, { abort: AbortController, done: Promise<void> }>()
  readonly #stores = new Map<string, NodeStore>()
  readonly #keys: SealKeys | null
  #stopped = true
  #loop: Promise<void> | undefined
  #wake: (() => void) | undefined
  /** Ticks of the loop and drain() take turns, so a drain sees every claim made while it runs. */
  #turn: Promise<unknown> = Promise.resolve()

  constructor (options: ReplicationWorkerOptions) {
    this.#o = options
    this.settings = { ...DEFAULT_QUEUE, ...options.settings }
    this.#keys = sealKeys(options.catalogue, options.master ?? null)
  }

  get #now (): Date { return (this.#o.clock ?? (() => new Date()))() }

  async start (): Promise<void> {
    if (!this.#stopped) return
    this.#stopped = false
    this.#loop = this.#run()
  }

  poke (): void { this.#wake?.() }

  /** Stops claiming, aborts running copies (their tasks go back to the queue) and waits for them. */
  async stop (): Promise<void> {
    this.#stopped = true
    this.poke()
    for (const r of this.#running.values()) r.abort.abort(new LantaiError('ABORTED', 'shutting down'))
    await Promise.all([...this.#running.values()].map(r => r.done))
    await this.#loop
    for (const s of this.#stores.values()) s.close()
    this.#stores.clear()
  }

  /**
   * One pass without the loop (tests, `lantai replicate run`): place what is new, queue it, run every
   * task due now until none is left; tasks whose backoff has not passed stay queued.
   */
  async drain (): Promise<void> {
    await this.#exclusive(async () => {
      await this.plan()
      for (;;) {
        while (this.#running.size < this.settings.concurrency && await this.#claimOne());
        if (this.#running.size === 0) return
        await Promise.race([...this.#running.values()].map(r => r.done))
      }
    })
  }

  async #exclusive (work: () => Promise<void>): Promise<void> {
    const run = this.#turn.then(work)
    this.#turn = run.catch(() => {})
    await run
  }

  /** Places stored versions not placed yet and queues every planned copy; returns tasks queued. */
  async plan (): Promise<number> {
    const { catalogue, placement } = this.#o
    for (;;) {
      const stored = await catalogue.replicationTasks.storedSince(CURSOR, EVENTS_PER_TICK)
      if (stored.length === 0) break
      const planned = await placement.placeVersions(stored.filter(s => s.version > 0))
      if (planned > 0) this.#o.log.info({ versions: stored.length, planned }, 'stored versions placed')
      await catalogue.replicationTasks.advance(CURSOR, stored[stored.length - 1]!.eventId)
      if (stored.length < EVENTS_PER_TICK) break
    }
    return await catalogue.replicationTasks.enqueuePlanned()
  }

  /**
   * Re-queues a package (POST /v1/packages/:id/replicate): its versions placed again, its failed, held
   * and finished tasks queued now, new copies queued. PACKAGE_NOT_FOUND when there is no such package.
   */
  async replicate (packageId: string, agent: string): Promise<{ planned: number, requeued: number, queued: number }> {
    const { catalogue } = this.#o
    if (await catalogue.packages.get(packageId) === null) throw new LantaiError('PACKAGE_NOT_FOUND', packageId, { id: packageId })
    const versions = await catalogue.packages.versions(packageId)
    const planned = await this.#o.placement.placeVersions(versions.map(v => ({ packageId, version: v.number })), agent)
    const requeued = await catalogue.replicationTasks.requeue(packageId, agent)
    const queued = await catalogue.replicationTasks.enqueuePlanned()
    this.poke()
    return { planned, requeued, queued }
  }

  async #run (): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#exclusive(async () => {
          await this.plan()
          while (!this.#stopped && this.#running.size < this.settings.concurrency && await this.#claimOne());
        })
      } catch (err) {
        this.#o.log.warn({ err }, 'replication queue tick failed')
      }
      if (this.#stopped) break
      await new Promise<void>(resolve => {
        this.#wake = resolve
        setTimeout(resolve, this.settings.idleMs).unref()
      })
    }
  }

  async #claimOne (): Promise<boolean> {
    const nodes = new Map((await this.#o.catalogue.nodes.list()).map(n => [n.id, n]))
    // a node not active takes no copies now; its tasks wait
    const task = await this.#o.catalogue.replicationTasks.claim(this.owner, this.settings.leaseMs, id => nodes.get(id)?.state === 'active' ? this.settings.perNode : 0)
    if (task === null) return false
    const abort = new AbortController()
    const done = this.#execute(task, nodes.get(task.nodeId), abort.signal).finally(() => { this.#running.delete(task.id); this.poke() })
    this.#running.set(task.id, { abort, done })
    return true
  }

  async #execute (task: ReplicationTask, node: StorageNode | undefined, signal: AbortSignal): Promise<void> {
    const { catalogue } = this.#o
    const tasks = catalogue.replicationTasks
    const log = this.#o.log.child({ task: task.id, pkg: task.packageId, version: task.version, node: task.nodeId })
    let progress: Parameters<typeof tasks.heartbeat>[3]
    const lost = new AbortController()
    const both = AbortSignal.any([signal, lost.signal])
    const beat = setInterval(() => {
      void tasks.heartbeat(task.id, this.owner, this.settings.leaseMs, progress).then(ok => { if (!ok) lost.abort(new LantaiError('LOCK_LOST', `task ${task.id} was taken over`)) }, () => {})
    }, Math.max(1000, this.settings.leaseMs / 3))
    beat.unref()
    try {
      if (node === undefined) throw new LantaiError('NODE_NOT_FOUND', task.nodeId, { id: task.nodeId })
      const pkg = await catalogue.packages.get(task.packageId)
      if (pkg === null) throw new LantaiError('PACKAGE_NOT_FOUND', task.packageId, { id: task.packageId })
      const [placed] = await catalogue.replicas.versions({ packageId: task.packageId, version: task.version - 1 }, 1)
      // Classified bytes leave the primary only sealed with the tier's key, and only for a node cleared for
      // the tier (placement plans no other; a node whose clearance was lowered since is checked here).
      const tier = placed === undefined ? '非密' : await this.#o.placement.tierOf(placed)
      const target = this.storeOf(node)
      if (tier !== '非密') {
        const why = this.#keys === null
          ? `${tier}: not copied to ${node.id}: LANTAI_MASTER_KEY is not set, so it cannot be encrypted`
          : !eligible({ ...node, state: 'active' }, tier as Tier) ? `${tier}: not copied to ${node.id}, cleared only for ${node.clearance}` : null
        if (why !== null) {
          const reason = { code: 'REPLICATION_TIER_HELD', message: why }
          await catalogue.replicas.put({ packageId: task.packageId, version: task.version, nodeId: node.id, state: 'planned', detail: reason.message })
          await tasks.hold(task.id, this.owner, reason)
          return
        }
        await target.prepare()
        await (target.store as SealedStore).seal(objectRootOf(pkg.ocflId), tier)
      }
      await catalogue.replicas.put({ packageId: task.packageId, version: task.version, nodeId: node.id, state: 'copying', detail: `task ${task.id}, attempt ${task.attempts}` })
      const copied = await copyVersion({
        catalogue, source: this.#o.primary, target, scratchDir: this.#o.scratchDir, signal: both,
        nextCheckAt: () => nextCheckOf(node, this.#now),
        onProgress: p => { progress = p }
      }, pkg, task.version)
      clearInterval(beat)
      both.throwIfAborted()
      const bytes = (await tasks.versionContents(task.packageId, task.version)).reduce((s, c) => s + c.size, 0)
      await catalogue.replicas.put({ packageId: task.packageId, version: task.version, nodeId: node.id, state: 'verified', bytes, detail: `read back and matched: ${copied.files} copied, ${copied.skipped} already there` })
      await tasks.heartbeat(task.id, this.owner, this.settings.leaseMs, progress)
      await tasks.complete(task.id, this.owner)
      log.info({ files: copied.files, skipped: copied.skipped, bytes: copied.bytes }, 'version replicated and verified')
    } catch (err) {
      clearInterval(beat)
      await this.#failed(task, err, both, log).catch((e: unknown) => { log.warn({ err: e }, 'replication task bookkeeping failed') })
    } finally {
      clearInterval(beat)
    }
  }

  async #failed (task: ReplicationTask, err: unknown, signal: AbortSignal, log: Logger): Promise<void> {
    const tasks = this.#o.catalogue.replicationTasks
    if (signal.aborted) {
      log.info('replication task parked for a later run')
      await tasks.park(task.id, this.owner)
      return
    }
    const error = { code: isLantaiError(err) ? err.code : 'INTERNAL', message: (err as Error).message }
    // A copy in doubt is never 'verified': the replica stays 'copying', and says why.
    await this.#o.catalogue.replicas.put({ packageId: task.packageId, version: task.version, nodeId: task.nodeId, state: 'copying', detail: `${error.code}: ${error.message}` })
    const transient = !isLantaiError(err) || err.transient
    if (transient && task.attempts < this.settings.maxAttempts) {
      const at = backoffUntil(this.#now, task.attempts, this.settings)
      log.warn({ err, retryAt: at.toISOString(), attempts: task.attempts }, 'replication attempt failed; retried after backoff')
      await tasks.retry(task.id, this.owner, error, at)
    } else {
      log.error({ err, attempts: task.attempts }, 'replication task failed')
      await tasks.fail(task.id, this.owner, error)
    }
  }

  /**
   * A node's store, opened once per worker (again after the node's row changed). A node other than the
   * primary is seen through a SealedStore: plaintext to every caller, ciphertext on the node for sealed objects.
   */
  storeOf (node: StorageNode): NodeStore {
    let s = this.#stores.get(node.id)
    if (s === undefined || s.node.updatedAt !== node.updatedAt) {
      s?.close()
      const opened = openNodeStore(node, { secretOf: this.#o.secretOf, dataDir: this.#o.dataDir, primary: this.#o.primary, ...(this.#o.nodeTimeoutMs === undefined ? {} : { timeoutMs: this.#o.nodeTimeoutMs }) })
      s = node.primary ? opened : { ...opened, store: new SealedStore(opened.store, this.#keys, this.#o.scratchDir) }
      this.#stores.set(node.id, s)
    }
    return s
  }
}

/** The worker's keys: the master key opens what nodes hold; the keyring gives each tier's active key to seal with. */
function sealKeys (catalogue: Catalogue, master: MasterKey | null): SealKeys | null {
  if (master === null) return null
  const ring = new TierKeyring(catalogue.tierKeys, master)
  return {
    master,
    sealing: async tier => {
      const key = await ring.forTier(tier)
      const stored = await catalogue.tierKeys.get(key.id)
      if (stored === null) throw new LantaiError('KEY_NOT_FOUND', key.id, { keyId: key.id })
      const { id, tier: of, algorithm, masterKeyId, wrapped } = stored
      return { key, wrapped: { id, tier: of, algorithm, masterKeyId, wrapped } }
    }
  }
}
