// The hashing limit of part 1 (issue 13): the bag's bytes, file by file and algorithm by algorithm,
// through Node's own createHash on every core at once, with no I/O and no bookkeeping. Nothing that
// validates a bag with these digests on this machine can be faster, so validator/limit says how much
// the validator spends beyond the hashing itself.
// Usage: node --import tsx bench/validate-limit.ts <bag-dir>
// Prints one JSON line: { ms, tasks, workers }.
import { readdir, stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'

const dir = process.argv[2]
if (dir === undefined || process.argv.length > 3) {
  console.error('usage: node --import tsx bench/validate-limit.ts <bag-dir>')
  process.exit(2)
}

// One task per file and algorithm, as the validator may split a big file's algorithms across workers;
// biggest first, each worker taking the next from a shared counter (longest-processing-time order).
const names = await readdir(dir)
const algorithms = names.map(n => /^manifest-(.+)\.txt$/.exec(n)?.[1]).filter((a): a is string => a !== undefined).sort()
const sizes: number[] = []
for (const entry of await readdir(join(dir, 'data'), { recursive: true, withFileTypes: true })) {
  if (entry.isFile()) sizes.push((await stat(join(entry.parentPath ?? entry.path, entry.name))).size)
}
const tasks = sizes.flatMap(size => algorithms.map((_, a) => ({ size, a }))).sort((x, y) => y.size - x.size)
const shared = new SharedArrayBuffer(8 + tasks.length * 12)
const next = new Int32Array(shared, 0, 2)
const taskSizes = new Float64Array(shared, 8, tasks.length)
const taskAlgs = new Int32Array(shared, 8 + tasks.length * 8, tasks.length)
tasks.forEach((t, i) => { taskSizes[i] = t.size; taskAlgs[i] = t.a })

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads')
const { createHash, randomFillSync } = require('node:crypto')
const { shared, count, algorithms } = workerData
const next = new Int32Array(shared, 0, 2)
const sizes = new Float64Array(shared, 8, count)
const algs = new Int32Array(shared, 8 + count * 8, count)
const buffer = randomFillSync(Buffer.allocUnsafe(1024 * 1024))
parentPort.postMessage('ready')
Atomics.wait(next, 1, 0)
for (let i = Atomics.add(next, 0, 1); i < count; i = Atomics.add(next, 0, 1)) {
  const h = createHash(algorithms[algs[i]])
  for (let left = sizes[i]; left > 0; left -= buffer.length) h.update(left >= buffer.length ? buffer : buffer.subarray(0, left))
  h.digest('hex')
}
parentPort.postMessage('done')
`
const workers = availableParallelism()
const threads = Array.from({ length: workers }, () => new Worker(WORKER, { eval: true, workerData: { shared, count: tasks.length, algorithms } }))
const settle = (message: string): Promise<void[]> => Promise.all(threads.map(w => new Promise<void>((resolve, reject) => {
  const onMessage = (m: string): void => { if (m === message) { w.off('message', onMessage); resolve() } }
  w.on('message', onMessage)
  w.once('error', reject)
})))
await settle('ready')
const done = settle('done')
const started = performance.now()
Atomics.store(next, 1, 1)
Atomics.notify(next, 1)
await done
const ms = Math.round(performance.now() - started)
await Promise.all(threads.map(w => w.terminate()))
console.log(JSON.stringify({ ms, tasks: tasks.length, workers }))
