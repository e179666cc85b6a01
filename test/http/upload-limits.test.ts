import t, { type Test } from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { bagFiles, deflatedZeros, fileEntries, tarGzBomb, writeTar, writeZip, zipEntries } from '../fixtures/archives.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { engineEnv } from '../fixtures/databases.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'
import { freePort } from '../fixtures/service-process.js'

// Uploads are judged by their bytes: empty is 400, not an archive is 415 naming what it is, an archive
// is read as the archive it is whatever its declared type, and a package that hits a limit while it is
// unpacked is 413 naming the limit and its rule, with nothing kept.

const PROJECT = '2026-310104-47-01-000511' // the unified project code form
const MiB = 1024 * 1024

async function setup (t: Test): Promise<TestService> {
  const s = await buildTestApp(t)
  const res = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: PROJECT, name: '滨江花园二期' } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return s
}

async function post (s: TestService, body: Buffer | string, type?: string): Promise<{ statusCode: number, headers: Record<string, unknown>, json: Record<string, unknown> }> {
  const res = await s.app.inject({
    method: 'POST', url: `/v1/submissions?project=${PROJECT}`, payload: body,
    headers: { ...s.auth(), ...(type === undefined ? {} : { 'content-type': type }) }
  })
  return { statusCode: res.statusCode, headers: res.headers, json: res.json() as Record<string, unknown> }
}

const submissions = async (s: TestService): Promise<Array<{ state: string, contentType: string, error: { code: string } | null }>> =>
  ((await s.app.inject({ method: 'GET', url: `/v1/submissions?project=${PROJECT}`, headers: s.auth() })).json() as { items: Array<{ state: string, contentType: string, error: { code: string } | null }> }).items

async function file (t: Test, name: string, write: (path: string) => Promise<void>): Promise<Buffer> {
  const path = join(scratch(t), name)
  await write(path)
  return readFileSync(path)
}

