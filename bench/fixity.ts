// Part 3 of `npm run bench`: fixity throughput. A full pass (bench/fixity-run.ts, in a child, throttle
// lifted) over the store of a finished ingest, against `sha512sum` over the same content files. Fixity
// does more per byte than the peer (sha512, sha256, md5 and sm3 from one read, plus a catalogue update
// and an event per file): the ratio is reported as it is, with no target. A pass that outlasts the
// deadline is stopped there and reported over what it checked, marked "stopped at deadline".
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { mbps, median, progress, REPO, run, sh, warm } from './util.js'

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
}
export interface FixityOutcome { runs: FixityRun[], peerMs: number[], peerFiles: number, peerBytes: number, maxSeconds: number }

const CONTENT = "find store -path '*/content/*' -type f"

export async function benchFixity (dataDir: string, runs: number, maxSeconds: number): Promise<FixityOutcome> {
  const listing = await run('sh', ['-c', `${CONTENT} -printf '%s\\n'`], dataDir)
  const sizes = listing.trim().split('\n').filter(l => l !== '').map(Number)
  const peerBytes = sizes.reduce((a, b) => a + b, 0)
  progress('fixity: warming the page cache for the store')
  await warm(join(dataDir, 'store'))
  const results: FixityRun[] = []
  const peerMs: number[] = []
  for (let r = 1; r <= runs; r++) {
    progress(`fixity: run ${r} of ${runs} (stopped after ${maxSeconds} s if not done)`)
    const started = performance.now()
    const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'fixity-run.ts'), dataDir, String(maxSeconds)], REPO)
    const wallMs = Math.round(performance.now() - started)
    const result = { ...(JSON.parse(out.trim().split('\n').pop() ?? '') as Omit<FixityRun, 'wallMs'>), wallMs }
    results.push(result)
    progress(`fixity: peer, run ${r} of ${runs}`)
    const peerStarted = performance.now()
    await sh(`${CONTENT} -print0 | xargs -0 sha512sum > /dev/null`, dataDir)
    peerMs.push(Math.round(performance.now() - peerStarted))
    // A pass cut off at the deadline leaves the rest due first: another run would measure other files.
    if (result.checked < result.total) break
  }
  return { runs: results, peerMs, peerFiles: sizes.length, peerBytes, maxSeconds }
}

export function fixityRows (outcome: FixityOutcome): string[][] {
  const { runs } = outcome
  const ms = median(runs.map(r => r.ms))
  const peerMs = median(outcome.peerMs)
  const bytes = median(runs.map(r => r.bytes))
  const checked = median(runs.map(r => r.checked))
  const total = runs[0]?.total ?? 0
  const ours = mbps(bytes, ms)
  const peer = mbps(outcome.peerBytes, peerMs)
  const problems = Math.max(...runs.map(r => r.mismatches + r.missing))
  return [[
    'fixity', `${checked} of ${total}`, (bytes / 1e6).toFixed(0), String(ms), ours.toFixed(0), (checked / (ms / 1000)).toFixed(0),
    String(Math.max(...runs.map(r => r.maxRssMB))),
    checked < total ? `stopped at deadline (${outcome.maxSeconds} s)` : problems === 0 ? 'all intact' : `${problems} NOT intact`
  ], [
    'peer', `${outcome.peerFiles} of ${outcome.peerFiles}`, (outcome.peerBytes / 1e6).toFixed(0), String(peerMs), peer.toFixed(0),
    (outcome.peerFiles / (peerMs / 1000)).toFixed(0), '', `fixity/peer MB/s = ${(ours / peer).toFixed(2)}`
  ]]
}
