// Part 3 of `npm run bench`: fixity throughput (issue 13, goal 3). A full round (bench/fixity-run.ts, in a
// child, throttle lifted, the policy's one digest: sha512) over the store of a finished ingest, against
// the one-digest limit (the same byte count through createHash('sha512') on every core, no I/O; the
// target is ≥ 80% of it), `openssl dgst -sha512` over the same files two at a time, and `sha512sum`.
// A round that outlasts the deadline is stopped there and reported over what it checked.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { mbps, median, progress, REPO, run, sh, warm } from './util.js'

/** Issue 13, goal 3: a round at ≥ 80% of the one-digest limit on every core. */
const LIMIT_TARGET = 0.8

export interface FixityRun {
  checked: number
  total: number
  bytes: number
  ok: number
  mismatches: number
  missing: number
  ms: number
  maxRssMB: number
  wallMs: number
  algorithm: string
}
export interface FixityOutcome {
  runs: FixityRun[]
  /** `openssl dgst -sha512`, two processes at a time, 50 files each */
  opensslMs: number[]
  sha512sumMs: number[]
  /** the one-digest limit over the same byte count */
  limitMs: number[]
  peerFiles: number
  peerBytes: number
  maxSeconds: number
}

/**
 * The hashing limit: `bytes` of sha512 split over one worker thread per core, each hashing a 1 MiB
 * buffer over and over through createHash, no I/O and no bookkeeping; ms from start to the last digest.
 */
export async function hashingLimitMs (bytes: number, algorithm = 'sha512'): Promise<number> {
  const cores = availableParallelism()
  const code = `
    const { createHash, randomFillSync } = require('node:crypto')
    const { parentPort, workerData } = require('node:worker_threads')
    const chunk = randomFillSync(Buffer.alloc(1 << 20))
    parentPort.once('message', () => {
      const h = createHash(workerData.algorithm)
      let left = workerData.bytes
      while (left > 0) { const n = Math.min(left, chunk.length); h.update(n === chunk.length ? chunk : chunk.subarray(0, n)); left -= n }
      h.digest()
      parentPort.postMessage('done')
    })
    parentPort.postMessage('ready')`
  const workers = Array.from({ length: cores }, () => new Worker(code, { eval: true, workerData: { algorithm, bytes: Math.ceil(bytes / cores) } }))
  try {
    await Promise.all(workers.map(w => new Promise(resolve => w.once('message', resolve))))
    const started = performance.now()
    await Promise.all(workers.map(w => { const done = new Promise(resolve => w.once('message', resolve)); w.postMessage('go'); return done }))
    return Math.round(performance.now() - started)
  } finally {
    await Promise.all(workers.map(w => w.terminate()))
  }
}

const CONTENT = "find store -path '*/content/*' -type f"

export async function benchFixity (dataDir: string, runs: number, maxSeconds: number): Promise<FixityOutcome> {
  const listing = await run('sh', ['-c', `${CONTENT} -printf '%s\\n'`], dataDir)
  const sizes = listing.trim().split('\n').filter(l => l !== '').map(Number)
  const peerBytes = sizes.reduce((a, b) => a + b, 0)
  progress('fixity: warming the page cache for the store')
  await warm(join(dataDir, 'store'))
  const results: FixityRun[] = []
  const opensslMs: number[] = []
  const sha512sumMs: number[] = []
  const limitMs: number[] = []
  for (let r = 1; r <= runs; r++) {
    progress(`fixity: run ${r} of ${runs} (stopped after ${maxSeconds} s if not done)`)
    const started = performance.now()
    const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'fixity-run.ts'), dataDir, String(maxSeconds)], REPO)
    const wallMs = Math.round(performance.now() - started)
    const result = { ...(JSON.parse(out.trim().split('\n').pop() ?? '') as Omit<FixityRun, 'wallMs'>), wallMs }
    results.push(result)
    progress(`fixity: the sha512 limit on every core, run ${r} of ${runs}`)
    limitMs.push(await hashingLimitMs(peerBytes))
    progress(`fixity: openssl dgst -sha512, two at a time, run ${r} of ${runs}`)
    opensslMs.push(await timed(`${CONTENT} -print0 | xargs -0 -P2 -n 50 openssl dgst -sha512 > /dev/null`, dataDir))
    progress(`fixity: sha512sum, run ${r} of ${runs}`)
    sha512sumMs.push(await timed(`${CONTENT} -print0 | xargs -0 sha512sum > /dev/null`, dataDir))
    // A pass cut off at the deadline leaves the rest due first: another run would measure other files.
    if (result.checked < result.total) break
  }
  return { runs: results, opensslMs, sha512sumMs, limitMs, peerFiles: sizes.length, peerBytes, maxSeconds }
}

async function timed (script: string, cwd: string): Promise<number> {
  const started = performance.now()
  await sh(script, cwd)
  return Math.round(performance.now() - started)
}

export function fixityRows (outcome: FixityOutcome): string[][] {
  const { runs } = outcome
  const ms = median(runs.map(r => r.ms))
  const bytes = median(runs.map(r => r.bytes))
  const checked = median(runs.map(r => r.checked))
  const total = runs[0]?.total ?? 0
  const ours = mbps(bytes, ms)
  const limit = mbps(outcome.peerBytes, median(outcome.limitMs))
  const problems = Math.max(...runs.map(r => r.mismatches + r.missing))
  const ofLimit = ours / limit
  const peer = (label: string, peerMs: number, note: string): string[] => {
    const rate = mbps(outcome.peerBytes, peerMs)
    return [label, `${outcome.peerFiles} of ${outcome.peerFiles}`, (outcome.peerBytes / 1e6).toFixed(0), String(peerMs), rate.toFixed(0),
      (outcome.peerFiles / (peerMs / 1000)).toFixed(0), '', `${note}fixity/this MB/s = ${(ours / rate).toFixed(2)}`]
  }
  return [[
    `fixity (${runs[0]?.algorithm ?? 'sha512'})`, `${checked} of ${total}`, (bytes / 1e6).toFixed(0), String(ms), ours.toFixed(0), (checked / (ms / 1000)).toFixed(0),
    String(Math.max(...runs.map(r => r.maxRssMB))),
    checked < total ? `stopped at deadline (${outcome.maxSeconds} s)` : problems === 0 ? 'all intact' : `${problems} NOT intact`
  ],
  peer(`limit (sha512 × ${availableParallelism()} cores, no I/O)`, median(outcome.limitMs), `of limit ${ofLimit.toFixed(2)} ${ofLimit >= LIMIT_TARGET ? 'PASS' : 'FAIL'} (≥ ${LIMIT_TARGET}); `),
  peer('openssl dgst -sha512, 2 at a time', median(outcome.opensslMs), ''),
  peer('sha512sum', median(outcome.sha512sumMs), '')]
}
