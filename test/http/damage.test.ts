import t, { type Test } from 'tap'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { FixityService, type FixityPolicy } from '../../src/fixity/index.js'
import { createLogger } from '../../src/logger.js'
import { objectRootOf, OcflObjectReader, validateStorageRoot } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// Issue 11, items 2 and 17: damaged content is never served, never reused, and a resubmission of the
// original bytes repairs it (the bad bytes quarantined); a download verifies what it streams.

const POLICY: FixityPolicy = { schedule: 'off', maxAgeDays: 90, batch: { files: 2000, bytes: 1 << 30 }, rateBytesPerSecond: 1 << 30, graceSeconds: 0 }

const fixityOf = (s: TestService): FixityService =>
  new FixityService({ catalogue: s.catalogue, reader: new OcflObjectReader(new LocalBlobStore(join(s.dataDir, 'store'))), pool: s.ingest.deps.pool, policy: POLICY, log: createLogger('silent') })

async function submit (t: Test, s: TestService, bag: string, query = ''): Promise<Record<string, unknown> & { state: string }> {
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=2024-310104-47-01-000202${query}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, bag) })
  if (res.statusCode !== 202) throw new Error(res.body)
  return await s.settle((res.json() as { id: string }).id)
}

async function stored (t: Test, s: TestService, files: Record<string, string | Buffer>): Promise<{ bag: string, packageId: string, objectRoot: string }> {
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2024-310104-47-01-000202', name: 'damage' } })
  const bag = makeBag(t, files)
  const sub = await submit(t, s, bag)
  const pkg = await s.catalogue.packages.get(String(sub.packageId))
  if (pkg === null) throw new Error(`not stored: ${JSON.stringify(sub)}`)
  return { bag, packageId: pkg.id, objectRoot: new LocalBlobStore(join(s.dataDir, 'store')).pathOf(objectRootOf(pkg.ocflId)) }
}

