import { createReadStream } from 'node:fs'
import { LantaiError } from '../errors.js'
import { STORAGE_DECLARATION } from '../ocfl/index.js'
import { stage } from '../replication/index.js'
import type { BlobStat, BlobStore, ByteRange, PutFileOptions, PutItem } from '../storage/index.js'

// Serving from a replica while the primary store is lost (issue 16 item 7). Reads go to the primary while
// it holds its storage root; when it does not (the disk is gone, the bucket does not answer) or its node
// is marked lost, they go to a replica node that does, and every response says so (the serving-from
// plugin). Writes are refused with PRIMARY_LOST rather than made on one node only: the nodes are copies
// of the primary, and a write there would be a fork. The primary is probed again every `recheckMs`,
// so serving returns to it by itself once it is restored.

export type Serving = { from: 'primary' } | { from: 'replica', node: string, since: string, reason: string }

export interface ReplicaSource { id: string, store: BlobStore }

/** A replica read that failed: the next replica is tried, and this one goes last for `recheckMs`. */
interface Strike { until: number, why: string }

export interface FailoverOptions {
  /** The replica nodes to serve from, best first (active, most verified copies); asked each time the primary is found lost. */
  replicas: () => Promise<ReplicaSource[]>
  /** Whether an operator marked the primary's node lost (PATCH /v1/nodes/:id state lost). */
  primaryMarkedLost?: () => Promise<boolean>
  recheckMs?: number
  /**
   * The sha512 the catalogue holds for a content key (null for any other key). With it and `scratchDir`,
   * a whole content file read from a replica is staged and checked before it is served, and a replica
   * whose bytes do not match is passed over for the next one.
   */
  expected?: (key: string) => Promise<string | null>
  scratchDir?: string
  now?: () => Date
  onChange?: (serving: Serving) => void
}

export class FailoverStore implements BlobStore {
  readonly kind: BlobStore['kind']
  readonly #primary: BlobStore
  readonly #o: FailoverOptions
  #serving: Serving = { from: 'primary' }
  #replica: BlobStore | null = null
  #checkedAt = 0
  #probing: Promise<void> | null = null
  readonly #strikes = new Map<string, Strike>()

  constructor (primary: BlobStore, options: FailoverOptions) {
    this.#primary = primary
    this.#o = options
    this.kind = primary.kind
  }

  get description (): string {
    return this.#serving.from === 'primary' ? this.#primary.description : `${this.#replica?.description ?? ''} (replica ${this.#serving.node}; primary lost)`
  }

