// One thread of HashPool. It does two jobs, both fed from a single read of the bytes:
// - `file`: open and read a file itself (blocking reads are fine off the main thread) and feed every
//   algorithm from each chunk;
// - streams: main reads a big file (or receives a tar entry) into shared slots and tells each worker
//   which slot is ready; this worker updates only its share of the algorithms and acks the slot.
// Bytes that arrive from elsewhere (an upload) may also be written to a new file here: blocking writes
// cost the main thread nothing, where an async write per chunk cost it a thread-pool round trip.
import { createHash, type Hash } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { notRegularFile, serializeError, type AlgorithmPair, type FromWorker, type ToWorker, type WorkerData } from './hash-protocol.js'

// O_NOFOLLOW: a symlink swapped in after the caller's lstat is refused (ELOOP), never followed out of
// the bag. O_NONBLOCK: a FIFO swapped in would otherwise block this thread in open() forever.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK
// A file written here is new: O_EXCL refuses one that exists (or a link planted in its place).
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

/** A file this worker is writing; `fd` is undefined once closed. */
interface Output { readonly path: string, fd: number | undefined }

interface Stream { hashes: Array<[string, Hash]>, views: Uint8Array[], out: Output | undefined }

const port = ((): MessagePort => {
  if (parentPort === null) throw new Error('hash-worker must run in a worker thread')
  return parentPort
})()
const { cancel, readBytes, arena } = workerData as WorkerData
const buffer = Buffer.allocUnsafe(readBytes)
const streams = new Map<number, Stream>()

// Waking a sleeping thread costs tens of microseconds (more in a VM), as much as hashing a small file,
// so replies wait in an outbox until this thread has handled every message already queued, then go
// as one. A full outbox goes early, so main can send more work before this thread runs out. Acks and
// progress go at once: the reader is waiting on them.
const OUTBOX_FULL = 8
let outbox: FromWorker[] = []
let transfer: ArrayBuffer[] = []
function post (m: FromWorker, now = false, give?: ArrayBufferLike): void {
  if (give instanceof ArrayBuffer) transfer.push(give)
  const n = outbox.push(m)
  if (now || n >= OUTBOX_FULL) flush()
  else if (n === 1) setImmediate(flush)
}
function flush (): void {
  if (outbox.length === 0) return
  port.postMessage(outbox, transfer)
  outbox = []
  transfer = []
}

port.on('message', (batch: readonly ToWorker[]) => { for (const m of batch) handle(m) })

function handle (m: ToWorker): void {
  switch (m.t) {
    case 'file': hashFile(m); break
    case 'buffer': {
      const digests = writeAndHash(m.id, m.bytes, m.algs, m.writeTo)
      // The bytes go back: dropped here, they would wait for this thread's rare GC, and ten thousand
      // small files' worth of them held the main thread's malloc arena at +100 MB.
      if (digests !== undefined) post({ t: 'done', id: m.id, size: m.bytes.byteLength, digests, bytes: m.bytes }, false, m.bytes.buffer)
      break
    }
    case 'region': {
      const bytes = new Uint8Array(arena, m.off, m.len)
      const digests = writeAndHash(m.id, bytes, m.algs, m.writeTo)
      if (digests !== undefined) post({ t: 'done', id: m.id, size: m.len, digests })
      break
    }
    case 'open': {
      const s: Stream = { hashes: start(m.algs), views: m.slots.map(s => new Uint8Array(s)), out: undefined }
      streams.set(m.sid, s)
      try {
        if (m.writeTo !== undefined) s.out = create(m.writeTo)
      } catch (e) {
        fail(m.sid, s, e)
      }
      break
    }
    case 'chunk': {
      const s = streams.get(m.sid)
      try {
        if (s !== undefined) {
          const bytes = s.views[m.slot]?.subarray(0, m.len) ?? new Uint8Array(0)
          if (s.out !== undefined) writeAll(s.out, bytes)
          for (const [, h] of s.hashes) h.update(bytes)
        }
      } catch (e) {
        if (s !== undefined) fail(m.sid, s, e)
      }
      // Acked even for a dropped stream: main reuses the slot only once every worker is done with it.
      post({ t: 'ack', sid: m.sid, slot: m.slot }, true)
      break
    }
    case 'end': {
      const s = streams.get(m.sid)
      if (s === undefined) { post({ t: 'dropped', sid: m.sid }); break }
      try {
        if (s.out !== undefined) close(s.out)
      } catch (e) {
        fail(m.sid, s, e)
        break
      }
      streams.delete(m.sid)
      post({ t: 'digests', sid: m.sid, digests: finish(s.hashes) })
      break
    }
    case 'drop': {
      const s = streams.get(m.sid)
      streams.delete(m.sid)
      if (s?.out !== undefined) discard(s.out)
      post({ t: 'dropped', sid: m.sid })
      break
    }
  }
}

