// Part 2 of `npm run bench`: ingest over HTTP, end to end. The service runs as `lantai serve` in a child
// on a fresh data directory; the clock starts when the POST of the tar starts and stops when GET
// /v1/submissions/:id says `stored` (upload, unpack, check, OCFL transfer, catalogue). The peer does what
// an archivist would by hand with the same tar: unpack it, then validate it with bagit-python (issue 13's
// yardstick), or with `sha256sum -c` (the older, weaker one, kept as a second column). The hashing limit
// is the kept digests over the same bytes through createHash on every core (hash-limit.ts). Given a
// PostgreSQL admin URL, each run gets a fresh database (LANTAI_DATABASE_URL) instead of the data
// directory's SQLite file.
import { existsSync } from 'node:fs'
import { cp, mkdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createScratchDatabase, type ScratchDatabase } from './postgres.js'
import { settle, startServiceChild, upload } from './service.js'
import { median, progress, REPO, sh } from './util.js'
import { hashLimit } from './hash-limit.js'

/** Issue 13 goal 2: stored within 1.2× of `tar -x` + bagit-python, upload→202 within 1.3× of the hashing limit. */
export const INGEST_RATIO_TARGET = 1.2
export const RECEIVE_LIMIT_TARGET = 1.3
/** Issue 12 item 5: ingest on PostgreSQL within 1.2× of the SQLite figure of the same bench run. */
export const INGEST_ENGINE_RATIO_TARGET = 1.2
export const INGEST_RSS_TARGET_MB = 200
/** What ingest keeps for the bench bag (manifests sha256 and sha512): sha512 and SM3 always, plus sha256. */
export const BENCH_KEPT_ALGORITHMS = ['sha512', 'sm3', 'sha256'] as const

/** bagit-python, run in place (never copied): beside the repository, or at the shared tools path. */
export const BAGIT_PY = [resolve('../shared/tools/bagit-python/bagit.py'), '/work/shared/tools/bagit-python/bagit.py'].find(p => existsSync(p)) ?? null
export const PROJECT = '2026-310104-47-01-009999'

export interface IngestRun {
  /** POST start → `stored`. */
  ms: number
  /** POST start → 202 (the upload is in staging). */
  receivedMs: number
  /** tar -x, then bagit.py --validate --processes 2 (NaN when bagit-python is not there) */
  peerMs: number
  /** tar -x, then sha256sum -c */
  coreutilsMs: number
  peakRssMB: number
  state: string
}

export interface IngestOutcome {
  engine: 'sqlite' | 'postgres'
  runs: IngestRun[]
  /** The data directory of the last run, kept for the fixity and latency parts, with its admin token. */
  dataDir: string
  token: string
  submissionId: string
  /** the kept digests over the tar's bytes through createHash on every core, no I/O */
  limitMs: number
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

/**
 * `runs` ingests and peers on one engine: SQLite when `postgresUrl` is null, else PostgreSQL, a fresh
 * database per run made on that server and dropped after the run (the data directory is kept as for
 * SQLite: the store and staging live there on both engines).
 */
export async function benchIngest (root: string, tarFile: string, runs: number, keep: boolean, postgresUrl: string | null = null): Promise<IngestOutcome> {
  const engine = postgresUrl === null ? 'sqlite' : 'postgres'
  const tag = postgresUrl === null ? '' : 'pg-'
  const results: IngestRun[] = []
  let last: { dataDir: string, token: string, submissionId: string } | null = null
  for (let r = 1; r <= runs; r++) {
    progress(`ingest (${engine}): run ${r} of ${runs}`)
    if (last !== null && !keep) await rm(last.dataDir, { recursive: true, force: true })
    const dataDir = join(root, `data-ingest-${tag}${r}`)
    await mkdir(dataDir)
    const db = postgresUrl === null ? null : await createScratchDatabase(postgresUrl, 'ingest')
    try {
      await settleDisk(root, tarFile)
      const { run, submissionId, token } = await ingestOnce(dataDir, tarFile, db)
      last = { dataDir, token, submissionId }
      await settleDisk(root, tarFile)
      Object.assign(run, await peerIngest(root, tarFile, keep ? `x${tag}${r}` : 'x'))
      results.push(run)
    } finally {
      await db?.drop()
    }
  }
  if (last === null) throw new Error('ingest: no runs')
  progress('ingest: the hashing limit')
  const limit = await hashLimit((await stat(tarFile)).size, BENCH_KEPT_ALGORITHMS)
  return { engine, runs: results, ...last, limitMs: limit.ms }
}

/**
 * Before each timed side: the tar in the page cache, and no dirty pages of the side before (the peer's
 * tar leaves a GiB of them, whose writeback would otherwise run during the next ingest).
 */
async function settleDisk (root: string, tarFile: string): Promise<void> {
  await sh(`cat '${tarFile}' > /dev/null && sync`, root)
}

/**
 * The repository's policies with the archivist's decision off: since issue 14 the shipped acceptance
 * policy stops a checked package at awaiting_decision, and part 2 times upload → stored with no person
 * in the loop (the decision is not the machine's time).
 */
export async function noDecisionPolicies (root: string): Promise<string> {
  const dir = join(root, 'policies-no-decision')
  if (existsSync(dir)) return dir
  await cp(join(REPO, 'storage-policies'), dir, { recursive: true })
  const file = join(dir, 'acceptance.yaml')
  const text = await readFile(file, 'utf8')
  const changed = text.replace(/^decision:\n {2}required: true$/m, 'decision:\n  required: false')
  if (changed === text && !/^decision:\n {2}required: false$/m.test(text)) throw new Error(`${file}: no \`decision: required\` to turn off`)
  await writeFile(file, changed)
  return dir
}

async function ingestOnce (dataDir: string, tarFile: string, db: ScratchDatabase | null): Promise<{ run: IngestRun, submissionId: string, token: string }> {
  const policiesDir = await noDecisionPolicies(join(dataDir, '..'))
  const service = await startServiceChild(db === null ? { dataDir, policiesDir } : { dataDir, policiesDir, databaseUrl: db.url })
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
    if (db !== null) await checkRecordedIn(db, id)
    return { run: { ms, receivedMs, peerMs: 0, coreutilsMs: 0, peakRssMB, state: sub.state }, submissionId: id, token: service.token }
  } finally {
    await service.stop()
  }
}

