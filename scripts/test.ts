import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readState, startCluster, stopCluster, isRunning } from './pg-test-cluster.js'
import { Unavailable } from './test-server-support.js'
import { ensureDocumentFont } from './document-font.js'
import * as s3 from './s3-test-servers.js'

// `npm test` (issue 12 item 2): the suite on both catalogue engines.
//   1. start this checkout's throwaway PostgreSQL (scripts/pg-test-cluster.ts), when it can be;
//   2. tap over every test file on SQLite; the catalogue contract tests open both engines themselves;
//   3. tap test/http again with LANTAI_TEST_ENGINE=postgres, so the service runs on PostgreSQL;
//   4. stop the cluster, also after a failure or on SIGINT/SIGTERM.
// The S3 test servers (scripts/s3-test-servers.ts: Ceph RGW, Swift s3api) start beside PostgreSQL and
// stop with it, for the whole suite and for named files that need them (see needsS3).
// The sealed documents' CJK font is installed first in CI (scripts/document-font.ts).
// `npm test -- <files>` is one tap run over those files, on the engine LANTAI_TEST_ENGINE names.
// Without PostgreSQL binaries the run is SQLite only, said once; with CI=true PostgreSQL is required.

const ROOT = join(import.meta.dirname, '..')
const TAP = join(ROOT, 'node_modules', '.bin', 'tap')
const ci = process.env.CI === 'true'

let child: ReturnType<typeof spawn> | null = null
let interrupted: NodeJS.Signals | null = null

function tap (args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise(resolve => {
    // Its own process group, so a signal reaches tap and every test process it runs (below), as a
    // terminal's Ctrl-C would: tap alone keeps running the files it started.
    child = spawn(TAP, args, { cwd: ROOT, env, stdio: 'inherit', detached: true })
    child.once('error', err => { process.stderr.write(`tap did not start: ${err.message}\n`); resolve(1) })
    child.once('exit', (code, signal) => { child = null; resolve(code ?? (signal === null ? 1 : 128)) })
  })
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Stop the run, but leave the cleanup below to run: tap exits on the signal, then the cluster
    // stops. A second signal does not wait for the tests' own cleanup.
    const again = interrupted !== null
    interrupted = signal
    if (child?.pid !== undefined) {
      try { process.kill(-child.pid, again ? 'SIGKILL' : signal) } catch { /* the group is gone already */ }
    }
  })
}

/** Starts the cluster; null when this run is SQLite only. `ours`: started here, so stopped here. */
async function startPostgres (): Promise<{ ours: boolean } | null> {
  const before = readState()
  const wasRunning = before !== null && await isRunning(before)
  try {
    const state = await startCluster()
    process.stdout.write(`test PostgreSQL on 127.0.0.1:${state.port}${wasRunning ? ' (already running; left running)' : ''}\n`)
    return { ours: !wasRunning }
  } catch (err) {
    if (ci) throw err
    const why = err instanceof Unavailable ? err.message : `test PostgreSQL did not start (${(err as Error).message}); tests will run on SQLite only`
    process.stdout.write(why + '\n')
    return null
  }
}

/**
 * The whole suite, or named files that may reach an S3 node (storage, replication), or LANTAI_TEST_S3=1:
 * their ~7 s start is not paid by a run of unrelated files.
 */
const needsS3 = (files: string[]): boolean =>
  files.length === 0 || process.env.LANTAI_TEST_S3 === '1' || files.some(f => /storage|s3|replication/.test(f))

/** Starts the S3 test servers; null when none run. `ours`: started here, so stopped here. */
async function startS3 (): Promise<{ ours: boolean } | null> {
  const before = s3.readState()
  const wasRunning = before !== null && await s3.isRunning(before)
  try {
    const state = await s3.startServers()
    process.stdout.write(`S3 test servers: ${state.servers.map(s => `${s.name} ${s.endpoint}`).join(', ')}${wasRunning ? ' (already running; left running)' : ''}\n`)
    return { ours: !wasRunning }
  } catch (err) {
    if (ci) throw err
    process.stdout.write(`${err instanceof Unavailable ? err.message : `S3 test servers did not start (${(err as Error).message})`}; tests needing them will say so\n`)
    return null
  }
}

async function main (): Promise<number> {
  const files = process.argv.slice(2)
  if (files.length === 0 || files.some(f => /documents/.test(f))) ensureDocumentFont()
  let postgres: { ours: boolean } | null = null
  let s3servers: { ours: boolean } | null = null
  const [pgResult, s3Result] = await Promise.allSettled([startPostgres(), needsS3(files) ? startS3() : Promise.resolve(null)])
  if (s3Result.status === 'fulfilled') s3servers = s3Result.value
  if (pgResult.status === 'fulfilled') postgres = pgResult.value
  if (pgResult.status === 'rejected' || s3Result.status === 'rejected') {
    if (pgResult.status === 'rejected') process.stderr.write(`CI=true: test PostgreSQL did not start: ${(pgResult.reason as Error).message}\n`)
    else if (postgres?.ours === true) await stopCluster().catch(() => {})
    if (s3Result.status === 'rejected') process.stderr.write(`CI=true: S3 test servers did not start: ${(s3Result.reason as Error).message}\n`)
    else if (s3servers?.ours === true) s3.stopServers()
    return 1
  }
  const failed: string[] = []
  try {
    if (files.length > 0) {
      if (await tap(files, process.env) !== 0) failed.push(`tap ${files.join(' ')}`)
    } else {
      if (await tap([], { ...process.env, LANTAI_TEST_ENGINE: 'sqlite' }) !== 0) failed.push('the suite on SQLite')
    }
    if (files.length === 0 && postgres !== null && interrupted === null) {
      process.stdout.write('\nthe HTTP tests again, the service on PostgreSQL (LANTAI_TEST_ENGINE=postgres)\n')
      // tap takes files, not a folder, once package.json sets its include pattern.
      const http = readdirSync(join(ROOT, 'test', 'http'), { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.test.ts')).sort().map(f => join('test', 'http', f))
      if (await tap(http, { ...process.env, LANTAI_TEST_ENGINE: 'postgres' }) !== 0) failed.push('test/http on PostgreSQL')
    }
  } finally {
    if (postgres?.ours === true) await stopCluster().catch((err: unknown) => { process.stderr.write(`test PostgreSQL did not stop: ${(err as Error).message}\n`) })
    if (s3servers?.ours === true) {
      try { s3.stopServers() } catch (err) { process.stderr.write(`S3 test servers did not stop: ${(err as Error).message}\n`) }
    }
  }
  if (interrupted !== null) return interrupted === 'SIGINT' ? 130 : 143
  if (failed.length > 0) process.stderr.write(`failed: ${failed.join('; ')}\n`)
  return failed.length === 0 ? 0 : 1
}

process.exitCode = await main()
