import { execFile, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { EXIT_UNAVAILABLE, Unavailable, aptInstall, freePort, isCi, mayInstall } from './test-server-support.js'

// Two real, different S3 implementations for the tests (issue 16 item 9): Ceph RADOS Gateway (C++) and
// OpenStack Swift with s3api (Python), both from Debian, on 127.0.0.1 and free ports, each in a temp
// directory of its own (research: /work/shared/design/s3-test-servers.md). MinIO's server cannot be
// installed here; the `minio` client speaks to both. As scripts/pg-test-cluster.ts, one set per
// checkout, its state in the git-ignored .tap/s3-servers.json where every tap process finds it
// (test/fixtures/s3-servers.ts).
//
//   node --import tsx scripts/s3-test-servers.ts start | stop | status
//
// Exit codes: 0 done (status: running); 1 failed; 2 usage; 3 none available here (start: no server's
// binaries are installed; status: nothing running).

const ROOT = join(import.meta.dirname, '..')
export const STATE_FILE = join(ROOT, '.tap', 's3-servers.json')
const SCRIPTS = join(import.meta.dirname, 's3')

export type S3ServerName = 'ceph-rgw' | 'swift-s3api'

export interface S3ServerState {
  name: S3ServerName
  /** http://127.0.0.1:<port> */
  endpoint: string
  accessKey: string
  secretKey: string
  /** The temp directory holding the server's data, config, logs and run/*.pid. */
  dir: string
  /** Every daemon of the server, stopped in this order. */
  pids: number[]
}

export interface S3ServersState { servers: S3ServerState[], startedAt: string }


interface ServerKind {
  name: S3ServerName
  /** A program the start script needs: absent means the Debian packages are not installed. */
  probe: string
  packages: string[]
  start: (dir: string) => Promise<Omit<S3ServerState, 'name' | 'dir' | 'pids'>>
  /** The pid files in the order the daemons must stop (ceph: gateway, then osd, then mon). */
  pidOrder: (dir: string) => string[]
}

const secret = (): string => randomBytes(18).toString('base64url')

const KINDS: ServerKind[] = [
  {
    name: 'ceph-rgw',
    probe: '/usr/bin/radosgw',
    packages: ['radosgw', 'ceph-mon', 'ceph-osd'],
    async start (dir) {
      const [mon, rgw] = await freePorts(2)
      const accessKey = `rgw${randomBytes(8).toString('hex')}`
      const secretKey = secret()
      await run(join(SCRIPTS, 'start-ceph-rgw.sh'), [dir, String(mon), String(rgw)], { S3_ACCESS_KEY: accessKey, S3_SECRET_KEY: secretKey })
      return { endpoint: `http://127.0.0.1:${rgw}`, accessKey, secretKey }
    },
    pidOrder: dir => ['client.rgw.a.pid', ...pidFiles(dir).filter(f => f.startsWith('osd.')), 'mon.a.pid']
  },
  {
    name: 'swift-s3api',
    probe: '/usr/bin/swift-proxy-server',
    packages: ['swift-proxy', 'swift-object', 'swift-container', 'swift-account'],
    async start (dir) {
      const port = await freePortRun(4)
      const secretKey = secret()
      await run(join(SCRIPTS, 'start-swift-s3.sh'), [dir, String(port)], { SWIFT_PASSWORD: secretKey })
      return { endpoint: `http://127.0.0.1:${port}`, accessKey: 'test:tester', secretKey }
    },
    pidOrder: () => ['proxy.pid', 'object.pid', 'container.pid', 'account.pid']
  }
]

function pidFiles (dir: string): string[] {
  try { return readdirSync(join(dir, 'run')).filter(f => f.endsWith('.pid')) } catch { return [] }
}

function readPids (kind: ServerKind, dir: string): number[] {
  const pids: number[] = []
  for (const file of kind.pidOrder(dir)) {
    try {
      const pid = Number(readFileSync(join(dir, 'run', file), 'utf8').trim())
      if (Number.isSafeInteger(pid) && pid > 0) pids.push(pid)
    } catch { /* that daemon never wrote its pid */ }
  }
  return pids
}

/**
 * Runs a start script in a session of its own: the daemons it leaves behind outlive a Ctrl-C sent to
 * the test run's terminal, and are stopped only by their pids (stop).
 */
function run (script: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('/bin/bash', [script, ...args], { env: { ...process.env, ...env }, timeout: 120_000, detached: true } as Parameters<typeof execFile>[2], (err, _stdout, stderr) => {
      if (err === null) resolve()
      else reject(new Error(`${script.split('/').pop() ?? script} failed: ${String(stderr).trim().split('\n').slice(-8).join('\n') || err.message}`))
    })
  })
}

async function portFree (port: number): Promise<boolean> {
  const server = createServer()
  try {
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve) })
    return true
  } catch {
    return false
  } finally {
    await new Promise<void>(resolve => server.close(() => resolve()))
  }
}

async function freePorts (n: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < n) ports.add(await freePort())
  return [...ports]
}

/** `n` consecutive free ports (Swift's proxy, account, container and object servers). */
async function freePortRun (n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20_000 + Math.floor(Math.random() * 30_000)
    let ok = true
    for (let p = first; p < first + n && ok; p++) ok = await portFree(p)
    if (ok) return first
  }
  throw new Error(`no ${n} consecutive free ports`)
}

