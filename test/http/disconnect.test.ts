import t, { type Test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { request, type ClientRequest } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Submission } from '../../src/catalogue/index.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService, type Service } from '../../src/main.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { engineEnv } from '../fixtures/databases.js'
import { tarOf } from '../fixtures/service.js'
import { freePort } from '../fixtures/service-process.js'
import { until, WAIT_MS } from '../fixtures/wait.js'

// Uploads over real HTTP on 127.0.0.1 (inject cannot cut a socket or hold a body back): the service
// listens on a free port in this process, and clients misbehave on purpose.

const PROJECT = 'P-2026-0404'

interface Listening { service: Service, port: number, dataDir: string, token: string }

async function listen (t: Test, env: Record<string, string> = {}): Promise<Listening> {
  const dataDir = scratch(t)
  const port = await freePort()
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_HOST: '127.0.0.1', LANTAI_PORT: String(port), LANTAI_FIXITY_CRON: 'off', ...await engineEnv(t), ...env }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { listen: true, schedule: false, logger: createLogger('silent'), decisionRequired: false })
  t.teardown(() => service.close())
  const token = service.firstAdminSecret ?? ''
  await service.catalogue.projects.create({ code: PROJECT, name: '滨江花园二期', unit: null })
  return { service, port, dataDir, token }
}

