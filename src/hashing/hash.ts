// The hashing engine of the validator and of streamed ingest: a bounded pool of worker threads that
// computes every requested algorithm from ONE read of each file (STYLE.md "Streams"), on every core.
// - Small files, or a single algorithm: one task per file; a worker opens and reads it itself, and
//   several files are hashed at once on different workers.
// - Big files with two or more algorithms: main reads the file once into a ring of shared slots and
//   each worker computes only its share of the algorithms (hash-fanout.ts).
// - Streams (a tar entry in flight) of a known size up to 1 MiB: copied once into a region of a shared
//   arena (hash-arena.ts) and hashed there as one task, without waiting for it.
// - Other streams: gathered in memory up to the big-file size and hashed as one task on a worker; a
//   longer stream turns into a fan-out as it grows.
// Submit many files at once: the queue holds the rest while LANES per worker are in flight, and tasks
// (and replies) sent in the same turn share one cross-thread wake-up, which costs as much as hashing a
// small file. A caller that keeps only a handful in flight leaves the workers waiting on main.
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Worker } from 'node:worker_threads'
import { isSupportedAlgorithm, nodeHashName, type Digests } from './algorithms.js'
import { ArenaHasher, ByteRing, type Region } from './hash-arena.js'
import { Fanout, newRing, type FanoutHost, type FanoutWorker, type Ring } from './hash-fanout.js'
import { deserializeError, notRegularFile, type AlgorithmPair, type FromWorker, type ToWorker, type WorkerData } from './hash-protocol.js'
import { LantaiError } from '../errors.js'
import { startWorker } from '../worker-start.js'

export interface HashPoolOptions {
  /** Worker threads; default `os.availableParallelism()`. */
  workers?: number
  /** Files this big or bigger, with two or more algorithms, are split by algorithm across workers. Default 8 MiB. */
  bigFileBytes?: number
  /** Bytes of the shared arena for small streams of known size (at least 64 KiB). Default 8 MiB. */
  arenaBytes?: number
}

export interface FileDigests {
  size: number
  digests: Digests
  /** Hard links to the file, from the fstat of the open file: only from hashFile, when asked (`links`). */
  links?: number
}

export interface HasherOptions {
  /**
   * Also write the bytes to this new file, on a worker: it is created exclusively and never through a
   * link, and digest() settles once it is closed. A failed write rejects with the fs error (EEXIST,
   * ENOSPC…) and removes what was written; so does abort().
   */
  writeTo?: string
  /**
   * The stream's length, when it is known before the first byte (an archive entry's header): a small
   * stream then goes through the shared arena. update() rejects with a RangeError past it, and
   * digest() when fewer bytes came.
   */
  size?: number
}

export interface HashFileOptions {
  signal?: AbortSignal
  /** Called as bytes are hashed, with the count since the last call. */
  onBytes?: (n: number) => void
  /** Also give the file's link count (FileDigests.links), so a validator needs no lstat of its own. */
  links?: boolean
}

/**
 * A sink for chunks that arrive from elsewhere (a tar entry in flight). Await each update() before the
 * next; its promise settles once the chunk has been copied, so the caller may reuse the chunk. A short
 * stream is held in memory until digest() (up to the pool's big-file size), so a caller hashing many
 * small entries should start the next entry without awaiting the previous digest.
 */
export interface MultiHasher {
  /** Undefined (rather than a settled promise) when the chunk was taken at once. */
  update (chunk: Uint8Array): Promise<void> | undefined
  digest (): Promise<FileDigests>
  /**
   * Gives up the stream (say, the archive turned out bad); later calls reject. Settles once no worker
   * holds the stream any more, and any file it was writing is gone.
   */
  abort (reason?: Error): Promise<void>
}