/**
 * A service that does not know LANTAI_DATABASE_URL would ingest into a SQLite file and be timed as
 * PostgreSQL: the submission must be in the scratch database.
 */
async function checkRecordedIn (db: ScratchDatabase, submissionId: string): Promise<void> {
  const rows = await db.query<{ state: string }>('SELECT state FROM submissions WHERE id = $1', [submissionId])
    .catch((err: unknown) => { throw new Error(`the service did not use PostgreSQL (LANTAI_DATABASE_URL): ${err instanceof Error ? err.message : String(err)}`) })
  if (rows.length !== 1) throw new Error(`the service did not record submission ${submissionId} in PostgreSQL database ${db.name}`)
}

/**
 * One extraction, timed, then both validations of it: `mkdir x && tar -xf bag.tar -C x`, then
 * `bagit.py --validate --processes 2` (sha256 and sha512, both manifests), then `sha256sum -c
 * manifest-sha256.txt`. Each peer is the extraction plus its own validation; both read the extracted
 * bytes from the page cache, as ingest's check reads what it just wrote.
 */
async function peerIngest (root: string, tarFile: string, dir: string): Promise<{ peerMs: number, coreutilsMs: number }> {
  await rm(join(root, dir), { recursive: true, force: true })
  let started = performance.now()
  await sh(`mkdir ${dir} && tar -xf '${tarFile}' -C ${dir}`, root)
  const tarMs = performance.now() - started
  let bagitMs = Number.NaN
  if (BAGIT_PY !== null) {
    started = performance.now()
    await sh(`python3 '${BAGIT_PY}' --validate --processes 2 --quiet ${dir}`, root)
    bagitMs = performance.now() - started
  }
  started = performance.now()
  await sh(`cd ${dir} && sha256sum -c manifest-sha256.txt > /dev/null`, root)
  const sumMs = performance.now() - started
  // Kept when there is room, so that the next run's sides do not start right after 10,000 deletions.
  if (dir === 'x') await rm(join(root, dir), { recursive: true, force: true })
  return { peerMs: Math.round(tarMs + bagitMs), coreutilsMs: Math.round(tarMs + sumMs) }
}

export function ingestRows (outcome: IngestOutcome, tarBytes: string): string[][] {
  const { runs } = outcome
  const ms = median(runs.map(r => r.ms))
  const receivedMs = median(runs.map(r => r.receivedMs))
  const peerMs = median(runs.map(r => r.peerMs))
  const coreutilsMs = median(runs.map(r => r.coreutilsMs))
  const rss = Math.max(...runs.map(r => r.peakRssMB))
  const ratio = ms / peerMs
  const toLimit = receivedMs / outcome.limitMs
  return [[
    outcome.engine, tarBytes, String(ms), String(receivedMs), String(outcome.limitMs),
    `${toLimit.toFixed(2)} ${toLimit <= RECEIVE_LIMIT_TARGET ? 'PASS' : 'FAIL'}`,
    Number.isNaN(peerMs) ? 'n/a' : String(peerMs),
    Number.isNaN(ratio) ? 'n/a' : `${ratio.toFixed(2)} ${ratio <= INGEST_RATIO_TARGET ? 'PASS' : 'FAIL'}`,
    String(coreutilsMs), (ms / coreutilsMs).toFixed(2),
    `${rss} ${rss < INGEST_RSS_TARGET_MB ? 'PASS' : 'FAIL'}`,
    runs.every(r => r.state === 'stored') ? 'stored' : runs.map(r => r.state).join(',')
  ]]
}

/** The header of ingestRows' table. */
export const INGEST_HEADER = [
  'engine', 'tar', 'ingest ms', 'upload→202 ms', 'hash limit ms', `202/limit (≤${RECEIVE_LIMIT_TARGET})`,
  'bagit-python peer ms', `ingest/peer (≤${INGEST_RATIO_TARGET})`, 'coreutils peer ms', 'ingest/coreutils',
  `service peak RSS MB (<${INGEST_RSS_TARGET_MB})`, 'state'
]

/** PostgreSQL's median ingest against SQLite's, both from this bench run. */
export function engineRatioNote (sqlite: IngestOutcome, postgres: IngestOutcome): string {
  const ratio = median(postgres.runs.map(r => r.ms)) / median(sqlite.runs.map(r => r.ms))
  return `PostgreSQL/SQLite ingest ms: ${ratio.toFixed(2)} ${ratio <= INGEST_ENGINE_RATIO_TARGET ? 'PASS' : 'FAIL'} (≤${INGEST_ENGINE_RATIO_TARGET})`
}
