// The hashing limit a bench part is measured against (issue 13): the same number of bytes through
// Node's own createHash, every algorithm fed from the same chunk, spread over every core, with no I/O
// and no file handling. Nothing that hashes those bytes with those algorithms can be faster on this
// machine, so "ours / limit" says how much of the rest (reading, writing, bookkeeping) is left to cut.
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'

/** Each worker hashes its share in chunks of this size (a hash worker's usual read). */
const CHUNK_BYTES = 1024 * 1024

// Plain JS for eval: no tsx loader in the worker. The chunk is random so no algorithm takes a shortcut.
const WORKER = `
const { createHash, randomFillSync } = require('node:crypto')
const { parentPort, workerData } = require('node:worker_threads')
const { bytes, algorithms, chunkBytes } = workerData
const chunk = randomFillSync(Buffer.alloc(chunkBytes))
parentPort.once('message', () => {
  const hashes = algorithms.map(a => createHash(a))
  for (let left = bytes; left > 0; left -= chunkBytes) {
    const piece = left >= chunkBytes ? chunk : chunk.subarray(0, left)
    for (const h of hashes) h.update(piece)
  }
  for (const h of hashes) h.digest()
  parentPort.postMessage('done')
})
`

export interface HashLimit {
  /** wall ms from the start signal until every worker is done */
  ms: number
  /** workers (cores) used */
  cores: number
}

/**
 * Hashes `bytes` bytes with each of `nodeAlgorithms` (Node names: 'sha512', 'sm3' …), split evenly over
 * `cores` worker threads (default: every core). The workers are started and warmed before the clock
 * starts, so the figure is the hashing alone.
 */
export async function hashLimit (bytes: number, nodeAlgorithms: readonly string[], cores = cpus().length): Promise<HashLimit> {
  const share = Math.ceil(bytes / cores)
  const workers = Array.from({ length: cores }, () => new Worker(WORKER, { eval: true, workerData: { bytes: share, algorithms: nodeAlgorithms, chunkBytes: CHUNK_BYTES } }))
  try {
    await Promise.all(workers.map(async w => await new Promise<void>((resolve, reject) => { w.once('online', resolve); w.once('error', reject) })))
    const started = performance.now()
    await Promise.all(workers.map(async w => await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve())
      w.once('error', reject)
      w.postMessage('go')
    })))
    return { ms: Math.round(performance.now() - started), cores }
  } finally {
    await Promise.all(workers.map(async w => await w.terminate()))
  }
}