const download = async (s: TestService, packageId: string, path: string, headers: Record<string, string> = {}) =>
  await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/files/${path}`, headers: { ...s.auth(), ...headers } })

const SUCCESS_HEADERS = ['repr-digest', 'x-lantai-sha256', 'x-lantai-sm3', 'x-lantai-md5', 'etag', 'content-disposition']

const packageEvents = async (s: TestService, packageId: string, type: string) => (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type, limit: 100, offset: 0 })).items

t.test('a damaged file is refused with FILE_DAMAGED naming the event, whole or in part, without the file\'s headers', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  writeFileSync(join(objectRoot, 'v1/content/data/a.txt'), 'alphA')
  await fixityOf(s).run({ mode: 'all' })
  const [event] = await packageEvents(s, packageId, 'content.damaged')
  t.ok(event !== undefined, 'the damage is an event of the package')
  for (const range of [undefined, 'bytes=0-1']) {
    const res = await download(s, packageId, 'data/a.txt', range === undefined ? {} : { range })
    t.equal(res.statusCode, 409, range ?? 'whole')
    t.match(res.json(), { code: 'FILE_DAMAGED', event: event?.id, detail: new RegExp(`event ${String(event?.id)}`) })
    for (const h of SUCCESS_HEADERS) t.notOk(h in res.headers, `no ${h}`)
  }
  t.equal((await download(s, packageId, 'data/b.txt')).body, 'beta', 'the intact file is still served')
})

t.test('sending the original bag again repairs the damage: bad bytes quarantined, events, healthy after a fixity re-check', async t => {
  const s = await buildTestApp(t)
  const { bag, packageId, objectRoot } = await stored(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  writeFileSync(join(objectRoot, 'v1/content/data/a.txt'), 'alphA')
  await fixityOf(s).run({ mode: 'all' })
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'damaged')

  const again = await submit(t, s, bag)
  t.match(again, { state: 'stored', version: 2, error: null }, 'not refused as a duplicate: it carries the good bytes')
  const [quarantined] = await packageEvents(s, packageId, 'content.quarantined')
  t.match(quarantined?.detail, { contentPath: 'v1/content/data/a.txt', submissionId: again.id })
  const key = (quarantined?.detail as { quarantineKey: string }).quarantineKey
  t.match(key, /\/logs\/quarantine\//)
  t.equal(readFileSync(new LocalBlobStore(join(s.dataDir, 'store')).pathOf(key), 'utf8'), 'alphA', 'the bad bytes are kept')
  t.match(await packageEvents(s, packageId, 'content.repaired'), [{ detail: { contentPath: 'v1/content/data/a.txt', submissionId: again.id } }])
  t.match((await packageEvents(s, packageId, 'package.version')).at(-1)?.detail, { version: 2, repaired: ['v1/content/data/a.txt'] })
  t.equal(readFileSync(join(objectRoot, 'v1/content/data/a.txt'), 'utf8'), 'alpha', 'the content file holds the right bytes again')

  const dl = await download(s, packageId, 'data/a.txt')
  t.equal(dl.statusCode, 200)
  t.equal(dl.body, 'alpha')
  t.equal((await download(s, packageId, 'data/a.txt?version=1')).body, 'alpha', 'v1 reads the repaired content too')

  t.equal((await s.catalogue.packages.get(packageId))?.state, 'damaged', 'until fixity has looked again')
  const recheck = await fixityOf(s).run({ mode: 'due' })
  t.match(recheck, { mismatches: 0, missing: 0 })
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'active')
  t.equal((await packageEvents(s, packageId, 'package.active')).length, 1)
  const check = await validateStorageRoot(new LocalBlobStore(join(s.dataDir, 'store')))
  t.same([...check.errors, ...check.warnings], [], 'the object validates clean, quarantine and all')

  const third = await submit(t, s, bag)
  t.match(third, { state: 'rejected', error: { code: 'DUPLICATE_SUBMISSION' } }, 'once whole, the same bag is a duplicate again')
})

t.test('a supplement with the good bytes under another path never maps to the damaged content as it is', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  rmSync(join(objectRoot, 'v1/content/data/a.txt'))
  await fixityOf(s).run({ mode: 'all' })
  const sub = await submit(t, s, makeBag(t, { 'copy-of-a.txt': 'alpha' }))
  t.match(sub, { state: 'stored', version: 2 })
  const copy = await download(s, packageId, 'data/copy-of-a.txt')
  t.equal(copy.statusCode, 200)
  t.equal(copy.body, 'alpha')
  t.equal((await download(s, packageId, 'data/a.txt')).body, 'alpha', 'the missing file is back')
  t.same(await packageEvents(s, packageId, 'content.quarantined'), [], 'nothing was there to quarantine')
})

t.test('a download verifies as it streams: damage found on the way cuts the response short and is recorded', async t => {
  const s = await buildTestApp(t)
  const big = Buffer.alloc(600_000, 'x')
  const { packageId, objectRoot } = await stored(t, s, { 'big.bin': big, 'small.txt': 'small' })
  const bad = Buffer.from(big)
  bad[bad.length - 1] = 0x79
  writeFileSync(join(objectRoot, 'v1/content/data/big.bin'), bad)
  writeFileSync(join(objectRoot, 'v1/content/data/small.txt'), 'smalL')

  // 1. A real socket: the body stops short of Content-Length, never a whole body of bad bytes.
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = s.app.server.address() as AddressInfo
  const got = await new Promise<{ length: number, received: number, aborted: boolean }>(resolve => {
    const req = request({ port, host: '127.0.0.1', path: `/v1/packages/${packageId}/files/data/big.bin`, headers: s.auth() }, res => {
      let received = 0
      res.on('data', (c: Buffer) => { received += c.length })
      res.on('end', () => resolve({ length: Number(res.headers['content-length']), received, aborted: false }))
      res.on('error', () => resolve({ length: Number(res.headers['content-length']), received, aborted: true }))
    })
    req.on('error', () => resolve({ length: 0, received: 0, aborted: true }))
    req.end()
  })
  t.equal(got.length, big.length)
  t.ok(got.aborted, 'the connection is cut')
  t.ok(got.received < big.length, `${got.received} of ${big.length} bytes arrived`)
  const [found] = await packageEvents(s, packageId, 'content.damaged')
  t.match(found?.detail, { contentPath: 'v1/content/data/big.bin', source: 'download', outcome: 'mismatch' })
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'damaged')
  t.match((await download(s, packageId, 'data/big.bin')).json(), { code: 'FILE_DAMAGED', event: found?.id })

  // 2. A file of one chunk: nothing was sent yet, so the answer is the problem itself, without the file's headers.
  const small = await download(s, packageId, 'data/small.txt')
  t.equal(small.statusCode, 409)
  t.match(small.json(), { code: 'FILE_DAMAGED' })
  for (const h of SUCCESS_HEADERS) t.notOk(h in small.headers, `no ${h}`)
  t.equal((await packageEvents(s, packageId, 'content.damaged')).length, 2)
})

t.test('a version that does not exist is 404; missing content is 404 without store keys or the file\'s headers', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  const v9 = await download(s, packageId, 'data/a.txt?version=9')
  t.equal(v9.statusCode, 404)
  t.match(v9.json(), { code: 'VERSION_NOT_FOUND' })
  t.match((await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/files?version=9`, headers: s.auth() })).json(), { code: 'VERSION_NOT_FOUND' })
  t.equal((await download(s, packageId, 'data/a.txt?version=1')).body, 'alpha')

  rmSync(join(objectRoot, 'v1/content/data/b.txt'))
  t.ok(!existsSync(join(objectRoot, 'v1/content/data/b.txt')))
  const gone = await download(s, packageId, 'data/b.txt')
  t.equal(gone.statusCode, 404)
  const root = objectRootOf((await s.catalogue.packages.get(packageId))?.ocflId ?? '')
  t.notMatch(gone.body, root.split('/').at(-1) ?? root, 'no store key')
  t.notMatch(gone.body, 'v1/content', 'no content path')
  for (const h of [...SUCCESS_HEADERS, 'accept-ranges']) t.notOk(h in gone.headers, `no ${h}`)
  t.match(await packageEvents(s, packageId, 'content.damaged'), [{ detail: { contentPath: 'v1/content/data/b.txt', source: 'download', outcome: 'missing' } }])
})