const DEFAULT_BIG_FILE_BYTES = 8 * 1024 * 1024
// 8 MiB: as much as the unpacker keeps in flight (StagingWriter's write-behind), and every byte of it is
// resident once the ring has gone round.
const DEFAULT_ARENA_BYTES = 8 * 1024 * 1024
/** Streams up to this size go through the arena (when it is at least 16 times as large). */
const ARENA_FILE_BYTES = 1024 * 1024
/** Bytes per blocking read inside a worker. */
const READ_BYTES = 1024 * 1024
/**
 * File tasks sent ahead to each worker. A small file hashes in about the time a message takes to cross
 * threads, so a worker given one task at a time would wait on every round trip; with 16 it still has
 * work while the replies to the first 8 (hash-worker's OUTBOX_FULL) travel and new tasks come back.
 */
const LANES = 16
/** Big files read by main at once; one already keeps every worker busy. */
const MAX_BIG_FILES = 1
/** Spare rings kept for the next stream rather than freshly allocated. */
const SPARE_RINGS = 4
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

// Tests and benches run the .ts sources under tsx; the CLI runs dist/*.js.
const OWN_EXTENSION = extname(fileURLToPath(import.meta.url))
const WORKER_URL = new URL('./hash-worker' + OWN_EXTENSION, import.meta.url)

const startHashWorker = (workerData: WorkerData): Worker => startWorker(WORKER_URL, { workerData, resourceLimits: WORKER_LIMITS })

/**
 * A worker keeps almost nothing on its heap (digest state lives in OpenSSL, bytes in buffers): a young
 * generation of 16 MiB per semi-space, the default, was ~20 MB of resident memory per worker for
 * short-lived message objects.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 }

/** AbortError by name, as Node's own, so generic code recognises it; ABORTED by code for the CLI. */
export function abortError (detail: string, cause?: unknown): LantaiError {
  const e = new LantaiError('ABORTED', detail, {}, cause === undefined ? undefined : { cause })
  e.name = 'AbortError'
  return e
}

interface FileTask {
  readonly id: number
  readonly path: string
  /** Bytes gathered by main (a short stream): the worker hashes these instead of reading `path`. */
  readonly bytes?: Uint8Array
  /** A filled region of the arena: the worker hashes it instead of reading `path`; released when settled. */
  readonly region?: Region
  readonly algs: readonly AlgorithmPair[]
  /** With `bytes`: the new file the worker writes them to first. */
  readonly writeTo?: string
  readonly signal: AbortSignal | undefined
  readonly onBytes: ((n: number) => void) | undefined
  /** The caller wants FileDigests.links. */
  readonly links?: boolean
  readonly resolve: (r: FileDigests) => void
  readonly reject: (e: Error) => void
  settled: boolean
  /** Set while a worker holds the task. */
  at: { worker: PoolWorker, lane: number } | undefined
  /** Set while main reads the file into a fan-out. */
  fan: Fanout | undefined
  /** Bytes already passed to onBytes. */
  reported: number
}

class PoolWorker implements FanoutWorker {
  readonly worker: Worker
  readonly cancel = new Int32Array(new SharedArrayBuffer(LANES * Int32Array.BYTES_PER_ELEMENT))
  readonly lanes: Array<FileTask | undefined> = new Array<FileTask | undefined>(LANES).fill(undefined)
  readonly streams = new Set<Fanout>()
  busyLanes = 0
  dead = false
  #referenced = true
  #outbox: ToWorker[] = []
  #transfer: ArrayBuffer[] = []

  constructor (arena: SharedArrayBuffer) {
    this.worker = startHashWorker({ cancel: this.cancel, readBytes: READ_BYTES, arena })
  }

