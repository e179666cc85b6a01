// Part 2 of `npm run bench`: ingest over HTTP, end to end. The service runs as `lantai serve` in a child
// on a fresh data directory; the clock starts when the POST of the tar starts and stops when GET
// /v1/submissions/:id says `stored` (upload, unpack, check, OCFL transfer, catalogue). The peer does what
// an archivist would by hand with the same tar: unpack it, then `sha256sum -c`.
import { mkdir, rm, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { settle, startServiceChild, upload } from './service.js'
import { median, progress, sh } from './util.js'

export const INGEST_RATIO_TARGET = 1.3
export const INGEST_RSS_TARGET_MB = 256
export const PROJECT = '2026-310104-47-01-009999'

export interface IngestRun {
  /** POST start → `stored`. */
  ms: number
  /** POST start → 202 (the upload is in staging). */
  receivedMs: number
  peerMs: number
  peakRssMB: number
  state: string
}

export interface IngestOutcome {
  runs: IngestRun[]
  /** The data directory of the last run, kept for the fixity and latency parts, with its admin token. */
  dataDir: string
  token: string
  submissionId: string
}

/**
 * Whether every run's files can stay until the bench ends: a run and its peer write twice the tar.
 * Deleting 10,000 files just before a timed side makes that side slower on a filesystem without a
 * journal (ext4 then skips inodes freed in the last 5 s, or 305 s while their table block is dirty,
 * one cache lookup each, whenever it allocates one: here a tar -x ran 2.3 s after an idle spell and
 * 5.4 s right after an rm -rf of the same tree). Neither side should pay for the other's clean-up.
 */
export async function canKeepRuns (root: string, tarBytes: number, runs: number): Promise<boolean> {
  const fs = await statfs(root)
  return fs.bavail * fs.bsize > (2 * runs + 1) * tarBytes
}

export async function benchIngest (root: string, tarFile: string, runs: number, keep: boolean): Promise<IngestOutcome> {
  const results: IngestRun[] = []
  let last: { dataDir: string, token: string, submissionId: string } | null = null
  for (let r = 1; r <= runs; r++) {
    progress(`ingest: run ${r} of ${runs}`)
    if (last !== null && !keep) await rm(last.dataDir, { recursive: true, force: true })
    const dataDir = join(root, `data-ingest-${r}`)
    await mkdir(dataDir)
    await settleDisk(root, tarFile)
    const { run, submissionId, token } = await ingestOnce(dataDir, tarFile)
    last = { dataDir, token, submissionId }
    await settleDisk(root, tarFile)
    run.peerMs = await peerIngest(root, tarFile, keep ? `x${r}` : 'x')
    results.push(run)
  }
  if (last === null) throw new Error('ingest: no runs')
  return { runs: results, ...last }
}

/**
 * Before each timed side: the tar in the page cache, and no dirty pages of the side before (the peer's
 * tar leaves a GiB of them, whose writeback would otherwise run during the next ingest).
 */
async function settleDisk (root: string, tarFile: string): Promise<void> {
  await sh(`cat '${tarFile}' > /dev/null && sync`, root)
}

async function ingestOnce (dataDir: string, tarFile: string): Promise<{ run: IngestRun, submissionId: string, token: string }> {
  const service = await startServiceChild({ dataDir })
  try {
    const project = await service.api('POST', '/v1/projects', { code: PROJECT, name: 'bench project', unit: 'bench' })
    if (project.status !== 201) throw new Error(`POST /v1/projects: ${project.status} ${JSON.stringify(project.body)}`)
    const started = performance.now()
    const res = await upload(service, `/v1/submissions?project=${PROJECT}`, tarFile)
    const receivedMs = Math.round(performance.now() - started)
    if (res.status !== 202) throw new Error(`POST /v1/submissions: ${res.status} ${JSON.stringify(res.body)}`)
    const id = (res.body as { id: string }).id
    const sub = await settle(service, id)
    const ms = Math.round(performance.now() - started)
    if (sub.state !== 'stored') process.stderr.write(`\ningest: submission ${id} ended ${sub.state}: ${JSON.stringify(sub.error ?? sub.report ?? null).slice(0, 2000)}\n`)
    // Read just before stopping: VmHWM is the process's high-water mark, worker threads included.
    const peakRssMB = await service.peakRssMB()
    return { run: { ms, receivedMs, peerMs: 0, peakRssMB, state: sub.state }, submissionId: id, token: service.token }
  } finally {
    await service.stop()
  }
}

/** `mkdir x && tar -xf bag.tar -C x && (cd x && sha256sum -c manifest-sha256.txt)`, timed together. */
async function peerIngest (root: string, tarFile: string, dir: string): Promise<number> {
  await rm(join(root, dir), { recursive: true, force: true })
  const started = performance.now()
  await sh(`mkdir ${dir} && tar -xf '${tarFile}' -C ${dir} && (cd ${dir} && sha256sum -c manifest-sha256.txt > /dev/null)`, root)
  const ms = Math.round(performance.now() - started)
  // Kept when there is room, so that the next run's sides do not start right after 10,000 deletions.
  if (dir === 'x') await rm(join(root, dir), { recursive: true, force: true })
  return ms
}

export function ingestRows (outcome: IngestOutcome, tarBytes: string): string[][] {
  const { runs } = outcome
  const ms = median(runs.map(r => r.ms))
  const peerMs = median(runs.map(r => r.peerMs))
  const rss = Math.max(...runs.map(r => r.peakRssMB))
  const ratio = ms / peerMs
  return [[
    tarBytes, String(ms), String(median(runs.map(r => r.receivedMs))), String(peerMs),
    `${ratio.toFixed(2)} ${ratio <= INGEST_RATIO_TARGET ? 'PASS' : 'FAIL'}`,
    `${rss} ${rss < INGEST_RSS_TARGET_MB ? 'PASS' : 'FAIL'}`,
    runs.every(r => r.state === 'stored') ? 'stored' : runs.map(r => r.state).join(',')
  ]]
}
