import t, { type Test } from 'tap'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { AccessEntry } from '../../src/catalogue/index.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService, type Service } from '../../src/main.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { engineEnv } from '../fixtures/databases.js'
import { tarOf } from '../fixtures/service.js'
import { until } from '../fixtures/wait.js'

// Issue 11 item 1, over real sockets on 127.0.0.1 (inject cannot cut a connection): every request that
// can reach data has an access-log row from the moment it is authorized, and the row is completed
// however the request ends. Waits are bounded polls for the row to turn final, never sleeps as asserts.

const PROJECT = '2026-310104-47-01-000404'
const BIG = 24 * 1024 * 1024 // more than loopback socket buffers hold, so a download cannot finish unread

interface Listening { service: Service, port: number, token: string }

async function listen (t: Test): Promise<Listening> {
  const config = loadConfig({ LANTAI_DATA: scratch(t), LANTAI_HOST: '127.0.0.1', LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off', ...await engineEnv(t) }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { listen: true, schedule: false, logger: createLogger('silent'), decisionRequired: false })
  t.teardown(() => service.close())
  await service.catalogue.projects.create({ code: PROJECT, name: '滨江花园二期', unit: null })
  return { service, port: (service.app.server.address() as AddressInfo).port, token: service.firstAdminSecret ?? '' }
}

/** The request's row once it is no longer pending. */
const finalRow = async (s: Listening, requestId: string): Promise<AccessEntry> =>
  await until(`the access-log row of ${requestId} final`, async () => {
    const row = await s.service.catalogue.access.byRequestId(requestId)
    return row !== null && row.outcome !== 'pending' ? row : undefined
  })

/** Stores a package holding data/big.bin and returns its id. */
async function storeBigFile (t: Test, s: Listening): Promise<string> {
  const tar = tarOf(t, makeBag(t, { 'big.bin': Buffer.alloc(BIG, 7) }))
  const res = await s.service.app.inject({
    method: 'POST', url: `/v1/submissions?project=${PROJECT}`, payload: tar,
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-tar' }
  })
  t.equal(res.statusCode, 202, res.body)
  const id = (res.json() as { id: string }).id
  const stored = await until('the package stored', async () => {
    const sub = await s.service.catalogue.submissions.get(id)
    return sub !== null && ['stored', 'rejected', 'failed'].includes(sub.state) ? sub : undefined
  })
  t.equal(stored.state, 'stored')
  return stored.packageId ?? ''
}

function get (s: Listening, path: string, requestId: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, headers: { authorization: `Bearer ${s.token}`, 'x-request-id': requestId, connection: 'close' } })
    req.on('response', resolve)
    req.on('error', reject)
    req.end()
  })
}

t.test('a download the client cuts off mid-file leaves a row, completed as aborted with its 200', async t => {
  const s = await listen(t)
  const pkg = await storeBigFile(t, s)

  // 1. Start the download and take one chunk: the row is there, pending, before the body is done.
  const res = await get(s, `/v1/packages/${pkg}/files/data/big.bin`, 'cut-download')
  t.equal(res.statusCode, 200)
  await new Promise(resolve => res.once('data', resolve))
  res.pause()
  t.match(await s.service.catalogue.access.byRequestId('cut-download'), { outcome: 'pending', status: null, endedAt: null, route: '/v1/packages/:id/files/*', objectId: pkg, ip: '127.0.0.1' })

  // 2. Drop the connection with most of the file unsent.
  res.destroy()
  const row = await finalRow(s, 'cut-download')
  t.match(row, { outcome: 'aborted', status: 200, method: 'GET', objectId: pkg, ip: '127.0.0.1', tokenId: String, role: 'admin', endedAt: String })
})

