// The service as an operator runs it: `node bin/lantai.js serve` in a child process of its own (so its
// peak memory is its own), configured through LANTAI_* only, talked to over loopback HTTP.
import { spawn, type ChildProcess } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { Agent, request, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, progress, REPO, run, track } from './util.js'

export interface ApiResponse { status: number, body: unknown }

export interface ServiceChild {
  readonly pid: number
  readonly token: string
  readonly agent: Agent
  readonly port: number
  /** One request with the admin token; JSON in and out. */
  api (method: string, path: string, body?: unknown): Promise<ApiResponse>
  /** The peak resident set so far (VmHWM, worker threads included: they share the process), in MB. */
  peakRssMB (): Promise<number>
  /** SIGTERM and wait for the graceful exit (SIGKILL after 15 s). */
  stop (): Promise<void>
}

export interface ServiceOptions {
  dataDir: string
  /** A storage-policies directory; the repository's own by default. */
  policiesDir?: string
  /** An admin token of this data directory; without it the directory must be fresh (first start prints one). */
  token?: string
  /** A PostgreSQL catalogue (LANTAI_DATABASE_URL); without it the catalogue is the SQLite file in dataDir. */
  databaseUrl?: string
}

/** `npm run build` when dist/ is missing or older than any file of src/: bin/lantai.js runs dist/. */
export async function ensureBuilt (): Promise<void> {
  const built = await stat(join(REPO, 'dist', 'cli', 'bin.js')).then(s => s.mtimeMs, () => 0)
  let newest = 0
  for (const entry of await readdir(join(REPO, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  if (built >= newest) return
  progress('dist/ is older than src/: npm run build')
  await run('npm', ['run', 'build'], REPO, true)
}

export async function startServiceChild (options: ServiceOptions): Promise<ServiceChild> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LANTAI_DATA: options.dataDir,
    LANTAI_HOST: '127.0.0.1',
    LANTAI_PORT: String(port),
    LANTAI_LOG_LEVEL: 'warn',
    LANTAI_FIXITY_CRON: 'off',
    LANTAI_MAX_UPLOAD_BYTES: String(1024 ** 4)
  }
  if (options.policiesDir !== undefined) env.LANTAI_POLICIES = options.policiesDir
  // Set or removed: a LANTAI_DATABASE_URL in the bench's own environment must not turn a SQLite side into PostgreSQL.
  if (options.databaseUrl !== undefined) env.LANTAI_DATABASE_URL = options.databaseUrl
  else delete env.LANTAI_DATABASE_URL
  // Node flags for the service child only (say `--cpu-prof --cpu-prof-dir=/tmp/p`, which NODE_OPTIONS refuses).
  const nodeArgs = (process.env.LANTAI_BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
  const child = track(spawn(process.execPath, [...nodeArgs, join(REPO, 'bin', 'lantai.js'), 'serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'inherit'] }))
  const pid = child.pid
  if (pid === undefined) throw new Error('could not start lantai serve')
  const token = await readyToken(child, options.token ?? null)
  let stopping = false
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`\nlantai serve (pid ${pid}) exited unexpectedly: ${signal ?? `code ${code}`}\n`)
  })
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })

  const api = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = { authorization: `Bearer ${token}` }
    if (payload !== undefined) headers['content-type'] = 'application/json'
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, resolve)
      req.once('error', reject)
      req.end(payload)
    })
    return { status: res.statusCode ?? 0, body: await readJson(res) }
  }

  const peakRssMB = async (): Promise<number> => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kB = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN)
    return Math.round(kB / 1024)
  }

  const stop = async (): Promise<void> => {
    stopping = true
    agent.destroy()
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }

  return { pid, token, agent, port, api, peakRssMB, stop }
}

/** Waits for "lantai listening on …", keeping the first-start admin token printed before it. */
function readyToken (child: ChildProcess, known: string | null): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    let token = known
    const onData = (s: string): void => {
      out += s
      token ??= /^\s*LANTAI_TOKEN=(\S+)$/m.exec(out)?.[1] ?? null
      if (/^lantai listening on /m.test(out)) {
        child.stdout?.off('data', onData)
        child.stdout?.resume() // keep draining: a full pipe would stall the service
        if (token === null) reject(new Error('lantai serve printed no admin token (is the data directory fresh?)'))
        else resolve(token)
      }
    }
    child.stdout?.setEncoding('utf8').on('data', onData)
    child.once('exit', code => { reject(new Error(`lantai serve exited with ${code} before listening:\n${out}`)) })
  })
}

async function readJson (res: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of res.setEncoding('utf8') as AsyncIterable<string>) text += chunk
  try {
    return text === '' ? null : JSON.parse(text)
  } catch {
    return text
  }
}

/** POSTs a tar file as the raw body, streamed with its Content-Length, as a submitting client would. */
export async function upload (service: ServiceChild, path: string, tarFile: string): Promise<ApiResponse> {
  const { size } = await stat(tarFile)
  const req = request({
    host: '127.0.0.1', port: service.port, method: 'POST', path, agent: service.agent,
    headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/x-tar', 'content-length': String(size) }
  })
  const response = new Promise<IncomingMessage>((resolve, reject) => { req.once('response', resolve).once('error', reject) })
  await pipeline(createReadStream(tarFile, { highWaterMark: 1024 * 1024 }), req)
  const res = await response
  return { status: res.statusCode ?? 0, body: await readJson(res) }
}

/** Polls GET /v1/submissions/:id every 50 ms until a final state, or one that waits for a person. */
export async function settle (service: ServiceChild, id: string): Promise<{ state: string } & Record<string, unknown>> {
  for (;;) {
    const res = await service.api('GET', `/v1/submissions/${encodeURIComponent(id)}`)
    const sub = res.body as { state?: string } & Record<string, unknown>
    if (res.status !== 200) throw new Error(`GET /v1/submissions/${id}: ${res.status} ${JSON.stringify(res.body)}`)
    if (sub.state === 'stored' || sub.state === 'rejected' || sub.state === 'failed' || sub.state === 'awaiting_decision') return sub as { state: string } & Record<string, unknown>
    await sleep(50)
  }
}