t.test('an empty upload is 400 UPLOAD_EMPTY, not a submission', async t => {
  const s = await setup(t)
  for (const type of ['application/x-tar', 'application/octet-stream', undefined]) {
    const res = await post(s, '', type)
    t.equal(res.statusCode, 400, `content type ${String(type)}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json, { code: 'UPLOAD_EMPTY', status: 400, detail: /0 bytes/ })
  }
  t.same(await submissions(s), [], 'no submission was made')
})

t.test('a body that is no archive is 415 UPLOAD_NOT_AN_ARCHIVE naming its first bytes, whatever its declared type', async t => {
  const s = await setup(t)
  const pdf = await post(s, '%PDF-1.7\n1 0 obj << >> endobj\n', 'application/pdf')
  t.equal(pdf.statusCode, 415)
  t.match(pdf.json, { code: 'UPLOAD_NOT_AN_ARCHIVE', detail: /25 50 44 46 .*a PDF document.*application\/pdf/ })
  const text = await post(s, 'definitely not a tar file, just text'.repeat(20), 'application/x-tar')
  t.equal(text.statusCode, 415)
  t.match(text.json, { code: 'UPLOAD_NOT_AN_ARCHIVE', detail: /\(text\).*application\/x-tar/ })
  const json = await post(s, JSON.stringify({ package: 'no' }), 'application/json')
  t.equal(json.statusCode, 415, 'JSON is not parsed on this route: its bytes are judged')
  t.match(json.json, { code: 'UPLOAD_NOT_AN_ARCHIVE', detail: /JSON/ })
  t.same(await submissions(s), [])
})

t.test('a package is recognised by its bytes: tar as octet-stream, tar.gz declared as zip, zip as JSON are all stored', async t => {
  const s = await setup(t)
  const bag = makeBag(t, { '竣工图/总平面图.pdf': '%PDF-1.7 plan' })
  const zip = await file(t, 'bag.zip', async path => { await writeZip(path, zipEntries(bagFiles({ 'a.txt': 'alpha' }))) })
  const cases: Array<[Buffer, string, string]> = [
    [tarOf(t, bag), 'application/octet-stream', 'application/x-tar'],
    [tarOf(t, makeBag(t, { 'b.txt': 'beta' }), true), 'application/zip', 'application/gzip'],
    [zip, 'application/json', 'application/zip']
  ]
  for (const [body, declared, recorded] of cases) {
    const res = await post(s, body, declared)
    t.equal(res.statusCode, 202, `${declared}: ${JSON.stringify(res.json)}`)
    t.match(res.json, { contentType: recorded }, `sent as ${declared}, recorded as ${recorded}`)
    t.match(await s.settle(res.json.id as string), { state: 'stored' })
  }
})

t.test('a gzip bomb is 413 PACKAGE_LIMIT_EXCEEDED naming maxCompressionRatio, after little was written, and nothing is kept', async t => {
  const s = await setup(t)
  const bomb = tarGzBomb(bagFiles({ 'a.txt': 'alpha' }, 'bag/'), 'bag/data/zeros.bin', 64)
  const res = await post(s, bomb, 'application/gzip')
  t.equal(res.statusCode, 413, JSON.stringify(res.json))
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json, {
    code: 'PACKAGE_LIMIT_EXCEEDED',
    detail: /BAG_LIMIT_COMPRESSION_RATIO \(Lantai L3 limits\.maxCompressionRatio\).*bag\/data\/zeros\.bin/,
    findings: [{ code: 'BAG_LIMIT_COMPRESSION_RATIO', path: 'bag/data/zeros.bin', rule: /maxCompressionRatio/ }]
  })
  // The finding says how many bytes had gone to staging when the bomb was stopped.
  const written = Number(/(\d+) bytes from/.exec(String(res.json.detail))?.[1])
  t.ok(written < 2 * MiB, `${written} bytes of 64 MiB written to staging`)
  t.match(await submissions(s), [{ state: 'failed', error: { code: 'PACKAGE_LIMIT_EXCEEDED' } }])
  t.same(readdirSync(join(s.dataDir, 'staging')), [], 'nothing is left in staging')
})

t.test('a zip bomb is 413 PACKAGE_LIMIT_EXCEEDED as well', async t => {
  const s = await setup(t)
  const bomb = await file(t, 'bomb.zip', async path => {
    await writeZip(path, [...zipEntries(bagFiles({ 'a.txt': 'alpha' })), { name: 'data/zeros.bin', packed: deflatedZeros(64) }])
  })
  const res = await post(s, bomb, 'application/zip')
  t.equal(res.statusCode, 413, JSON.stringify(res.json))
  t.match(res.json, { code: 'PACKAGE_LIMIT_EXCEEDED', findings: [{ code: 'BAG_LIMIT_COMPRESSION_RATIO', path: 'data/zeros.bin' }] })
  t.same(readdirSync(join(s.dataDir, 'staging')), [])
})

t.test('a tar bag with CR, LF and "%" in its names and a path 200 deep is received and checked like a directory bag', async t => {
  const s = await setup(t)
  const payload = { 'line\nbreak.txt': 'n', 'cr\rname.txt': 'r', '100%.txt': 'pct', [`${'d/'.repeat(200)}deep.txt`]: 'deep' }
  const tar = await file(t, 'bag.tar', async path => { await writeTar(path, fileEntries(bagFiles(payload))) })
  const res = await post(s, tar, 'application/x-tar')
  t.equal(res.statusCode, 202, JSON.stringify(res.json))
  const sub = await s.settle(res.json.id as string)
  t.match(sub, { state: 'stored', report: { valid: true, errors: [] } })
})

t.test('over a real socket, a tar sent in pieces as application/octet-stream is received, and a gzip bomb gets its 413', async t => {
  const dataDir = scratch(t)
  const port = await freePort()
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_HOST: '127.0.0.1', LANTAI_PORT: String(port), LANTAI_FIXITY_CRON: 'off', ...await engineEnv(t) }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { listen: true, schedule: false, logger: createLogger('silent'), decisionRequired: false })
  t.teardown(() => service.close())
  await service.catalogue.projects.create({ code: PROJECT, name: '滨江花园二期', unit: null })
  // 1. The body arrives in pieces of 100 bytes: the first 512 are gathered for the sniff and given back.
  const send = (body: Buffer, type: string): Promise<{ status: number, json: Record<string, unknown> }> => new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, method: 'POST', path: `/v1/submissions?project=${PROJECT}`,
      headers: { authorization: `Bearer ${service.firstAdminSecret ?? ''}`, 'content-type': type, 'content-length': String(body.length) }
    })
    req.on('response', res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }))
    })
    req.on('error', reject)
    const write = async (): Promise<void> => {
      for (let at = 0; at < body.length; at += 100) {
        if (!req.write(body.subarray(at, at + 100))) await new Promise(resolve => req.once('drain', resolve))
      }
      req.end()
    }
    write().catch(reject)
  })
  const ok = await send(tarOf(t, makeBag(t, { 'a.txt': 'alpha' })), 'application/octet-stream')
  t.equal(ok.status, 202, JSON.stringify(ok.json))
  t.match(ok.json, { contentType: 'application/x-tar', bytesReceived: Number })
  // Stored before the test ends: tap removes the data directory before the service's teardown runs.
  for (;;) {
    const sub = await service.catalogue.submissions.get(ok.json.id as string)
    if (sub !== null && ['stored', 'rejected', 'failed'].includes(sub.state)) { t.equal(sub.state, 'stored'); break }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  // 2. The bomb is stopped while its body is still arriving; the answer still reaches the client.
  const bomb = await send(tarGzBomb(bagFiles({ 'a.txt': 'alpha' }, 'bag/'), 'bag/data/zeros.bin', 64), 'application/gzip')
  t.equal(bomb.status, 413, JSON.stringify(bomb.json))
  t.match(bomb.json, { code: 'PACKAGE_LIMIT_EXCEEDED', findings: [{ code: 'BAG_LIMIT_COMPRESSION_RATIO' }] })
})