t.test('one-shot clients that close as soon as they have the bytes leave one final row per download', async t => {
  const s = await listen(t)
  const tar = tarOf(t, makeBag(t, { 'small.txt': 'hello' }))
  const sub = await s.service.app.inject({ method: 'POST', url: `/v1/submissions?project=${PROJECT}`, payload: tar, headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-tar' } })
  const id = (sub.json() as { id: string }).id
  const stored = await until('stored', async () => { const x = await s.service.catalogue.submissions.get(id); return x?.state === 'stored' ? x : undefined })
  for (let i = 0; i < 20; i++) {
    const res = await get(s, `/v1/packages/${stored.packageId ?? ''}/files/data/small.txt`, `one-shot-${i}`)
    res.once('data', () => { res.destroy() })
    const row = await finalRow(s, `one-shot-${i}`)
    t.ok(['allowed', 'aborted'].includes(row.outcome) && row.status === 200, `download ${i}: ${row.outcome} ${String(row.status)}`)
  }
  t.equal((await s.service.catalogue.access.list({ limit: 100, offset: 0 })).items.filter(r => r.requestId.startsWith('one-shot-')).length, 20, 'no download without its row')
})

t.test('an upload the client aborts mid-body leaves a row, completed as aborted', async t => {
  const s = await listen(t)
  const tar = tarOf(t, makeBag(t, { 'a.bin': Buffer.alloc(300_000, 1) }))
  const req = request({
    host: '127.0.0.1', port: s.port, method: 'POST', path: `/v1/submissions?project=${PROJECT}`,
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-tar', 'content-length': String(tar.length), 'x-request-id': 'cut-upload' }
  })
  req.on('error', () => {}) // destroyed on purpose
  req.write(tar.subarray(0, tar.length / 2))
  await until('the upload receiving', async () => (await s.service.catalogue.submissions.list({ projectCode: PROJECT, limit: 1, offset: 0 })).items.find(i => i.state === 'receiving'))
  t.match(await s.service.catalogue.access.byRequestId('cut-upload'), { outcome: 'pending', route: '/v1/submissions', objectId: PROJECT })
  req.destroy()
  t.match(await finalRow(s, 'cut-upload'), { outcome: 'aborted', status: null, method: 'POST', role: 'admin', ip: '127.0.0.1' })
})

t.test('a request refused before routing for its huge header block (431) leaves a refused row with its address', async t => {
  const s = await listen(t)
  const answer = await new Promise<{ status: number, type: string, body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path: '/v1/projects?q=huge', headers: { authorization: `Bearer ${s.token}`, 'x-padding': 'x'.repeat(64 * 1024) } })
    req.on('response', res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(answer.status, 431)
  t.match(answer.type, /^application\/problem\+json/)
  t.match(JSON.parse(answer.body), { status: 431, code: 'REQUEST_INVALID', titleZh: String })
  const refused = (await s.service.catalogue.access.list({ limit: 10, offset: 0 })).items.filter(r => r.outcome === 'refused')
  t.match(refused, [{ status: 431, ip: '127.0.0.1', method: 'GET', url: '/v1/projects?q=huge', route: '(refused)', tokenId: null, endedAt: String }])
  t.equal(refused[0]?.requestId, (JSON.parse(answer.body) as { instance: string }).instance, 'the answer names the row')
})

t.test('every request is in the log before its handler runs: a 401, a 403, a 404 and a 200 all end final', async t => {
  const s = await listen(t)
  const { secret: reader } = await s.service.catalogue.tokens.create({ role: 'reader', label: 'reader' })
  const call = async (path: string, requestId: string, secret: string | null, method = 'GET'): Promise<number> => await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, method, path, headers: { 'x-request-id': requestId, ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) } })
    req.on('response', res => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
    req.on('error', reject)
    req.end()
  })
  t.equal(await call('/v1/projects', 'no-token', null), 401)
  t.equal(await call('/v1/tokens', 'reader-tokens', reader), 403)
  t.equal(await call('/v1/nothing-here', 'not-found', s.token), 404)
  t.equal(await call('/v1/projects', 'fine', reader), 200)
  t.match(await finalRow(s, 'no-token'), { outcome: 'denied', status: 401, tokenId: null })
  t.match(await finalRow(s, 'reader-tokens'), { outcome: 'denied', status: 403, role: 'reader' })
  t.match(await finalRow(s, 'not-found'), { outcome: 'error', status: 404, route: '(none)' })
  t.match(await finalRow(s, 'fine'), { outcome: 'allowed', status: 200, role: 'reader' })
})
