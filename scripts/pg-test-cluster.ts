import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { EXIT_UNAVAILABLE, Unavailable, aptInstall, freePort, isCi, isRoot, mayInstall } from './test-server-support.js'

// A throwaway PostgreSQL cluster for the tests (issue 12 item 2): one per checkout, in a temp directory,
// on 127.0.0.1 and a free port, so several checkouts on one machine never collide. Its state file sits
// in this checkout's git-ignored .tap/ (tap clears only its own subfolders there), where every tap
// process of the checkout finds it (test/fixtures/databases.ts).
//
//   node --import tsx scripts/pg-test-cluster.ts start | stop | status
//
// Exit codes: 0 done (status: running); 1 failed; 2 usage; 3 no PostgreSQL here (start: the binaries
// are missing, tests run on SQLite only; status: no cluster running), so a caller can tell "not
// available" from "broken".

const ROOT = join(import.meta.dirname, '..')
export const STATE_FILE = join(ROOT, '.tap', 'postgres.json')
const PG_ROOT = '/usr/lib/postgresql'
/** The role the service connects as in tests: not a superuser, so tests see what production sees. */
const APP_ROLE = 'lantai'

export interface ClusterState {
  /** The temp directory: data/ (PGDATA), the unix socket and server.log. */
  dir: string
  binDir: string
  port: number
  pid: number
  /** Superuser over TCP with its password: CREATE/DROP DATABASE for each test. */
  adminUrl: string
  appRole: string
  appPassword: string
  /** The app role's URL with `{database}` to fill in. */
  appUrlTemplate: string
  startedAt: string
}



/** The newest installed version's bin directory (Debian layout: /usr/lib/postgresql/<major>/bin). */
function findBinDir (): string | null {
  if (!existsSync(PG_ROOT)) return null
  const versions = readdirSync(PG_ROOT).filter(v => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const bin = join(PG_ROOT, v, 'bin')
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin
  }
  return null
}

/** In CI the tests must run on PostgreSQL: install Debian's package when we can (root with apt-get). */
function ensureBinaries (): string {
  const found = findBinDir()
  if (found !== null) return found
  if (mayInstall()) {
    aptInstall(['postgresql'], 'PostgreSQL not found')
    const installed = findBinDir()
    if (installed !== null) return installed
  }
  throw new Unavailable(isCi()
    ? `PostgreSQL binaries not found under ${PG_ROOT}, and CI=true needs them: run as root where apt-get can install Debian postgresql`
    : `PostgreSQL binaries not found under ${PG_ROOT}; tests will run on SQLite only (install Debian postgresql, or run with CI=true as root)`)
}

/** Runs a PostgreSQL program as the postgres user when we are root (initdb and postgres refuse root). */
function asOwner (bin: string, args: string[], options: { timeoutMs?: number } = {}): void {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]
  const res = spawnSync(cmd, argv, { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000 })
  if (res.status !== 0) {
    throw new Error(`${bin.split('/').pop() ?? bin} ${args[0] ?? ''} failed (exit ${String(res.status)}): ${(res.stderr || res.stdout || String(res.error)).trim()}`)
  }
}

const secret = (): string => randomBytes(18).toString('base64url')

export function readState (): ClusterState | null {
  try { return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ClusterState } catch { return null }
}

function pidAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Whether the cluster of `state` answers a query now. */
export async function isRunning (state: ClusterState): Promise<boolean> {
  if (!pidAlive(state.pid)) return false
  const client = new pg.Client({ connectionString: state.adminUrl, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** Starts the cluster, or returns the one this checkout already runs. */
export async function startCluster (): Promise<ClusterState> {
  const existing = readState()
  if (existing !== null) {
    if (await isRunning(existing)) return existing
    // A cluster of an earlier run that died (a killed test run, a reboot): clear its leftovers first.
    await stopCluster()
  }
  const binDir = ensureBinaries()
  const dir = mkdtempSync(join(tmpdir(), 'lantai-pg-'))
  try {
    return await initAndStart(binDir, dir)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

async function initAndStart (binDir: string, dir: string): Promise<ClusterState> {
  const data = join(dir, 'data')
  const adminPassword = secret()
  const appPassword = secret()
  const pwfile = join(dir, 'pwfile')
  writeFileSync(pwfile, adminPassword + '\n', { mode: 0o600 })
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
    chownSync(pwfile, uid, gid)
  }
  // Local (socket) connections trust: only the postgres user can reach the 0700 temp dir. Over TCP
  // every role needs its password (scram-sha-256), so the wrong-password tests meet real password auth.
  asOwner(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  rmSync(pwfile)
  const log = join(dir, 'server.log')
  let lastError: unknown
  // The free port is picked before the server binds it: another process may take it in between, so try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    // A throwaway cluster whose data is dropped after the run: durability buys nothing, so fsync,
    // synchronous commit and full-page writes are off (never do this for a real catalogue). Enough
    // connections for tap's parallel test files, each with its own pools.
    const options = [
      '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', `unix_socket_directories=${dir}`,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      '-c', 'max_connections=200', '-c', 'shared_buffers=64MB'
    ].map(o => o.includes(' ') ? `'${o}'` : o).join(' ')
    try {
      asOwner(join(binDir, 'pg_ctl'), ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', options], { timeoutMs: 90_000 })
    } catch (err) {
      lastError = new Error(`${(err as Error).message}\n${tail(log)}`)
      continue
    }
    const adminUrl = `postgres://postgres:${adminPassword}@127.0.0.1:${port}/postgres`
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    try {
      // The app role may create databases so a test can make its own; it owns each test's database.
      await admin.query(`CREATE ROLE ${APP_ROLE} LOGIN CREATEDB PASSWORD '${appPassword}'`)
    } finally {
      await admin.end()
    }
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
    const state: ClusterState = {
      dir,
      binDir,
      port,
      pid,
      adminUrl,
      appRole: APP_ROLE,
      appPassword,
      appUrlTemplate: `postgres://${APP_ROLE}:${appPassword}@127.0.0.1:${port}/{database}`,
      startedAt: new Date().toISOString()
    }
    mkdirSync(join(ROOT, '.tap'), { recursive: true })
    writeFileSync(STATE_FILE, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
    return state
  }
  throw lastError
}

function tail (file: string): string {
  try { return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') } catch { return '' }
}

/** Stops the cluster (fast: open sessions are cut) and removes its directory and the state file. */
export async function stopCluster (): Promise<ClusterState | null> {
  const state = readState()
  if (state === null) return null
  const data = join(state.dir, 'data')
  if (pidAlive(state.pid) && existsSync(join(data, 'postmaster.pid'))) {
    try {
      asOwner(join(state.binDir, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], { timeoutMs: 90_000 })
    } catch (err) {
      // pg_ctl cannot stop it (a broken data dir): the postmaster is ours to end by its pid.
      process.stderr.write(`${(err as Error).message}; sending SIGTERM to ${state.pid}\n`)
      try { process.kill(state.pid, 'SIGTERM') } catch { /* gone meanwhile */ }
    }
  }
  rmSync(state.dir, { recursive: true, force: true })
  rmSync(STATE_FILE, { force: true })
  return state
}

const redact = (url: string): string => url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')

async function main (argv: string[]): Promise<number> {
  const command = argv[0]
  if (argv.length !== 1 || !['start', 'stop', 'status'].includes(command ?? '')) {
    process.stderr.write('usage: node --import tsx scripts/pg-test-cluster.ts start|stop|status\n')
    return 2
  }
  if (command === 'start') {
    try {
      const state = await startCluster()
      process.stdout.write(`test PostgreSQL running on 127.0.0.1:${state.port} (pid ${state.pid}, ${state.dir}); state in ${STATE_FILE}\n`)
      return 0
    } catch (err) {
      if (err instanceof Unavailable && !isCi()) {
        process.stdout.write(err.message + '\n')
        return EXIT_UNAVAILABLE
      }
      // In CI the PostgreSQL pass is required: not starting is a failure, never a quiet SQLite-only run.
      process.stderr.write(`test PostgreSQL did not start: ${(err as Error).message}\n`)
      return 1
    }
  }
  if (command === 'stop') {
    const state = await stopCluster()
    process.stdout.write(state === null ? 'no test PostgreSQL to stop\n' : `test PostgreSQL stopped; ${state.dir} removed\n`)
    return 0
  }
  const state = readState()
  if (state === null) {
    process.stdout.write('no test PostgreSQL (not started)\n')
    return EXIT_UNAVAILABLE
  }
  const running = await isRunning(state)
  process.stdout.write(`test PostgreSQL ${running ? 'running' : 'NOT running (stale state; `stop` clears it)'}: ${redact(state.adminUrl)} pid ${state.pid} dir ${state.dir}\n`)
  return running ? 0 : EXIT_UNAVAILABLE
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2))
}