/** Bytes held whole: written to a new file first (when asked), then hashed; undefined once 'failed' is posted. */
function writeAndHash (id: number, bytes: Uint8Array, algs: readonly AlgorithmPair[], writeTo: string | undefined): Record<string, string> | undefined {
  let out: Output | undefined
  try {
    if (writeTo !== undefined) {
      out = create(writeTo)
      writeAll(out, bytes)
      close(out)
    }
  } catch (e) {
    if (out !== undefined) discard(out)
    post({ t: 'failed', id, error: serializeError(e) })
    return undefined
  }
  const hashes = start(algs)
  for (const [, h] of hashes) h.update(bytes)
  return finish(hashes)
}

/** The stream cannot go on here: its partial file goes, and main drops the stream everywhere. */
function fail (sid: number, s: Stream, e: unknown): void {
  streams.delete(sid)
  if (s.out !== undefined) discard(s.out)
  post({ t: 'stream-failed', sid, error: serializeError(e) }, true)
}

function create (path: string): Output {
  return { path, fd: openSync(path, CREATE_FLAGS, 0o644) }
}

/** A short write (a full disk) must not pass for a whole one. */
function writeAll (out: Output, bytes: Uint8Array): void {
  if (out.fd === undefined) throw new Error(`${out.path} is already closed`)
  for (let at = 0; at < bytes.byteLength;) {
    const n = writeSync(out.fd, bytes, at, bytes.byteLength - at)
    if (n === 0) throw Object.assign(new Error(`no space left on device (short write): ${out.path}`), { code: 'ENOSPC', path: out.path })
    at += n
  }
}

function close (out: Output): void {
  const fd = out.fd
  out.fd = undefined
  if (fd !== undefined) closeSync(fd)
}

/** Nothing half-written stays behind: the file this worker created is removed. */
function discard (out: Output): void {
  // Best effort on a path already failing: the error the caller sees is the write's, not these.
  try { close(out) } catch { /* the write's error is the one to report */ }
  try { unlinkSync(out.path) } catch { /* gone already, or staging itself is going */ }
}

function hashFile (m: Extract<ToWorker, { t: 'file' }>): void {
  let fd: number | undefined
  try {
    fd = openSync(m.path, OPEN_FLAGS)
    const stat = fstatSync(fd)
    // A directory falls through to readSync, which fails with the EISDIR callers expect.
    if (!stat.isFile() && !stat.isDirectory()) throw notRegularFile(m.path)
    if (stat.size >= m.fanOutFrom) { post({ t: 'big', id: m.id }); return }
    const hashes = start(m.algs)
    let size = 0
    for (;;) {
      if (Atomics.load(cancel, m.lane) === m.id) { post({ t: 'cancelled', id: m.id }); return }
      const n = readSync(fd, buffer, 0, buffer.length, null)
      if (n === 0) break
      const chunk = buffer.subarray(0, n)
      for (const [, h] of hashes) h.update(chunk)
      size += n
      // Only a file of several reads reports as it goes; main reports the rest on `done`.
      if (m.progress && n === buffer.length) post({ t: 'bytes', id: m.id, n }, true)
    }
    post({ t: 'done', id: m.id, size, digests: finish(hashes), links: stat.nlink })
  } catch (e) {
    post({ t: 'failed', id: m.id, error: serializeError(e) })
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const start = (algs: readonly AlgorithmPair[]): Array<[string, Hash]> => algs.map(a => [a.alg, createHash(a.node)])

const finish = (hashes: Array<[string, Hash]>): Record<string, string> =>
  Object.fromEntries(hashes.map(([alg, h]) => [alg, h.digest('hex')]))
