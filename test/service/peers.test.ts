import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { request, type ClientRequest } from 'node:http'
import { join } from 'node:path'
import type { Submission } from '../../src/catalogue/index.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { freshPostgresDatabase, postgresAdminUrl } from '../fixtures/databases.js'
import { tarOf } from '../fixtures/service.js'
import { call, freePort, ServiceChild, type Reply } from '../fixtures/service-process.js'
import { until } from '../fixtures/wait.js'

// Lantai processes beside each other (docs/decisions/0005-processes.md), as real child processes over real
// HTTP. On a shared PostgreSQL catalogue: a peer's start-up recovery leaves a live upload alone; an
// upload whose receiver is killed fails UPLOAD_INCOMPLETE on the survivor, which cleans its staging; an
// API-only process queues what a `lantai worker` beside it stores, and the worker stops cleanly.
//
// CI always has the test PostgreSQL (postgresAdminUrl() throws there without it). Outside CI, without
// it, each test checks the SQLite rule it stands beside instead: one process per data directory, so the
// second process is refused, and the first one's work goes on untouched.

const PROJECT = '2026-310104-47-01-000777'

interface Started { first: ServiceChild, token: string, env: Record<string, string>, dataDir: string, postgres: boolean, tar: Buffer }

async function startFirst (t: Test, children: ServiceChild[]): Promise<Started> {
  const postgres = postgresAdminUrl() !== null
  if (!postgres) t.comment('no test PostgreSQL (outside CI): the SQLite rule is checked instead')
  const dataDir = scratch(t)
  const env = { LANTAI_DATABASE_URL: postgres ? await freshPostgresDatabase(t) : '' }
  const first = new ServiceChild(dataDir, await freePort(), { env })
  children.push(first)
  await first.listening()
  const token = first.token()
  if (token === null) throw new Error(`no LANTAI_TOKEN line on the first start:\n${first.output}`)
  const made = await call(first.port, 'POST', '/v1/projects', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify({ code: PROJECT, name: '滨江花园二期', unit: '某建设单位' }))
  t.equal(made.status, 201, made.body)
  const tar = tarOf(t, makeBag(t, { 'plan.bin': Buffer.alloc(400_000, 7), 'note.txt': '说明\n' }))
  return { first, token, env, dataDir, postgres, tar }
}

