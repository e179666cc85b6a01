import { LantaiError } from '../errors.js'
import { STORAGE_DECLARATION } from '../ocfl/index.js'
import type { BlobStat, BlobStore, ByteRange, PutFileOptions, PutItem } from '../storage/index.js'

// Serving from a replica while the primary store is lost (issue 16 item 7). Reads go to the primary while
// it holds its storage root; when it does not (the disk is gone, the bucket does not answer) or its node
// is marked lost, they go to a replica node that does, and every response says so (the serving-from
// plugin). Writes are refused with PRIMARY_LOST rather than made on one node only: the nodes are copies
// of the primary, and a write there would be a fork. The primary is probed again every `recheckMs`,
// so serving returns to it by itself once it is restored.

export type Serving = { from: 'primary' } | { from: 'replica', node: string, since: string, reason: string }

export interface ReplicaSource { id: string, store: BlobStore }

export interface FailoverOptions {
  /** The replica nodes to serve from, best first (active, most verified copies); asked each time the primary is found lost. */
  replicas: () => Promise<ReplicaSource[]>
  /** Whether an operator marked the primary's node lost (PATCH /v1/nodes/:id state lost). */
  primaryMarkedLost?: () => Promise<boolean>
  recheckMs?: number
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
   * is lost the read is made again on the replica. A miss on a healthy primary stays a miss.
   */
  async #read<T> (op: (s: BlobStore) => Promise<T>, missed: (r: T) => boolean): Promise<T> {
    const store = await this.#reader()
    let result: T
    try {
      result = await op(store)
      if (store !== this.#primary || !missed(result)) return result
    } catch (err) {
      if (store !== this.#primary) throw err
      if ((await this.probe()).from === 'primary') throw err
      return await op(await this.#reader())
    }
    if ((await this.probe()).from === 'primary') return result
    return await op(await this.#reader())
  }

  async get (key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    return await this.#read(async s => await s.get(key, range), () => false)
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

const hasRoot = async (store: BlobStore): Promise<boolean> => await store.stat(STORAGE_DECLARATION).then(s => s !== null, () => false)