  /** Queued until the current turn of the event loop ends, so the tasks of one turn share a wake-up. */
  post (m: ToWorker, transfer?: ArrayBufferLike): void {
    if (transfer instanceof ArrayBuffer) this.#transfer.push(transfer)
    if (this.#outbox.push(m) === 1) setImmediate(this.#flush)
  }

  readonly #flush = (): void => {
    if (this.#outbox.length === 0 || this.dead) return
    this.worker.postMessage(this.#outbox, this.#transfer)
    this.#outbox = []
    this.#transfer = []
  }

  /** Idle workers must not keep a CLI alive after its work is done, even if nobody calls close(). */
  syncRef (): void {
    const busy = this.busyLanes > 0 || this.streams.size > 0
    if (busy === this.#referenced) return
    this.#referenced = busy
    if (busy) this.worker.ref()
    else this.worker.unref()
  }

  take (id: number): FileTask | undefined {
    const lane = this.lanes.findIndex(t => t?.id === id)
    if (lane < 0) return undefined
    const task = this.lanes[lane]
    this.lanes[lane] = undefined
    this.busyLanes--
    this.syncRef()
    return task
  }
}

/** FIFO that does not shift a 200,000-entry array for every file. */
class Queue<T> {
  #items: T[] = []
  #head = 0
  get length (): number { return this.#items.length - this.#head }
  push (x: T): void { this.#items.push(x) }
  shift (): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const x = this.#items[this.#head++]
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return x
  }

  drain (): T[] {
    const rest = this.#items.slice(this.#head)
    this.#items = []
    this.#head = 0
    return rest
  }
}

export class HashPool {
  readonly #size: number
  readonly #bigFileBytes: number
  #workers: PoolWorker[] = []
  readonly #queue = new Queue<FileTask>()
  readonly #bigQueue = new Queue<FileTask>()
  readonly #bigRunning = new Set<FileTask>()
  readonly #streams = new Map<number, Fanout>()
  readonly #rings: Ring[] = []
  readonly #bySignal = new Map<AbortSignal, { tasks: Set<FileTask>, listener: () => void }>()
  readonly #host: FanoutHost
  readonly #arena: ByteRing
  #nextId = 0
  #closed: Promise<void> | undefined

  constructor (options: HashPoolOptions = {}) {
    const workers = options.workers ?? availableParallelism()
    const big = options.bigFileBytes ?? DEFAULT_BIG_FILE_BYTES
    const arenaBytes = options.arenaBytes ?? DEFAULT_ARENA_BYTES
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, not ${workers}`)
    if (!(big >= 0)) throw new RangeError(`bigFileBytes must be a non-negative number, not ${big}`)
    if (!(Number.isInteger(arenaBytes) && arenaBytes >= 64 * 1024)) throw new RangeError(`arenaBytes must be an integer of at least 64 KiB, not ${arenaBytes}`)
    // Untouched pages of a SharedArrayBuffer take no memory: the arena costs only what is in flight.
    this.#arena = new ByteRing(arenaBytes)
    this.#size = workers
    this.#bigFileBytes = big
    this.#host = {
      pick: n => this.#pick(n),
      recycle: ring => { if (this.#rings.length < SPARE_RINGS) this.#rings.push(ring) },
      forget: fan => { this.#streams.delete(fan.sid) }
    }
  }

  /**
   * Reads the file once; every algorithm fed from the same chunk. Rejects with the fs error (ENOENT,
   * EACCES, EISDIR…) for the caller to turn into a finding. Opens with O_NOFOLLOW so a symlink swapped in
   * after a caller's lstat is refused (ELOOP); a FIFO or device is refused with EFTYPE.
   */
  hashFile (absPath: string, algorithms: readonly string[], options: HashFileOptions = {}): Promise<FileDigests> {
    let algs: AlgorithmPair[]
    try {
      algs = this.#check(algorithms)
    } catch (e) {
      return Promise.reject(e)
    }
    const { signal, onBytes, links } = options
    if (signal?.aborted === true) return Promise.reject(abortError('hashing was aborted', signal.reason))
    return new Promise((resolve, reject) => {
      const task: FileTask = { id: this.#id(), path: absPath, algs, signal, onBytes, links: links === true, resolve, reject, settled: false, at: undefined, fan: undefined, reported: 0 }
      this.#watch(task)
      this.#queue.push(task)
      this.#pump()
    })
  }

  /** A sink for chunks that arrive from elsewhere; see MultiHasher. Throws RangeError for an unknown algorithm. */
  createHasher (algorithms: readonly string[], options: HasherOptions = {}): MultiHasher {
    const algs = this.#check(algorithms)
    const { writeTo, size } = options
    if (size !== undefined && size > 0 && size <= Math.min(ARENA_FILE_BYTES, this.#arena.capacity / 16)) {
      return new ArenaHasher(size, this.#arena, region => this.#hashRegion(region, algs, writeTo))
    }
    // Past the big-file size a stream fans out across workers, as a big file read from disk does.
    return new GatheringHasher(Math.max(this.#bigFileBytes, 1), {
      hashBytes: bytes => this.#hashBytes(bytes, algs, writeTo),
      stream: () => new StreamHasher(this.#fanout(algs, writeTo))
    })
  }

  /** One task for bytes already in memory; `bytes` is transferred to the worker and unusable after. */
  #hashBytes (bytes: Uint8Array, algs: readonly AlgorithmPair[], writeTo: string | undefined): Promise<FileDigests> {
    if (this.#closed !== undefined) return Promise.reject(abortError('the hash pool was closed'))
    return new Promise((resolve, reject) => {
      const task: FileTask = { id: this.#id(), path: '', bytes, algs, ...(writeTo === undefined ? {} : { writeTo }), signal: undefined, onBytes: undefined, resolve, reject, settled: false, at: undefined, fan: undefined, reported: 0 }
      this.#queue.push(task)
      this.#pump()
    })
  }

  /** One task for a filled region of the arena; the region is given back once the task settles. */
  #hashRegion (region: Region, algs: readonly AlgorithmPair[], writeTo: string | undefined): Promise<FileDigests> {
    if (this.#closed !== undefined) {
      this.#arena.release(region)
      return Promise.reject(abortError('the hash pool was closed'))
    }
    return new Promise((resolve, reject) => {
      const task: FileTask = { id: this.#id(), path: '', region, algs, ...(writeTo === undefined ? {} : { writeTo }), signal: undefined, onBytes: undefined, resolve, reject, settled: false, at: undefined, fan: undefined, reported: 0 }
      this.#queue.push(task)
      this.#pump()
    })
  }

  /** Terminates the workers; idempotent. Pending work rejects with an AbortError. */
  close (): Promise<void> {
    if (this.#closed !== undefined) return this.#closed
    const reason = abortError('the hash pool was closed')
    const tasks = [...this.#queue.drain(), ...this.#bigQueue.drain(), ...this.#bigRunning]
    for (const w of this.#workers) tasks.push(...w.lanes.filter(t => t !== undefined))
    for (const t of tasks) this.#settle(t, reason)
    for (const fan of [...this.#streams.values()]) {
      void fan.drop(reason)
      for (const w of this.#workers) fan.onDropped(w) // terminated: no worker will answer
    }
    this.#closed = Promise.all(this.#workers.map(w => w.worker.terminate())).then(() => undefined)
    return this.#closed
  }

  #check (algorithms: readonly string[]): AlgorithmPair[] {
    if (this.#closed !== undefined) throw abortError('the hash pool was closed')
    if (algorithms.length === 0) throw new RangeError('no algorithm to compute')
    const bad = algorithms.filter(a => !isSupportedAlgorithm(a))
    if (bad.length > 0) throw new RangeError(`unsupported algorithm ${bad.join(', ')}`)
    return [...new Set(algorithms)].map(alg => ({ alg, node: nodeHashName(alg) }))
  }

  #id (): number {
    // Ids go into an Int32Array cell; 0 there means "nothing cancelled".
    this.#nextId = this.#nextId >= 0x7fffffff ? 1 : this.#nextId + 1
    return this.#nextId
  }

  #ensureWorkers (): PoolWorker[] {
    while (this.#workers.length < this.#size) this.#workers.push(this.#spawn())
    return this.#workers
  }

  #spawn (): PoolWorker {
    const w = new PoolWorker(this.#arena.buffer)
    w.worker.on('message', (batch: readonly FromWorker[]) => {
      for (const m of batch) this.#onMessage(w, m)
      this.#pump()
    })
    w.worker.on('error', e => { this.#lose(w, e) })
    w.worker.on('exit', code => { this.#lose(w, new Error(`hash worker exited with code ${code}`)) })
    // Only now: adding a 'message' listener refs the worker's port again.
    w.syncRef()
    return w
  }

  /** A worker died (a crash, not close()): fail what it held and replace it. */
  #lose (w: PoolWorker, error: Error): void {
    if (w.dead) return
    w.dead = true
    if (this.#closed !== undefined) return
    this.#workers = this.#workers.filter(x => x !== w)
    for (const t of w.lanes) if (t !== undefined) this.#settle(t, error)
    for (const fan of [...w.streams]) {
      void fan.drop(error)
      fan.onDropped(w) // a dead worker holds nothing and will not say so
    }
    this.#pump()
  }

  #pump (): void {
    if (this.#closed !== undefined) return
    while (this.#queue.length > 0) {
      const w = this.#idlest()
      if (w === undefined) return
      const task = this.#queue.shift()
      if (task === undefined || task.settled) continue
      const lane = w.lanes.indexOf(undefined)
      w.lanes[lane] = task
      w.busyLanes++
      w.syncRef()
      task.at = { worker: w, lane }
      if (task.bytes !== undefined) {
        w.post({ t: 'buffer', id: task.id, lane, bytes: task.bytes, algs: task.algs, ...(task.writeTo === undefined ? {} : { writeTo: task.writeTo }) }, task.bytes.buffer)
        continue
      }
      if (task.region !== undefined) {
        w.post({ t: 'region', id: task.id, lane, off: task.region.off, len: task.region.len, algs: task.algs, ...(task.writeTo === undefined ? {} : { writeTo: task.writeTo }) })
        continue
      }
      // One algorithm gains nothing from a fan-out; neither does a pool of one.
      const fanOutFrom = task.algs.length > 1 && this.#size > 1 ? this.#bigFileBytes : Infinity
      w.post({ t: 'file', id: task.id, lane, path: task.path, algs: task.algs, fanOutFrom, progress: task.onBytes !== undefined })
    }
  }

  /** The worker with a free lane and the least queued in front of it. */
  #idlest (): PoolWorker | undefined {
    let best: PoolWorker | undefined
    for (const w of this.#ensureWorkers()) {
      if (w.busyLanes >= LANES) continue
      if (best === undefined || w.busyLanes + w.streams.size < best.busyLanes + best.streams.size) best = w
    }
    return best
  }

  #pick (count: number): PoolWorker[] {
    const load = (w: PoolWorker): number => w.busyLanes + w.streams.size * LANES
    return [...this.#ensureWorkers()].sort((a, b) => load(a) - load(b)).slice(0, Math.max(1, count))
  }

  #fanout (algs: readonly AlgorithmPair[], writeTo?: string): Fanout {
    const fan = new Fanout(this.#id(), this.#host, algs, this.#rings.pop() ?? newRing(), writeTo)
    this.#streams.set(fan.sid, fan)
    return fan
  }

  #onMessage (w: PoolWorker, m: FromWorker): void {
    switch (m.t) {
      case 'bytes': {
        const t = w.lanes.find(x => x?.id === m.id)
        if (t !== undefined && !t.settled) this.#report(t, m.n)
        return
      }
      case 'ack': this.#streams.get(m.sid)?.onAck(m.slot); return
      case 'digests': this.#streams.get(m.sid)?.onDigests(m.digests); return
      case 'dropped': this.#streams.get(m.sid)?.onDropped(w); return
      case 'stream-failed': void this.#streams.get(m.sid)?.drop(deserializeError(m.error)); return
    }
    const task = w.take(m.id)
    if (task === undefined) return
    task.at = undefined
    if (m.t === 'done') {
      if (!task.settled) this.#report(task, m.size - task.reported)
      this.#settle(task, task.links === true && m.links !== undefined ? { size: m.size, digests: m.digests, links: m.links } : { size: m.size, digests: m.digests })
    } else if (m.t === 'failed') {
      this.#settle(task, deserializeError(m.error))
    } else if (m.t === 'big' && !task.settled) {
      this.#bigQueue.push(task)
      this.#pumpBig()
    }
    // 'cancelled': the task was rejected when it was aborted.
  }

  #report (task: FileTask, n: number): void {
    if (n <= 0 || task.onBytes === undefined) return
    task.reported += n
    task.onBytes(n)
  }

  #pumpBig (): void {
    while (this.#bigRunning.size < MAX_BIG_FILES && this.#closed === undefined) {
      const task = this.#bigQueue.shift()
      if (task === undefined) return
      if (task.settled) continue
      this.#bigRunning.add(task)
      this.#readBig(task).then(r => { this.#settle(task, r) }, (e: Error) => { this.#settle(task, e) }).finally(() => {
        this.#bigRunning.delete(task)
        this.#pumpBig()
      })
    }
  }

  /** Main reads the file once, straight into the ring's slots; the workers split the algorithms. */
  async #readBig (task: FileTask): Promise<FileDigests> {
    const fh = await open(task.path, OPEN_FLAGS)
    try {
      const st = await fh.stat()
      if (!st.isFile()) throw notRegularFile(task.path)
      if (task.settled) return { size: 0, digests: {} } // aborted meanwhile; nobody reads this
      const fan = this.#fanout(task.algs)
      task.fan = fan
      fan.onBytes = task.onBytes
      for (;;) {
        const slot = await fan.acquire()
        const view = fan.view(slot)
        const { bytesRead } = await fh.read(view, 0, view.byteLength, null)
        if (bytesRead === 0) {
          fan.release(slot)
          break
        }
        fan.send(slot, bytesRead, false)
      }
      const digests = await fan.end()
      return task.links === true ? { size: fan.size, digests, links: st.nlink } : { size: fan.size, digests }
    } finally {
      await fh.close()
    }
  }

  #settle (task: FileTask, result: FileDigests | Error): void {
    if (task.settled) return
    task.settled = true
    // Region tasks carry no signal: they settle when their worker answers, or is gone.
    if (task.region !== undefined) this.#arena.release(task.region)
    this.#unwatch(task)
    if (result instanceof Error) task.reject(result)
    else task.resolve(result)
  }

  // One listener per signal, not per task: a validator passes the same signal with 10,000 files.
  #watch (task: FileTask): void {
    const signal = task.signal
    if (signal === undefined) return
    let entry = this.#bySignal.get(signal)
    if (entry === undefined) {
      const listener = (): void => { this.#abortAll(signal) }
      entry = { tasks: new Set(), listener }
      this.#bySignal.set(signal, entry)
      signal.addEventListener('abort', listener, { once: true })
    }
    entry.tasks.add(task)
  }

  #unwatch (task: FileTask): void {
    const signal = task.signal
    const entry = signal === undefined ? undefined : this.#bySignal.get(signal)
    if (signal === undefined || entry === undefined) return
    entry.tasks.delete(task)
    if (entry.tasks.size > 0) return
    signal.removeEventListener('abort', entry.listener)
    this.#bySignal.delete(signal)
  }

  #abortAll (signal: AbortSignal): void {
    const entry = this.#bySignal.get(signal)
    if (entry === undefined) return
    const reason = abortError('hashing was aborted', signal.reason)
    for (const task of [...entry.tasks]) {
      // A worker mid-file sees this between two reads and stops; its lane frees when it says so.
      if (task.at !== undefined) Atomics.store(task.at.worker.cancel, task.at.lane, task.id)
      void task.fan?.drop(reason)
      this.#settle(task, reason)
    }
  }
}

interface GatherTarget {
  hashBytes (bytes: Uint8Array): Promise<FileDigests>
  stream (): StreamHasher
}

/**
 * Keeps a stream's chunks until it ends or passes `limit` bytes. A short stream is then one task on a
 * worker: no ring, no round trip per chunk, and digest() does not hold the caller up while it hashes. A
 * long one is handed to a fan-out (ring and all) as soon as it is known to be long.
 */
class GatheringHasher implements MultiHasher {
  readonly #limit: number
  readonly #target: GatherTarget
  #chunks: Uint8Array[] = []
  #size = 0
  #stream: StreamHasher | undefined
  #finished = false
  #failure: Error | undefined

  constructor (limit: number, target: GatherTarget) {
    this.#limit = limit
    this.#target = target
  }

  async update (chunk: Uint8Array): Promise<void> {
    if (this.#finished) throw new Error('digest() was already called')
    if (this.#failure !== undefined) throw this.#failure
    if (this.#stream !== undefined) return await this.#stream.update(chunk)
    this.#chunks.push(new Uint8Array(chunk)) // a copy: the caller may reuse its chunk
    this.#size += chunk.byteLength
    if (this.#size < this.#limit) return
    const stream = this.#stream = this.#target.stream()
    const held = this.#chunks
    this.#chunks = []
    for (const c of held) await stream.update(c)
  }

  async digest (): Promise<FileDigests> {
    if (this.#finished) throw new Error('digest() was already called')
    this.#finished = true
    if (this.#failure !== undefined) throw this.#failure
    if (this.#stream !== undefined) return await this.#stream.digest()
    // One ArrayBuffer of its own, whole: a pooled Buffer's would take its neighbours along when
    // transferred. A single chunk already is one (update copied it); several are joined.
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined
    let bytes: Uint8Array
    if (only !== undefined) bytes = only
    else {
      bytes = new Uint8Array(this.#size)
      let at = 0
      for (const c of this.#chunks) { bytes.set(c, at); at += c.byteLength }
    }
    this.#chunks = []
    return await this.#target.hashBytes(bytes)
  }

  async abort (reason: Error = abortError('the hasher was aborted')): Promise<void> {
    this.#failure ??= reason
    this.#chunks = []
    // Bytes already handed to a worker as one task are its to finish; the caller's digest() shows how.
    await this.#stream?.abort(reason)
  }
}

/** Copies incoming chunks into the ring's slots and sends each slot as it fills. */
class StreamHasher implements MultiHasher {
  readonly #fan: Fanout
  #slot = -1
  #fill = 0
  #tail: Promise<void> = Promise.resolve()
  #finished = false

  constructor (fan: Fanout) { this.#fan = fan }

  update (chunk: Uint8Array): Promise<void> {
    if (this.#finished) return Promise.reject(new Error('digest() was already called'))
    // Chained, so a caller that forgets to await cannot interleave two chunks.
    const next = this.#tail.then(() => this.#copy(chunk))
    this.#tail = next.catch(() => {})
    return next
  }

  async digest (): Promise<FileDigests> {
    if (this.#finished) throw new Error('digest() was already called')
    this.#finished = true
    await this.#tail
    const fan = this.#fan
    if (this.#slot >= 0) {
      if (this.#fill > 0 && fan.failure === undefined) fan.send(this.#slot, this.#fill, true)
      else fan.release(this.#slot)
      this.#slot = -1
    }
    const digests = await fan.end()
    return { size: fan.size, digests }
  }

  abort (reason: Error = abortError('the hasher was aborted')): Promise<void> {
    return this.#fan.drop(reason)
  }

  async #copy (chunk: Uint8Array): Promise<void> {
    if (this.#fan.failure !== undefined) throw this.#fan.failure
    let off = 0
    while (off < chunk.byteLength) {
      if (this.#slot < 0) {
        this.#slot = await this.#fan.acquire()
        this.#fill = 0
      }
      const view = this.#fan.view(this.#slot)
      const n = Math.min(view.byteLength - this.#fill, chunk.byteLength - off)
      view.set(chunk.subarray(off, off + n), this.#fill)
      this.#fill += n
      off += n
      if (this.#fill === view.byteLength) {
        this.#fan.send(this.#slot, this.#fill, false)
        this.#slot = -1
      }
    }
  }
}
