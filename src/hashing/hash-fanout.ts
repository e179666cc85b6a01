// One stream of bytes hashed by several workers at once, each computing its share of the algorithms,
// so a big file is read once yet sha256 and sha512 run on two cores. The bytes travel through a ring
// of shared slots: the reader fills a slot, every participating worker hashes it and acks, and only
// when the last ack arrives may the slot be filled again. The ring is the backpressure.
import type { Digests } from './algorithms.js'
import type { AlgorithmPair, ToWorker } from './hash-protocol.js'

/** Bytes per slot: large enough that a message per slot costs nothing next to hashing it. */
export const SLOT_BYTES = 1024 * 1024
/** Slots per ring: the reader may run this far ahead of the slowest worker. */
export const RING_SLOTS = 4

// Rough cost per byte relative to sha256 on this class of CPU (sha256 with SHA-NI ≈ 1.4 GB/s), used
// only to balance algorithms across workers; an unknown algorithm counts as 1.
const COST: Readonly<Record<string, number>> = {
  md5: 2.1, sha1: 0.9, sha224: 1, sha256: 1, sha384: 1.6, sha512: 1.6, sha512224: 1.6, sha512256: 1.6,
  sha3224: 2.9, sha3256: 3.1, sha3384: 4, sha3512: 5.8, blake2b512: 1.3, blake2s256: 2.1, sm3: 3.7
}

export interface Ring { readonly slots: readonly SharedArrayBuffer[], readonly views: readonly Uint8Array[] }

export const newRing = (): Ring => {
  const slots = Array.from({ length: RING_SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES))
  return { slots, views: slots.map(s => new Uint8Array(s)) }
}

/** The part of a pool worker a stream needs. */
export interface FanoutWorker {
  post (m: ToWorker): void
  /** Streams the worker is part of; a worker with any is busy and keeps the process alive. */
  readonly streams: Set<Fanout>
  syncRef (): void
}

/** What a stream needs from its pool. */
export interface FanoutHost {
  /** Up to `count` distinct workers, least busy first (at least one). */
  pick (count: number): FanoutWorker[]
  /** Called once the stream has ended cleanly and its ring may serve another stream. */
  recycle (ring: Ring): void
  /** Called when the stream is finished either way, to stop routing messages to it. */
  forget (fan: Fanout): void
}

interface Part { readonly worker: FanoutWorker, readonly algs: readonly AlgorithmPair[] }

interface Deferred<T> { resolve: (v: T) => void, reject: (e: Error) => void }

export class Fanout {
  readonly #host: FanoutHost
  readonly #algs: readonly AlgorithmPair[]
  readonly #ring: Ring
  readonly #free: number[] = []
  readonly #pending: number[] = new Array<number>(RING_SLOTS).fill(0)
  readonly #lens: number[] = new Array<number>(RING_SLOTS).fill(0)
  readonly #waiters: Array<Deferred<number>> = []
  #parts: Part[] | undefined
  #failure: Error | undefined
  #ending: (Deferred<Digests> & { digests: Digests, remaining: number }) | undefined
  #done = false
  /** Workers that have not yet confirmed a drop; the drop settles when none is left. */
  readonly #dropping = new Set<FanoutWorker>()
  #dropped: Promise<void> | undefined
  #droppedResolve: (() => void) | undefined
  #size = 0
  /** Bytes hashed by every participant so far, reported slot by slot. */
  onBytes: ((n: number) => void) | undefined

  /** The new file one participant writes the bytes to, if any. */
  readonly #writeTo: string | undefined

  constructor (readonly sid: number, host: FanoutHost, algs: readonly AlgorithmPair[], ring: Ring, writeTo?: string) {
    this.#host = host
    this.#algs = algs
    this.#ring = ring
    this.#writeTo = writeTo
    for (let i = RING_SLOTS - 1; i >= 0; i--) this.#free.push(i)
  }

