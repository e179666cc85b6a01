// Small files in flight live in one shared arena instead of a buffer each. A tar entry of 50 KB used to
// be copied chunk by chunk into fresh buffers, joined into another, transferred to a worker and sent
// back to be freed: for a bag of 10,000 such files that was a second copy of every byte, 20,000 mallocs
// in the main thread's arena (which then stayed 65 MB large) and the garbage collections that external
// memory triggers. Here the main thread copies each chunk once, into a region of a SharedArrayBuffer
// every worker already holds; the worker writes and hashes the region and the region is reused.
import type { Digests } from './algorithms.js'

export interface Region { readonly off: number, readonly len: number, released: boolean }

/**
 * Contiguous regions of one SharedArrayBuffer, handed out in order and given back in any order; the
 * space of a region is reused once every region before it is back too (a ring). reserve() waits while
 * the ring is too full, which is the backpressure on the reader.
 */
export class ByteRing {
  readonly buffer: SharedArrayBuffer
  readonly view: Uint8Array
  readonly capacity: number
  readonly #regions: Region[] = []
  #first = 0
  readonly #waiters: Array<{ len: number, resolve: (r: Region) => void }> = []

  constructor (capacity: number) {
    this.capacity = capacity
    this.buffer = new SharedArrayBuffer(capacity)
    this.view = new Uint8Array(this.buffer)
  }

  /** Regions handed out and not yet given back, or given back behind one that is not. */
  get inUse (): number { return this.#regions.length - this.#first }

  /**
   * `len` contiguous bytes (1 ≤ len ≤ capacity), once there is room for them after every earlier
   * request: the region itself when there is room now, else a promise of it.
   */
  reserve (len: number): Region | Promise<Region> {
    if (!(Number.isInteger(len) && len >= 1 && len <= this.capacity)) throw new RangeError(`cannot reserve ${len} bytes of ${this.capacity}`)
    if (this.#waiters.length === 0) {
      const r = this.#place(len)
      if (r !== undefined) return r
    }
    return new Promise(resolve => { this.#waiters.push({ len, resolve }) })
  }

  release (region: Region): void {
    if (region.released) return
    region.released = true
    while (this.#first < this.#regions.length && this.#regions[this.#first]?.released === true) this.#first++
    if (this.#first === this.#regions.length) {
      this.#regions.length = 0
      this.#first = 0
    } else if (this.#first > 1024) {
      this.#regions.splice(0, this.#first)
      this.#first = 0
    }
    while (this.#waiters.length > 0) {
      const w = this.#waiters[0] as { len: number, resolve: (r: Region) => void }
      const r = this.#place(w.len)
      if (r === undefined) return
      this.#waiters.shift()
      w.resolve(r)
    }
  }

  #place (len: number): Region | undefined {
    const oldest = this.#regions[this.#first]
    const newest = this.#regions[this.#regions.length - 1]
    let off: number | undefined
    if (oldest === undefined || newest === undefined) off = 0
    else {
      const head = newest.off + newest.len
      if (newest.off >= oldest.off) {
        // In use: [oldest.off, head). Free: [head, capacity), then [0, oldest.off).
        if (len <= this.capacity - head) off = head
        else if (len <= oldest.off) off = 0
      } else if (len <= oldest.off - head) {
        // Wrapped: in use [oldest.off, …) and [0, head). Free: [head, oldest.off).
        off = head
      }
    }
    if (off === undefined) return undefined
    const region: Region = { off, len, released: false }
    this.#regions.push(region)
    return region
  }
}

/** What an ArenaHasher needs from its pool: hash (and write) a filled region, then give it back. */
export type RegionDispatch = (region: Region) => Promise<{ size: number, digests: Digests }>

/**
 * A MultiHasher for a stream whose length is known before its first byte (an archive entry): the
 * bytes go straight into a region of the arena, and digest() hands the region to a worker.
 */
export class ArenaHasher {
  readonly #size: number
  readonly #ring: ByteRing
  readonly #dispatch: RegionDispatch
  #region: Region | undefined
  #filled = 0
  #dispatched = false
  #finished = false
  #failure: Error | undefined

  constructor (size: number, ring: ByteRing, dispatch: RegionDispatch) {
    this.#size = size
    this.#ring = ring
    this.#dispatch = dispatch
  }

  /** Synchronous (undefined) while there is room in the arena: a chunk is one copy, nothing else. */
  update (chunk: Uint8Array): Promise<void> | undefined {
    if (this.#finished) return Promise.reject(new Error('digest() was already called'))
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#region !== undefined) return this.#copy(chunk)
    const reserved = this.#ring.reserve(this.#size)
    if (!(reserved instanceof Promise)) {
      this.#region = reserved
      return this.#copy(chunk)
    }
    return reserved.then(region => {
      this.#region = region
      if (this.#failure !== undefined) { this.#giveBack(); throw this.#failure } // aborted while waiting for room
      const copied = this.#copy(chunk)
      if (copied !== undefined) return copied
    })
  }

  #copy (chunk: Uint8Array): Promise<void> | undefined {
    const region = this.#region as Region
    if (this.#filled + chunk.byteLength > this.#size) {
      this.#failure = new RangeError(`more bytes than the ${this.#size} declared`)
      this.#giveBack()
      return Promise.reject(this.#failure)
    }
    this.#ring.view.set(chunk, region.off + this.#filled)
    this.#filled += chunk.byteLength
    return undefined
  }

  async digest (): Promise<{ size: number, digests: Digests }> {
    if (this.#finished) throw new Error('digest() was already called')
    this.#finished = true
    if (this.#failure !== undefined) throw this.#failure
    if (this.#filled !== this.#size) {
      this.#giveBack()
      throw new RangeError(`${this.#filled} of the ${this.#size} bytes declared`)
    }
    const region = this.#region ?? await this.#ring.reserve(this.#size)
    this.#dispatched = true
    return await this.#dispatch(region)
  }

  async abort (reason: Error = new Error('the hasher was aborted')): Promise<void> {
    this.#failure ??= reason
    // A dispatched region is the worker's to finish (as a gathered stream's bytes are); digest() shows how.
    if (!this.#dispatched) this.#giveBack()
  }

  #giveBack (): void {
    if (this.#region !== undefined) this.#ring.release(this.#region)
    this.#region = undefined
  }
}
