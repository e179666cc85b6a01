// What HashPool (main thread) and hash-worker say to each other, and the errors both raise.

/** One algorithm as the worker needs it: the BagIt name for the result, the Node name to hash with. */
export interface AlgorithmPair { readonly alg: string, readonly node: string }

export interface WorkerData {
  /**
   * Int32Array over a SharedArrayBuffer, one cell per lane. The worker reads files with blocking calls,
   * so it never sees a message mid-file; main cancels a task by writing its id into the task's lane.
   */
  readonly cancel: Int32Array
  /** Bytes per read when the worker reads a file itself. */
  readonly readBytes: number
  /** The pool's arena (hash-arena.ts): `region` tasks name their bytes by offset and length in it. */
  readonly arena: SharedArrayBuffer
}

export interface SerializedError {
  name: string
  message: string
  code?: string
  errno?: number
  syscall?: string
  path?: string
}

// Each postMessage carries an array of these, in order, so several can share one wake-up.
export type ToWorker =
  /** Read `path` and feed every algorithm; reply `big` instead if it has `fanOutFrom` bytes or more. */
  | { t: 'file', id: number, lane: number, path: string, algs: readonly AlgorithmPair[], fanOutFrom: number, progress: boolean }
  /**
   * Hash these bytes (a small stream, gathered by main and transferred, not copied); with `writeTo`,
   * first create that file (exclusively, never through a link) and write them to it.
   */
  | { t: 'buffer', id: number, lane: number, bytes: Uint8Array, algs: readonly AlgorithmPair[], writeTo?: string }
  /** As `buffer`, for `len` bytes at `off` of the arena; main reuses them once this task is answered. */
  | { t: 'region', id: number, lane: number, off: number, len: number, algs: readonly AlgorithmPair[], writeTo?: string }
  /**
   * Start a stream whose chunks will arrive in the slots of `slots`. With `writeTo`, this worker (one
   * of the stream's) creates that file and writes each chunk to it before acking.
   */
  | { t: 'open', sid: number, algs: readonly AlgorithmPair[], slots: readonly SharedArrayBuffer[], writeTo?: string }
  | { t: 'chunk', sid: number, slot: number, len: number }
  | { t: 'end', sid: number }
  | { t: 'drop', sid: number }

export type FromWorker =
  /**
   * `bytes`: a `buffer` task's bytes, handed back for main to free (or reuse). `links`: the file's link
   * count from the worker's own fstat (file tasks), so a caller needs no lstat of its own.
   */
  | { t: 'done', id: number, size: number, digests: Record<string, string>, bytes?: Uint8Array, links?: number }
  | { t: 'failed', id: number, error: SerializedError }
  | { t: 'cancelled', id: number }
  | { t: 'big', id: number }
  | { t: 'bytes', id: number, n: number }
  | { t: 'ack', sid: number, slot: number }
  | { t: 'digests', sid: number, digests: Record<string, string> }
  | { t: 'dropped', sid: number }
  | { t: 'stream-failed', sid: number, error: SerializedError }

/** A FIFO, device or socket: reading one could block a thread forever or never end. */
export function notRegularFile (path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`not a regular file: ${path}`), { code: 'EFTYPE', path })
}

// Structured clone keeps an Error's message but drops `code`, which callers turn into findings.
export function serializeError (e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) }
  const x = e as NodeJS.ErrnoException
  const out: SerializedError = { name: x.name, message: x.message }
  if (x.code !== undefined) out.code = x.code
  if (x.errno !== undefined) out.errno = x.errno
  if (x.syscall !== undefined) out.syscall = x.syscall
  if (x.path !== undefined) out.path = x.path
  return out
}

export function deserializeError (s: SerializedError): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(s.message)
  e.name = s.name
  if (s.code !== undefined) e.code = s.code
  if (s.errno !== undefined) e.errno = s.errno
  if (s.syscall !== undefined) e.syscall = s.syscall
  if (s.path !== undefined) e.path = s.path
  return e
}