/** The kinds whose binaries are here; in CI, installs the missing Debian packages (root with apt-get). */
function availableKinds (): ServerKind[] {
  const missing = KINDS.filter(k => !existsSync(k.probe))
  if (missing.length > 0 && mayInstall()) {
    aptInstall([...missing.flatMap(k => k.packages), 'rclone'], 'S3 test servers missing')
  }
  const found = KINDS.filter(k => existsSync(k.probe))
  const absent = KINDS.filter(k => !found.includes(k))
  if (absent.length > 0 && isCi()) {
    throw new Error(`CI=true needs every S3 test server, and these are not installed: ${absent.map(k => `${k.name} (${k.packages.join(' ')})`).join('; ')}`)
  }
  if (found.length === 0) {
    throw new Unavailable(`no S3 test server installed (apt-get install ${KINDS.flatMap(k => k.packages).join(' ')}); the S3 store tests will say they did not run`)
  }
  return found
}

export function readState (): S3ServersState | null {
  try { return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as S3ServersState } catch { return null }
}

/**
 * Whether the pid is a live daemon of this server: its command line names the server's temp directory,
 * so a pid reused by another program after a reboot is never signalled.
 */
function ownDaemon (pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)
  } catch {
    return false
  }
}

/** Whether every server of `state` answers HTTP now. */
export async function isRunning (state: S3ServersState): Promise<boolean> {
  for (const s of state.servers) {
    if (!s.pids.every(pid => ownDaemon(pid, s.dir))) return false
    try {
      const res = await fetch(s.endpoint + '/', { signal: AbortSignal.timeout(3000) })
      await res.body?.cancel()
    } catch {
      return false
    }
  }
  return true
}

async function startOne (kind: ServerKind): Promise<S3ServerState> {
  const dir = mkdtempSync(join(tmpdir(), `lantai-${kind.name}-`))
  try {
    const started = await kind.start(dir)
    return { name: kind.name, dir, pids: readPids(kind, dir), ...started }
  } catch (err) {
    stopServer({ name: kind.name, dir, pids: readPids(kind, dir), endpoint: '', accessKey: '', secretKey: '' })
    throw err
  }
}

/** Starts every installed server in parallel, or returns the set this checkout already runs. */
export async function startServers (): Promise<S3ServersState> {
  const existing = readState()
  if (existing !== null) {
    if (await isRunning(existing)) return existing
    stopServers()
  }
  const kinds = availableKinds()
  const results = await Promise.allSettled(kinds.map(startOne))
  const started = results.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
  const failures = results.flatMap(r => r.status === 'rejected' ? [(r.reason as Error).message] : [])
  if (failures.length > 0) {
    for (const s of started) stopServer(s)
    throw new Error(failures.join('\n'))
  }
  const state: S3ServersState = { servers: started, startedAt: new Date().toISOString() }
  mkdirSync(join(ROOT, '.tap'), { recursive: true })
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
  return state
}

/** SIGTERM, wait up to 5 s, then SIGKILL what is left; only pids whose command line names `dir`. */
function stopServer (server: S3ServerState): void {
  const alive = (): number[] => server.pids.filter(pid => ownDaemon(pid, server.dir))
  for (const pid of alive()) {
    try { process.kill(pid, 'SIGTERM') } catch { /* gone meanwhile */ }
  }
  const until = Date.now() + 5000
  while (alive().length > 0 && Date.now() < until) spawnSync('sleep', ['0.1'])
  for (const pid of alive()) {
    try { process.kill(pid, 'SIGKILL') } catch { /* gone meanwhile */ }
  }
  rmSync(server.dir, { recursive: true, force: true })
}

/** Stops every server, removes their directories and the state file. */
export function stopServers (): S3ServersState | null {
  const state = readState()
  if (state === null) return null
  for (const s of state.servers) stopServer(s)
  rmSync(STATE_FILE, { force: true })
  return state
}

async function main (argv: string[]): Promise<number> {
  const command = argv[0]
  if (argv.length !== 1 || !['start', 'stop', 'status'].includes(command ?? '')) {
    process.stderr.write('usage: node --import tsx scripts/s3-test-servers.ts start|stop|status\n')
    return 2
  }
  if (command === 'start') {
    try {
      const state = await startServers()
      for (const s of state.servers) process.stdout.write(`${s.name} on ${s.endpoint} (pids ${s.pids.join(' ')}, ${s.dir})\n`)
      process.stdout.write(`state in ${STATE_FILE}\n`)
      return 0
    } catch (err) {
      if (err instanceof Unavailable) {
        process.stdout.write(err.message + '\n')
        return EXIT_UNAVAILABLE
      }
      process.stderr.write(`S3 test servers did not start: ${(err as Error).message}\n`)
      return 1
    }
  }
  if (command === 'stop') {
    const state = stopServers()
    process.stdout.write(state === null ? 'no S3 test servers to stop\n' : `S3 test servers stopped: ${state.servers.map(s => s.dir).join(' ')} removed\n`)
    return 0
  }
  const state = readState()
  if (state === null) {
    process.stdout.write('no S3 test servers (not started)\n')
    return EXIT_UNAVAILABLE
  }
  const running = await isRunning(state)
  for (const s of state.servers) process.stdout.write(`${s.name} ${s.endpoint} pids ${s.pids.join(' ')} dir ${s.dir}\n`)
  process.stdout.write(running ? 'running\n' : 'NOT running (stale state; `stop` clears it)\n')
  return running ? 0 : EXIT_UNAVAILABLE
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2))
}