/** An upload that sends the first half of the body and waits: `finish()` sends the rest and resolves with the answer. */
function halfUpload (port: number, token: string, tar: Buffer): { req: ClientRequest, finish: () => Promise<Reply> } {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/v1/submissions?project=${PROJECT}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar', 'content-length': String(tar.length) } })
  const answer = new Promise<Reply>((resolve, reject) => {
    req.on('response', res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
  })
  answer.catch(() => {}) // a killed receiver is an outcome some tests wait for
  req.write(tar.subarray(0, tar.length / 2))
  return { req, finish: async () => { req.end(tar.subarray(tar.length / 2)); return await answer } }
}

async function submissions (port: number, token: string): Promise<Submission[]> {
  const r = await call(port, 'GET', `/v1/submissions?project=${PROJECT}&limit=100`, { authorization: `Bearer ${token}` })
  if (r.status !== 200) throw new Error(`${r.status} ${r.body}`)
  return (JSON.parse(r.body) as { items: Submission[] }).items
}

// Probes that ask a service over HTTP get a minute: a peer's recovery waits for a lease to run out.
const poll = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => await until(what, probe, 60_000)

const FINAL = ['stored', 'rejected', 'failed']

async function final (port: number, token: string, id: string): Promise<Submission> {
  return await poll(`${id} final`, async () => (await submissions(port, token)).find(s => s.id === id && FINAL.includes(s.state)))
}

async function receiving (port: number, token: string, known: readonly string[] = []): Promise<Submission> {
  return await poll('an upload receiving', async () => (await submissions(port, token)).find(s => s.state === 'receiving' && !known.includes(s.id)))
}

t.test('a peer\'s start leaves a live upload alone; the upload of a receiver killed mid-body fails UPLOAD_INCOMPLETE on the survivor, its staging cleared', async t => {
  const children: ServiceChild[] = []
  t.teardown(async () => { await Promise.all(children.map(c => c.kill('SIGKILL'))) })
  const { first, token, env, dataDir, postgres, tar } = await startFirst(t, children)

  // 1. Half an upload reaches the first process, which waits for the rest.
  const live = halfUpload(first.port, token, tar)
  const arriving = await receiving(first.port, token)
  // The submission is made first, its staging directory a moment later, as the first bytes are unpacked.
  await until('its staging directory is made', () => existsSync(join(dataDir, 'staging', arriving.id)) ? true : undefined)

  // 2. A second process starts on the same data directory.
  const second = new ServiceChild(dataDir, await freePort(), { env })
  children.push(second)
  if (!postgres) {
    // SQLite: one process per data directory; the second is refused and the first goes on.
    const exit = await second.exited
    t.equal(exit.code, 2, 'the second process is refused')
    t.match(second.output, /DATA_DIR_LOCKED/)
    t.equal((await live.finish()).status, 202, 'the live upload is received')
    t.match(await final(first.port, token, arriving.id), { state: 'stored' })
    return
  }
  await second.listening()
  t.match((await submissions(second.port, token)).find(s => s.id === arriving.id), { state: 'receiving' }, 'the peer\'s recovery left the live upload receiving')
  t.ok(existsSync(join(dataDir, 'staging', arriving.id)), 'and its staging in place')
  const answer = await live.finish()
  t.equal(answer.status, 202, answer.body)
  t.match(await final(second.port, token, arriving.id), { state: 'stored' }, 'then stored, by whichever process took the job')

  // 3. Another upload reaches the first process; it is killed mid-body.
  const cut = halfUpload(first.port, token, tarOf(t, makeBag(t, { 'plan.bin': Buffer.alloc(400_000, 8) })))
  const orphan = await receiving(first.port, token, [arriving.id])
  cut.req.on('error', () => {})
  await first.kill('SIGKILL')
  t.match(await final(second.port, token, orphan.id), { state: 'failed', error: { code: 'UPLOAD_INCOMPLETE' } }, 'the survivor fails the upload of a dead receiver')
  await poll('its staging cleared', async () => existsSync(join(dataDir, 'staging', orphan.id)) ? undefined : true)

  // 4. Sent again to the survivor, it is stored.
  const again = await call(second.port, 'POST', `/v1/submissions?project=${PROJECT}`, { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' }, tarOf(t, makeBag(t, { 'plan.bin': Buffer.alloc(400_000, 8) })))
  t.equal(again.status, 202, again.body)
  t.match(await final(second.port, token, (JSON.parse(again.body) as { id: string }).id), { state: 'stored' })
})

t.test('lantai serve --no-workers receives and queues; a lantai worker beside it stores; the worker stops cleanly on SIGTERM', async t => {
  const children: ServiceChild[] = []
  t.teardown(async () => { await Promise.all(children.map(c => c.kill('SIGKILL'))) })
  const { first, token, env, dataDir, postgres, tar } = await startFirst(t, children)
  if (!postgres) {
    // SQLite: the one `lantai serve` runs everything; a worker beside it is refused before it opens anything.
    const worker = new ServiceChild(dataDir, await freePort(), { env, args: ['worker'] })
    children.push(worker)
    t.match(await worker.exited, { code: 2 })
    t.match(worker.output, /CONFIG_INVALID.*LANTAI_DATABASE_URL/)
    const sent = await call(first.port, 'POST', `/v1/submissions?project=${PROJECT}`, { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' }, tar)
    t.equal(sent.status, 202, sent.body)
    t.match(await final(first.port, token, (JSON.parse(sent.body) as { id: string }).id), { state: 'stored' }, 'the service still stores')
    return
  }
  // The first process made the storage root and the token; it steps aside for the split.
  t.match(await first.stop('SIGTERM'), { code: 0 })
  const api = new ServiceChild(dataDir, await freePort(), { env, args: ['serve', '--no-workers'] })
  children.push(api)
  await api.listening()

  // 1. The API process receives and queues; with no worker anywhere, the submission waits, received.
  const sent = await call(api.port, 'POST', `/v1/submissions?project=${PROJECT}`, { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' }, tar)
  t.equal(sent.status, 202, sent.body)
  const id = (JSON.parse(sent.body) as { id: string }).id
  t.match((await submissions(api.port, token)).find(s => s.id === id), { state: 'received' }, 'queued for a worker')

  // 2. A worker starts beside it: no listener, a line on stdout, and the submission is stored.
  const worker = new ServiceChild(dataDir, await freePort(), { env, args: ['worker'] })
  children.push(worker)
  await until('the worker says it runs', () => /^lantai worker running \(pid \d+, data in /m.test(worker.stdout) ? true : undefined)
  t.equal(worker.token(), null, 'a worker shows no token')
  t.match(await final(api.port, token, id), { state: 'stored' }, 'the worker stored it')
  t.notOk(await call(worker.port, 'GET', '/healthz').then(() => true, () => false), 'the worker listens on no port')

  // 3. SIGTERM: the worker stops cleanly; the API process goes on answering.
  t.match(await worker.stop('SIGTERM'), { code: 0, signal: null })
  t.equal((await call(api.port, 'GET', '/healthz')).status, 200)
})