  get size (): number { return this.#size }
  /** Why the stream was dropped, if it was. */
  get failure (): Error | undefined { return this.#failure }

  /** A free slot to fill; waits while every slot is still being hashed. */
  acquire (): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const slot = this.#free.pop()
    if (slot !== undefined) return Promise.resolve(slot)
    return new Promise((resolve, reject) => { this.#waiters.push({ resolve, reject }) })
  }

  view (slot: number): Uint8Array {
    const v = this.#ring.views[slot]
    if (v === undefined) throw new RangeError(`no slot ${slot}`)
    return v
  }

  /** Gives back a slot that was acquired but not sent. */
  release (slot: number): void {
    const w = this.#waiters.shift()
    if (w === undefined) this.#free.push(slot)
    else w.resolve(slot)
  }

  /**
   * Hands the first `len` bytes of `slot` to every participant. `last` on the first send means the whole
   * stream fits one slot: one worker then computes every algorithm, as for a small file, since
   * splitting a few bytes across threads costs more in messages than it saves.
   */
  send (slot: number, len: number, last: boolean): void {
    if (this.#failure !== undefined) throw this.#failure
    const parts = this.#parts ?? this.#open(!last)
    this.#pending[slot] = parts.length
    this.#lens[slot] = len
    this.#size += len
    for (const p of parts) p.worker.post({ t: 'chunk', sid: this.sid, slot, len })
  }

  /** Every algorithm's digest, once each participant has hashed every slot sent. */
  end (): Promise<Digests> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#ending !== undefined) return Promise.reject(new Error('stream already ended'))
    const parts = this.#parts ?? this.#open(false)
    return new Promise((resolve, reject) => {
      this.#ending = { resolve, reject, digests: {}, remaining: parts.length }
      for (const p of parts) p.worker.post({ t: 'end', sid: this.sid })
    })
  }

  /**
   * Stops the stream: pending and later calls reject with `reason`; workers drop their state (and the
   * file being written). Settles once every worker has said so.
   */
  drop (reason: Error): Promise<void> {
    if (this.#dropped !== undefined) return this.#dropped
    if (this.#done) return Promise.resolve()
    this.#failure = reason
    for (const w of this.#waiters.splice(0)) w.reject(reason)
    this.#ending?.reject(reason)
    this.#dropped = new Promise(resolve => { this.#droppedResolve = resolve })
    for (const p of this.#parts ?? []) {
      this.#dropping.add(p.worker)
      p.worker.post({ t: 'drop', sid: this.sid })
    }
    // The ring is not recycled: a read may still be filling one of its slots.
    this.#settleDrop()
    return this.#dropped
  }

  /** `worker` holds nothing of this stream any more: it said so, or it is gone. */
  onDropped (worker: FanoutWorker): void {
    this.#dropping.delete(worker)
    this.#settleDrop()
  }

  #settleDrop (): void {
    if (this.#dropping.size > 0 || this.#done) return
    this.#finish()
    this.#droppedResolve?.()
  }

  onAck (slot: number): void {
    const left = (this.#pending[slot] ?? 0) - 1
    this.#pending[slot] = left
    if (left > 0 || this.#done) return
    this.onBytes?.(this.#lens[slot] ?? 0)
    this.release(slot)
  }

  onDigests (digests: Digests): void {
    const e = this.#ending
    if (e === undefined || this.#done) return
    Object.assign(e.digests, digests)
    if (--e.remaining > 0) return
    // Each worker handles its messages in order, so its digests come after its last ack: every slot is free.
    this.#finish()
    this.#host.recycle(this.#ring)
    e.resolve(e.digests)
  }

  #open (spread: boolean): Part[] {
    const workers = this.#host.pick(spread ? this.#algs.length : 1)
    const parts = partition(this.#algs, workers.length).map((algs, i) => ({ worker: workers[i] as FanoutWorker, algs }))
    // Writing costs about as much as the cheapest digest, so the least loaded part writes.
    const writer = parts.reduce((min, p) => (cost(p.algs) < cost(min.algs) ? p : min))
    for (const p of parts) {
      p.worker.streams.add(this)
      p.worker.syncRef()
      const writeTo = p === writer ? this.#writeTo : undefined
      p.worker.post({ t: 'open', sid: this.sid, algs: p.algs, slots: this.#ring.slots, ...(writeTo === undefined ? {} : { writeTo }) })
    }
    this.#parts = parts
    return parts
  }

  #finish (): void {
    this.#done = true
    for (const p of this.#parts ?? []) {
      p.worker.streams.delete(this)
      p.worker.syncRef()
    }
    this.#host.forget(this)
  }
}

const cost = (algs: readonly AlgorithmPair[]): number => algs.reduce((sum, a) => sum + (COST[a.alg] ?? 1), 0)

/** Longest-processing-time-first: the costliest algorithm goes to the least loaded group. */
export function partition (algs: readonly AlgorithmPair[], groups: number): AlgorithmPair[][] {
  const out = Array.from({ length: Math.max(1, Math.min(groups, algs.length)) }, () => ({ cost: 0, algs: [] as AlgorithmPair[] }))
  const byCost = [...algs].sort((a, b) => (COST[b.alg] ?? 1) - (COST[a.alg] ?? 1))
  for (const a of byCost) {
    const g = out.reduce((min, x) => (x.cost < min.cost ? x : min))
    g.algs.push(a)
    g.cost += COST[a.alg] ?? 1
  }
  return out.map(g => g.algs)
}
