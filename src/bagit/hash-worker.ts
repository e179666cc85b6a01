// One thread of HashPool. It does two jobs, both fed from a single read of the bytes:
// - `file`: open and read a file itself (blocking reads are fine off the main thread) and feed every
//   algorithm from each chunk;
// - streams: main reads a big file (or receives a tar entry) into shared slots and tells each worker
//   which slot is ready; this worker updates only its share of the algorithms and acks the slot.
import { createHash, type Hash } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { notRegularFile, serializeError, type AlgorithmPair, type FromWorker, type ToWorker, type WorkerData } from './hash-protocol.js'

// O_NOFOLLOW: a symlink swapped in after the caller's lstat is refused (ELOOP), never followed out of
// the bag. O_NONBLOCK: a FIFO swapped in would otherwise block this thread in open() forever.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

interface Stream { hashes: Array<[string, Hash]>, views: Uint8Array[] }

const port = ((): MessagePort => {
  if (parentPort === null) throw new Error('hash-worker must run in a worker thread')
  return parentPort
})()
const { cancel, readBytes } = workerData as WorkerData
const buffer = Buffer.allocUnsafe(readBytes)
const streams = new Map<number, Stream>()

// Waking a sleeping thread costs tens of microseconds (more in a VM), as much as hashing a small file,
// so replies wait in an outbox until this thread has handled every message already queued, then go
// as one. A full outbox goes early, so main can send more work before this thread runs out. Acks and
// progress go at once: the reader is waiting on them.
const OUTBOX_FULL = 8
let outbox: FromWorker[] = []
function post (m: FromWorker, now = false): void {
  const n = outbox.push(m)
  if (now || n >= OUTBOX_FULL) flush()
  else if (n === 1) setImmediate(flush)
}
function flush (): void {
  if (outbox.length === 0) return
  port.postMessage(outbox)
  outbox = []
}

port.on('message', (batch: readonly ToWorker[]) => { for (const m of batch) handle(m) })

function handle (m: ToWorker): void {
  switch (m.t) {
    case 'file': hashFile(m); break
    case 'buffer': {
      const hashes = start(m.algs)
      for (const [, h] of hashes) h.update(m.bytes)
      post({ t: 'done', id: m.id, size: m.bytes.byteLength, digests: finish(hashes) })
      break
    }
    case 'open': streams.set(m.sid, { hashes: start(m.algs), views: m.slots.map(s => new Uint8Array(s)) }); break
    case 'chunk': {
      const s = streams.get(m.sid)
      try {
        if (s !== undefined) {
          const bytes = s.views[m.slot]?.subarray(0, m.len) ?? new Uint8Array(0)
          for (const [, h] of s.hashes) h.update(bytes)
        }
      } catch (e) {
        streams.delete(m.sid)
        post({ t: 'stream-failed', sid: m.sid, error: serializeError(e) })
      }
      // Acked even for a dropped stream: main reuses the slot only once every worker is done with it.
      post({ t: 'ack', sid: m.sid, slot: m.slot }, true)
      break
    }
    case 'end': {
      const s = streams.get(m.sid)
      streams.delete(m.sid)
      post(s === undefined ? { t: 'dropped', sid: m.sid } : { t: 'digests', sid: m.sid, digests: finish(s.hashes) })
      break
    }
    case 'drop': streams.delete(m.sid); post({ t: 'dropped', sid: m.sid }); break
  }
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
    post({ t: 'done', id: m.id, size, digests: finish(hashes) })
  } catch (e) {
    post({ t: 'failed', id: m.id, error: serializeError(e) })
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const start = (algs: readonly AlgorithmPair[]): Array<[string, Hash]> => algs.map(a => [a.alg, createHash(a.node)])

const finish = (hashes: Array<[string, Hash]>): Record<string, string> =>
  Object.fromEntries(hashes.map(([alg, h]) => [alg, h.digest('hex')]))