function send (req: ClientRequest): Promise<{ status: number, type: string, body: string }> {
  return new Promise((resolve, reject) => {
    req.on('response', res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

function post (s: Listening, headers: Record<string, string>): ClientRequest {
  return request({
    host: '127.0.0.1', port: s.port, method: 'POST', path: `/v1/submissions?project=${PROJECT}`,
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-tar', ...headers }
  })
}

const final = (sub: Submission | null): Submission | undefined => sub !== null && ['stored', 'rejected', 'failed'].includes(sub.state) ? sub : undefined

t.test('a client that sends half the body and drops the socket leaves a failed UPLOAD_INCOMPLETE submission, nothing staged, and a service that still stores', async t => {
  const s = await listen(t)
  const tar = tarOf(t, makeBag(t, { 'a.bin': Buffer.alloc(300_000, 1), 'b.txt': 'beta' }))

  // 1. Announce the whole length, send half, and wait until the service is receiving it.
  const req = post(s, { 'content-length': String(tar.length) })
  req.on('error', () => {}) // the socket is destroyed on purpose
  req.write(tar.subarray(0, tar.length / 2))
  const receiving = await until('a submission in receiving', async () =>
    (await s.service.catalogue.submissions.list({ projectCode: PROJECT, limit: 10, offset: 0 })).items.find(i => i.state === 'receiving'))

  // 2. Drop the connection mid-body.
  req.destroy()
  const failed = await until(`${receiving.id} final`, async () => final(await s.service.catalogue.submissions.get(receiving.id)))
  t.match(failed, { state: 'failed', error: { code: 'UPLOAD_INCOMPLETE' }, packageId: null })
  // The submission turns failed first and its staging directory goes right after (a crash between the
  // two is cleaned at the next start), so this waits, bounded.
  await until(`${receiving.id}'s staging directory removed`, () => existsSync(join(s.dataDir, 'staging', receiving.id)) ? undefined : true)
  t.same(readdirSync(join(s.dataDir, 'staging')), [], 'staging holds nothing')
  t.equal(await s.service.catalogue.packages.getByProject(PROJECT), null, 'no package was created')

  // 3. The next, whole upload is stored.
  const good = post(s, { 'content-length': String(tar.length) })
  const answer = send(good)
  good.end(tar)
  const res = await answer
  t.equal(res.status, 202, res.body)
  const id = (JSON.parse(res.body) as { id: string }).id
  const stored = await until(`${id} final`, async () => final(await s.service.catalogue.submissions.get(id)))
  t.match(stored, { state: 'stored', version: 1 })
  await until('staging emptied', () => readdirSync(join(s.dataDir, 'staging')).length === 0 ? true : undefined)
})

t.test('a Content-Length over LANTAI_MAX_UPLOAD_BYTES gets 413 problem+json before the body is sent', async t => {
  const s = await listen(t, { LANTAI_MAX_UPLOAD_BYTES: '65536' })
  const announced = 512 * 1024 * 1024

  // A raw socket: the headers and one KB of a body announced as 512 MiB, then nothing more. An answer
  // can only come from a service that did not wait for the rest.
  const socket = connect(s.port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.on('error', () => {}) // the service may close the connection after answering
  const received: Buffer[] = []
  const closed = new Promise<void>(resolve => {
    socket.on('data', (c: Buffer) => {
      received.push(c)
      const text = Buffer.concat(received).toString('utf8')
      const head = text.indexOf('\r\n\r\n')
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text)?.[1]
      if (head >= 0 && length !== undefined && Buffer.byteLength(text.slice(head + 4)) >= Number(length)) resolve()
    })
    socket.on('close', () => resolve())
  })
  socket.write([
    `POST /v1/submissions?project=${PROJECT} HTTP/1.1`, 'host: 127.0.0.1', `authorization: Bearer ${s.token}`,
    'content-type: application/x-tar', `content-length: ${announced}`, '', ''
  ].join('\r\n'))
  socket.write(Buffer.alloc(1024))
  await Promise.race([closed, sleep(WAIT_MS, null, { ref: false }).then(() => { throw new Error(`no answer within ${WAIT_MS} ms`) })])

  const text = Buffer.concat(received).toString('utf8')
  const [head = '', body = ''] = text.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 413 /, 'status 413')
  t.match(head, /\r\ncontent-type: application\/problem\+json/i)
  t.match(JSON.parse(body), { status: 413, code: 'PAYLOAD_TOO_LARGE', type: /#PAYLOAD_TOO_LARGE$/ })
  t.equal((await s.service.catalogue.submissions.list({ projectCode: PROJECT, limit: 10, offset: 0 })).total, 0, 'no submission was created')
  t.same(readdirSync(join(s.dataDir, 'staging')), [], 'staging holds nothing')

  // The service still answers afterwards.
  const health = await send((() => { const r = request({ host: '127.0.0.1', port: s.port, path: '/healthz' }); r.end(); return r })())
  t.equal(health.status, 200)
})

// The client keeps its keep-alive socket: the service must still close at teardown without waiting out
// the 72 s keep-alive timeout (it used to leave the unread rest of the body paused on the connection).
t.test('a chunked upload (no Content-Length) that grows past LANTAI_MAX_UPLOAD_BYTES is cut off with 413 and keeps nothing', async t => {
  const s = await listen(t, { LANTAI_MAX_UPLOAD_BYTES: '65536' })
  const tar = tarOf(t, makeBag(t, { 'big.bin': Buffer.alloc(256 * 1024, 3) }))
  const req = post(s, { 'transfer-encoding': 'chunked' })
  const answer = send(req)
  for (let at = 0; at < tar.length; at += 16 * 1024) req.write(tar.subarray(at, at + 16 * 1024))
  req.end()
  const res = await answer.catch((err: NodeJS.ErrnoException) => ({ status: 0, type: '', body: err.code ?? err.message }))
  t.equal(res.status, 413, res.body)
  t.match(res.type, /problem\+json/)
  const sub = await until('the submission final', async () => final((await s.service.catalogue.submissions.list({ projectCode: PROJECT, limit: 10, offset: 0 })).items[0] ?? null))
  t.match(sub, { state: 'failed', error: { code: 'PAYLOAD_TOO_LARGE' } })
  await until('staging emptied', () => readdirSync(join(s.dataDir, 'staging')).length === 0 ? true : undefined)
  await Promise.race([s.service.close(), sleep(WAIT_MS, null, { ref: false }).then(() => { throw new Error(`close() still waits after ${WAIT_MS} ms on the refused upload's connection`) })])
  t.pass('the service closes while the client still holds its keep-alive socket')
})
