// Part 4 of `npm run bench`: API latency while fixity runs. The service child serves a finished ingest's
// data directory; the bench sends a bounded load (GET /v1/packages?limit=10 and GET /v1/submissions/:id,
// alternately, N requests, C at a time, over loopback keep-alive), once with fixity idle and once right
// after POST /v1/fixity/runs. The run's end is watched through GET /v1/fixity (its lastRound becomes the
// queued job's round once the round's summary is written); only requests that finished before then count as
// "during fixity", and the table says how many did. A run still going when the load ends is left to the
// service's shutdown (which parks it), not waited for.
import { cp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadFixityPolicy } from '../src/fixity/index.js'
import { startServiceChild, type ServiceChild } from './service.js'
import { mbps, percentile, progress, REPO, warm } from './util.js'

export interface LoadResult {
  label: string
  latencies: number[]
  errors: number
  ms: number
  /** Requests sent; `latencies` may hold fewer (those that finished while fixity ran). */
  sent: number
}

export interface LatencyOutcome {
  idle: LoadResult
  busy: LoadResult
  /** POST /v1/fixity/runs → the round's summary written; null when the run was still going as the load ended. */
  fixityMs: number | null
  fixityBytes: number
}

export async function benchLatency (root: string, dataDir: string, token: string, submissionId: string, requests: number, concurrency: number): Promise<LatencyOutcome> {
  // The repository's policies, with the throttle lifted and no grace: the worst case for readers of the
  // API (the shipped policy caps fixity at 200 MiB/s). YAML is a superset of JSON.
  const policiesDir = join(root, 'policies')
  await cp(join(REPO, 'storage-policies'), policiesDir, { recursive: true })
  const policy = { ...await loadFixityPolicy(policiesDir), rateBytesPerSecond: Number.MAX_SAFE_INTEGER, graceSeconds: 0 }
  await writeFile(join(policiesDir, 'fixity.yaml'), JSON.stringify(policy, null, 2) + '\n')
  await warm(join(dataDir, 'store'))

  const service = await startServiceChild({ dataDir, policiesDir, token })
  try {
    const paths = ['/v1/packages?limit=10', `/v1/submissions/${encodeURIComponent(submissionId)}`]
    progress('latency: warming up')
    await load(service, paths, Math.min(500, requests), concurrency, 'warm-up')
    progress('latency: fixity idle')
    const idle = await load(service, paths, requests, concurrency, 'fixity idle')

    progress('latency: fixity running')
    const before = await fixitySummary(service)
    const started = performance.now()
    const queued = await service.api('POST', '/v1/fixity/runs', {})
    const jobId = (queued.body as { jobId?: string | null }).jobId
    if (queued.status !== 202 || jobId == null) throw new Error(`POST /v1/fixity/runs: ${queued.status} ${JSON.stringify(queued.body)}`)
    // Watch for the end of the run beside the load, at 10 requests a second (not counted as load).
    let fixityDoneAt = Infinity
    let loading = true
    const watcher = (async () => {
      while (loading) {
        const s = await fixitySummary(service)
        if (s.lastRound?.round === jobId) {
          fixityDoneAt = performance.now()
          return
        }
        await sleep(100)
      }
    })()
    const busy = await load(service, paths, requests, concurrency, 'fixity running', () => fixityDoneAt)
    loading = false
    await watcher
    const fixityMs = Number.isFinite(fixityDoneAt) ? Math.round(fixityDoneAt - started) : null
    return { idle, busy, fixityMs, fixityBytes: before.bytes }
  } finally {
    await service.stop()
  }
}

interface Summary { lastRound: { round: string } | null, bytes: number }

async function fixitySummary (service: ServiceChild): Promise<Summary> {
  const res = await service.api('GET', '/v1/fixity')
  if (res.status !== 200) throw new Error(`GET /v1/fixity: ${res.status} ${JSON.stringify(res.body)}`)
  const s = res.body as Omit<Summary, 'bytes'>
  const pkgs = await service.api('GET', '/v1/packages?limit=100')
  const items = (pkgs.body as { items?: Array<{ bytes: number }> }).items ?? []
  return { ...s, bytes: items.reduce((a, p) => a + p.bytes, 0) }
}

/** `requests` GETs over the paths in turn, `concurrency` at a time; a latency counts if it ended before `until()`. */
async function load (service: ServiceChild, paths: readonly string[], requests: number, concurrency: number, label: string, until: () => number = () => Infinity): Promise<LoadResult> {
  const latencies: number[] = []
  let errors = 0
  let next = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    for (let i = next++; i < requests; i = next++) {
      const t0 = performance.now()
      const res = await service.api('GET', paths[i % paths.length] ?? '/')
      const t1 = performance.now()
      if (res.status !== 200) errors++
      else if (t1 <= until()) latencies.push(t1 - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { label, latencies, errors, ms: Math.round(performance.now() - started), sent: requests }
}

export function latencyRows (outcome: LatencyOutcome): string[][] {
  return [outcome.idle, outcome.busy].map(r => [
    r.label, `${r.latencies.length} / ${r.sent}`, String(r.errors),
    ...[50, 95, 99].map(p => percentile(r.latencies, p).toFixed(1)), (r.latencies.length > 0 ? Math.max(...r.latencies) : 0).toFixed(1),
    (r.sent / (r.ms / 1000)).toFixed(0)
  ])
}

export function fixityInServiceNote (outcome: LatencyOutcome): string {
  if (outcome.fixityMs === null) {
    return `the fixity run in the service was still going when the load ended (the load took ${outcome.busy.ms} ms): every "fixity running" request overlapped it`
  }
  const rate = outcome.fixityBytes > 0 ? `, ${mbps(outcome.fixityBytes, outcome.fixityMs).toFixed(0)} MB/s of payload` : ''
  return `the fixity run in the service (POST /v1/fixity/runs → its fixity.round summary, polled every 100 ms) took ${outcome.fixityMs} ms${rate}`
}