  /** Where reads are served from now, as last found (no I/O: /healthz asks this). */
  serving (): Serving { return this.#serving }

  /** Looks at the primary again now (and at the replicas, when it is lost). */
  async probe (): Promise<Serving> {
    this.#probing ??= this.#probe().finally(() => { this.#probing = null })
    await this.#probing
    return this.#serving
  }

  async #probe (): Promise<void> {
    this.#checkedAt = (this.#o.now ?? (() => new Date()))().getTime()
    const reason = await this.#primaryProblem()
    if (reason === null) {
      if (this.#serving.from !== 'primary') {
        this.#serving = { from: 'primary' }
        this.#replica = null
        this.#o.onChange?.(this.#serving)
      }
      return
    }
    if (this.#serving.from === 'replica' && this.#replica !== null && await hasRoot(this.#replica)) return
    for (const r of await this.#o.replicas()) {
      if (!await hasRoot(r.store)) continue
      this.#replica = r.store
      this.#serving = { from: 'replica', node: r.id, since: new Date(this.#checkedAt).toISOString(), reason }
      this.#o.onChange?.(this.#serving)
      return
    }
    throw new LantaiError('PRIMARY_LOST', `${reason}; and no replica node holds a storage root`)
  }

  async #primaryProblem (): Promise<string | null> {
    if (await this.#o.primaryMarkedLost?.() === true) return 'the primary node is marked lost'
    try {
      return await this.#primary.stat(STORAGE_DECLARATION) === null ? `${this.#primary.description} holds no ${STORAGE_DECLARATION}` : null
    } catch (err) {
      return `${this.#primary.description}: ${(err as Error).message}`
    }
  }

  /** The store reads go to; the primary is looked at again once `recheckMs` has passed since the last look. */
  async #reader (): Promise<BlobStore> {
    const now = (this.#o.now ?? (() => new Date()))().getTime()
    if (this.#serving.from === 'replica' && now - this.#checkedAt >= (this.#o.recheckMs ?? 10_000)) await this.probe()
    return this.#serving.from === 'replica' && this.#replica !== null ? this.#replica : this.#primary
  }

  /**
   * A read, on the primary first; a miss or a failure there makes the primary be looked at, and when it
   * is lost the read is made on the replicas. A miss on a healthy primary stays a miss.
   */
  async #read<T> (op: (s: BlobStore) => Promise<T>, missed: (r: T) => boolean): Promise<T> {
    const store = await this.#reader()
    if (store !== this.#primary) return await this.#onReplicas(op, missed)
    let result: T
    try {
      result = await op(store)
      if (!missed(result)) return result
    } catch (err) {
      if ((await this.probe()).from === 'primary') throw err
      return await this.#onReplicas(op, missed)
    }
    if ((await this.probe()).from === 'primary') return result
    return await this.#onReplicas(op, missed)
  }

  /**
   * Every replica in turn (issue 16 item 7: serving from any replica): the one serving now, then the
   * others in the order given (health, then preference), those that failed lately last. An error, a miss
   * or bytes that do not match the catalogue move the read to the next; the one that answers is the one
   * serving from then on, and says so.
   */
  async #onReplicas<T> (op: (s: BlobStore) => Promise<T>, missed: (r: T) => boolean): Promise<T> {
    const now = (this.#o.now ?? (() => new Date()))().getTime()
    const current = this.#serving.from === 'replica' ? this.#serving.node : null
    const all = await this.#o.replicas()
    const struck = (r: ReplicaSource): number => (this.#strikes.get(r.id)?.until ?? 0) > now ? 1 : 0
    const order = [...all].sort((a, b) => struck(a) - struck(b) || (a.id === current ? -1 : b.id === current ? 1 : 0))
    let last: unknown = null
    let miss: { result: T } | null = null
    for (const r of order) {
      try {
        const result = await op(r.store)
        if (missed(result)) { miss ??= { result }; continue }
        this.#strikes.delete(r.id)
        this.#use(r)
        return result
      } catch (err) {
        last = err
        this.#strikes.set(r.id, { until: now + (this.#o.recheckMs ?? 10_000), why: (err as Error).message })
      }
    }
    if (miss !== null) return miss.result
    throw last ?? new LantaiError('PRIMARY_LOST', 'the primary is lost and no replica answers')
  }

  #use (r: ReplicaSource): void {
    if (this.#serving.from === 'replica' && this.#serving.node === r.id) return
    const reason = this.#serving.from === 'replica' ? `${this.#serving.reason}; ${this.#serving.node} failed a read` : 'the primary is lost'
    this.#replica = r.store
    this.#serving = { from: 'replica', node: r.id, since: new Date((this.#o.now ?? (() => new Date()))()).toISOString(), reason }
    this.#o.onChange?.(this.#serving)
  }

  async get (key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    return await this.#read(async s => {
      if (s === this.#primary) return await s.get(key, range)
      const sha512 = await this.#o.expected?.(key)
      if (sha512 == null || this.#o.scratchDir === undefined) return await s.get(key, range)
      return await checkedRead(s, key, sha512, this.#o.scratchDir, range)
    }, () => false)
  }

  async stat (key: string): Promise<BlobStat | null> {
    return await this.#read(async s => await s.stat(key), r => r === null)
  }

  async * list (prefix: string): AsyncIterable<string> {
    const store = await this.#reader()
    yield * store.list(prefix)
  }

  async #write<T> (op: (s: BlobStore) => Promise<T>): Promise<T> {
    if (this.#serving.from === 'replica') throw new LantaiError('PRIMARY_LOST', `serving from replica ${this.#serving.node} since ${this.#serving.since}: ${this.#serving.reason}`)
    return await op(this.#primary)
  }

  async putFile (key: string, localPath: string, options?: PutFileOptions): Promise<void> { await this.#write(async s => { await s.putFile(key, localPath, options) }) }
  async putFiles (items: readonly PutItem[], options?: PutFileOptions & { signal?: AbortSignal }): Promise<void> { await this.#write(async s => { await s.putFiles(items, options) }) }
  async putBytes (key: string, data: Uint8Array | string): Promise<void> { await this.#write(async s => { await s.putBytes(key, data) }) }
  async delete (key: string): Promise<void> { await this.#write(async s => { await s.delete(key) }) }
  async deletePrefix (prefix: string): Promise<void> { await this.#write(async s => { await s.deletePrefix(prefix) }) }
}

/**
 * A replica's bytes for `key`, staged in `scratchDir` and hashed; REPLICA_READBACK_MISMATCH (the next
 * replica is tried) unless they match the catalogue's sha512. The staged file goes when its stream closes.
 */
async function checkedRead (store: BlobStore, key: string, sha512: string, scratchDir: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
  const staged = await stage(store, key, scratchDir)
  if (staged.sha512 !== sha512) {
    await staged.release()
    throw new LantaiError('REPLICA_READBACK_MISMATCH', `${store.description}: ${key} does not match the catalogue's sha512`, { key, expected: sha512, found: staged.sha512 })
  }
  const stream = createReadStream(staged.path, range === undefined ? {} : { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) })
  stream.once('close', () => { void staged.release() })
  return stream
}

const hasRoot = async (store: BlobStore): Promise<boolean> => await store.stat(STORAGE_DECLARATION).then(s => s !== null, () => false)
