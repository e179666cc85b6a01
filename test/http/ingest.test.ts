import t from 'tap'
import { createHash } from 'node:crypto'

import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { Readable } from 'node:stream'
import { objectRootOf, validateStorageRoot } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { basicBag, makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')

async function project (s: TestService, code = '2026-310104-47-01-000001'): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: '滨江花园二期', unit: '某建设单位' } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return code
}

async function submit (s: TestService, code: string, body: Buffer, type = 'application/x-tar'): Promise<{ statusCode: number, json: Record<string, unknown> }> {
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${code}`, headers: { ...s.auth(), 'content-type': type }, payload: body })
  return { statusCode: res.statusCode, json: res.json() as Record<string, unknown> }
}

t.test('each file keeps sha512 and SM3 plus what its bag\'s manifests declare: sha256 and md5 only when declared', async t => {
  const s = await buildTestApp(t)
  const code = await project(s)
  const hex = (alg: string, data: string): string => createHash(alg).update(data).digest('hex')
  type FileItem = { logicalPath: string, sha512: string, sm3: string, sha256: string | null, md5: string | null, otherDigests: Record<string, string> }
  // The listing's digest fields only (not version, content path, size, format).
  const filesOf = async (packageId: string, version: number): Promise<FileItem[]> =>
    ((await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/files?version=${version}`, headers: s.auth() })).json() as { items: FileItem[] }).items
      .map(({ logicalPath, sha512, sm3, sha256, md5, otherDigests }) => ({ logicalPath, sha512, sm3, sha256, md5, otherDigests }))

  // 1. A bag with a sha512 manifest alone: nothing beyond sha512 and SM3 is computed or kept.
  const only512 = await s.settle((await submit(s, code, tarOf(t, makeBag(t, { 'plan.pdf': 'plan v1' }, { algorithms: ['sha512'] })))).json.id as string)
  t.match(only512, { state: 'stored', version: 1 })
  const packageId = String(only512.packageId)
  const [plan] = (await filesOf(packageId, 1)).filter(f => f.logicalPath === 'data/plan.pdf')
  t.same(plan, { logicalPath: 'data/plan.pdf', sha512: hex('sha512', 'plan v1'), sm3: hex('sm3', 'plan v1'), sha256: null, md5: null, otherDigests: {} }, 'only sha512 and sm3')
  const dl = await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/files/data/plan.pdf`, headers: s.auth() })
  t.equal(dl.headers['x-lantai-sha256'], undefined)
  t.equal(dl.headers['x-lantai-sm3'], hex('sm3', 'plan v1'))
  t.match(dl.headers['repr-digest'], /^sha-512=:/)

  // 2. sha1 and sha256 declared: both kept, each verified against its manifest, both in the inventory's fixity block.
  const both = await s.settle((await submit(s, code, tarOf(t, makeBag(t, { 'plan.pdf': 'plan v2' }, { algorithms: ['sha1', 'sha256'] })))).json.id as string)
  t.match(both, { state: 'stored', version: 2 })
  const [plan2] = (await filesOf(packageId, 2)).filter(f => f.logicalPath === 'data/plan.pdf')
  t.same(plan2, { logicalPath: 'data/plan.pdf', sha512: hex('sha512', 'plan v2'), sm3: hex('sm3', 'plan v2'), sha256: hex('sha256', 'plan v2'), md5: null, otherDigests: { sha1: hex('sha1', 'plan v2') } })
  const pkg = await s.catalogue.packages.get(packageId)
  const inventory = JSON.parse(readFileSync(join(s.dataDir, 'store', objectRootOf(pkg?.ocflId ?? ''), 'inventory.json'), 'utf8')) as { fixity: Record<string, Record<string, string[]>> }
  t.same(inventory.fixity.sha1?.[hex('sha1', 'plan v2')], ['v2/content/data/plan.pdf'])
  t.same(inventory.fixity.sha256?.[hex('sha256', 'plan v2')], ['v2/content/data/plan.pdf'])
  t.equal(inventory.fixity.md5, undefined, 'md5 was declared by no bag')
  const check = await validateStorageRoot(new LocalBlobStore(join(s.dataDir, 'store')))
  t.same([...check.errors, ...check.warnings], [], 'the stored object validates clean')
})

t.test('a conformance bag sent as a tar is stored, and a file comes back with the same sha256', async t => {
  const s = await buildTestApp(t)
  const code = await project(s)
  const bag = basicBag(t)
  const res = await submit(s, code, tarOf(t, bag))
  t.equal(res.statusCode, 202)
  t.match(res.json, { id: /^sub_/, projectCode: code, state: 'received' })
  const sub = await s.settle(res.json.id as string)
  t.match(sub, { state: 'stored', progress: 100, version: 1, report: { valid: true, errors: [] } })

  const pkg = (await s.app.inject({ method: 'GET', url: `/v1/packages/${String(sub.packageId)}`, headers: s.auth() })).json() as { headVersion: number, versions: unknown[], ocflId: string }
  t.match(pkg, { headVersion: 1, versions: [{ number: 1, submissionId: sub.id }] })
  const original = (await import('node:fs')).readFileSync(join(bag, 'data/bare-filename'))
  const dl = await s.app.inject({ method: 'GET', url: `/v1/packages/${String(sub.packageId)}/files/data/bare-filename`, headers: s.auth() })
  t.equal(dl.statusCode, 200)
  t.equal(sha256(dl.rawPayload), sha256(original))
  // The bag declares md5 alone: md5 is kept and sent, sha256 is neither computed nor sent.
  t.equal(dl.headers['x-lantai-md5'], createHash('md5').update(original).digest('hex'))
  t.equal(dl.headers['x-lantai-sha256'], undefined)
  t.match(dl.headers['repr-digest'], /^sha-512=:[A-Za-z0-9+/=]+:$/)

  const part = await s.app.inject({ method: 'GET', url: `/v1/packages/${String(sub.packageId)}/files/data/bare-filename`, headers: { ...s.auth(), range: 'bytes=2-5' } })
  t.equal(part.statusCode, 206)
  t.equal(part.headers['content-range'], `bytes 2-5/${original.length}`)
  t.same(part.rawPayload, original.subarray(2, 6))
  const bad = await s.app.inject({ method: 'GET', url: `/v1/packages/${String(sub.packageId)}/files/data/bare-filename`, headers: { ...s.auth(), range: 'bytes=999-' } })
  t.equal(bad.statusCode, 416)

  const files = (await s.app.inject({ method: 'GET', url: `/v1/packages/${String(sub.packageId)}/files`, headers: s.auth() })).json() as { items: Array<{ logicalPath: string, sm3: string }> }
  t.ok(files.items.some(f => f.logicalPath === 'data/bare-filename' && /^[0-9a-f]{64}$/.test(f.sm3)))
  t.ok(files.items.some(f => f.logicalPath === `submissions/${String(sub.id)}/bagit.txt`), 'the bag\'s tag files are kept with the version')

  const events = (await s.app.inject({ method: 'GET', url: `/v1/packages/${String(sub.packageId)}/events`, headers: s.auth() })).json() as { items: Array<{ type: string }> }
  t.ok(events.items.some(e => e.type === 'package.version'))

  const store = new LocalBlobStore(join(s.dataDir, 'store'))
  const check = await validateStorageRoot(store)
  t.same([...check.errors, ...check.warnings], [], 'the stored object validates clean')
})

t.test('an invalid bag is kept with its full report and not stored', async t => {
  const s = await buildTestApp(t)
  const code = await project(s)
  const res = await submit(s, code, tarOf(t, basicBag(t, { corrupt: true }), true), 'application/gzip')
  t.equal(res.statusCode, 202)
  const sub = await s.settle(res.json.id as string)
  t.match(sub, { state: 'rejected', packageId: null, error: { code: 'PACKAGE_INVALID' } })
  const report = sub.report as { valid: boolean, errors: Array<{ code: string, path: string }> }
  t.equal(report.valid, false)
  t.same(report.errors.map(e => e.code).sort(), ['BAG_CHECKSUM_MISMATCH', 'BAG_INFO_OXUM_MISMATCH'])
})

t.test('a supplement becomes version 2; the same package sent again is a duplicate', async t => {
  const s = await buildTestApp(t)
  const code = await project(s)
  const first = makeBag(t, { '竣工图/总平面图.pdf': '%PDF-1.7 plan' })
  const v1 = await s.settle((await submit(s, code, tarOf(t, first))).json.id as string)
  t.match(v1, { state: 'stored', version: 1 })
  // The same bag packed another way: the package digest is over the files, not the archive.
  const again = await s.settle((await submit(s, code, tarOf(t, first, true), 'application/gzip')).json.id as string)
  t.match(again, { state: 'rejected', error: { code: 'DUPLICATE_SUBMISSION' }, sha256: v1.sha256, duplicateOf: v1.id })
  const lines = readdirSync(first, { recursive: true, withFileTypes: true }).filter(d => d.isFile())
    .map(d => relative(first, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(p => `${createHash('sha512').update(readFileSync(join(first, p))).digest('hex')}  ${p}\n`)
  t.equal(v1.sha256, createHash('sha256').update(lines.join('')).digest('hex'), 'sha256 over "<sha512>  <path>" of every file, sorted by path')
  const second = makeBag(t, { '竣工图/总平面图.pdf': '%PDF-1.7 plan', '声像/开工.jpg': 'jpeg bytes' })
  const v2 = await s.settle((await submit(s, code, tarOf(t, second))).json.id as string)
  t.match(v2, { state: 'stored', version: 2 })
  const files = (await s.app.inject({ method: 'GET', url: `/v1/packages/${String(v2.packageId)}/files?version=2`, headers: s.auth() })).json() as { items: Array<{ logicalPath: string, contentPath: string }> }
  const plan = files.items.find(f => f.logicalPath === 'data/竣工图/总平面图.pdf')
  t.match(plan?.contentPath, /^v1\/content\//, 'unchanged bytes are not stored twice')
})

t.test('zip uploads work too', async t => {
  const s = await buildTestApp(t)
  const code = await project(s)
  const { execFileSync } = await import('node:child_process')
  const bag = makeBag(t, { 'a.txt': 'alpha' })
  execFileSync('zip', ['-qr', join(bag, '..', 'bag.zip'), '.'], { cwd: bag })
  const body = (await import('node:fs')).readFileSync(join(bag, '..', 'bag.zip'))
  const sub = await s.settle((await submit(s, code, body, 'application/zip')).json.id as string)
  t.match(sub, { state: 'stored' })
})

t.test('bad requests get clear problems and leave nothing behind', async t => {
  const s = await buildTestApp(t, { LANTAI_MAX_UPLOAD_BYTES: '4096' })
  const code = await project(s)
  const tar = tarOf(t, makeBag(t, { 'a.txt': 'alpha' }))

  const unknown = await submit(s, 'NO-SUCH', tar)
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json, { code: 'PROJECT_NOT_FOUND' })

  const wrongType = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${code}`, headers: { ...s.auth(), 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(wrongType.statusCode, 415)
  t.match(wrongType.headers['content-type'], /problem\+json/)

  const big = tarOf(t, makeBag(t, { 'big.bin': Buffer.alloc(64 * 1024, 7) }))
  const tooLarge = await submit(s, code, big)
  t.equal(tooLarge.statusCode, 413)
  t.match(tooLarge.json, { code: 'PAYLOAD_TOO_LARGE' })

  const notArchive = await submit(s, code, Buffer.from('definitely not a tar file, just text'.repeat(20)))
  t.equal(notArchive.statusCode, 415, 'a body is known by its bytes: text is no archive, whatever its type says')
  t.match(notArchive.json, { code: 'UPLOAD_NOT_AN_ARCHIVE' })

  const { readdirSync } = await import('node:fs')
  t.same(readdirSync(join(s.dataDir, 'staging')), [], 'staging is empty')
  // An announced size over the limit is refused before a submission exists; the access log has it.
  const { secret: auditor } = await s.catalogue.tokens.create({ role: 'auditor', label: 'auditor' })
  const log = (await s.app.inject({ method: 'GET', url: '/v1/access-log', headers: s.auth(auditor) })).json() as { items: Array<{ route: string, status: number }> }
  t.ok(log.items.some(i => i.route === '/v1/submissions' && i.status === 413), 'the refused upload is on record')
})

t.test('a truncated upload fails as UPLOAD_INCOMPLETE and keeps nothing', async t => {
  const s = await buildTestApp(t)
  const code = await project(s)
  const tar = tarOf(t, makeBag(t, { 'a.bin': Buffer.alloc(200_000, 1) }))
  const res = await s.app.inject({
    method: 'POST', url: `/v1/submissions?project=${code}`,
    headers: { ...s.auth(), 'content-type': 'application/x-tar', 'content-length': String(tar.length) },
    payload: Readable.from([tar.subarray(0, 100_000)])
  })
  t.ok([400, 202].includes(res.statusCode), `status ${res.statusCode}`)
  const list = (await s.app.inject({ method: 'GET', url: `/v1/submissions?project=${code}`, headers: s.auth() })).json() as { items: Array<{ state: string, error: { code: string } | null }> }
  t.ok(list.items.every(i => i.state === 'failed' || i.state === 'rejected'))
  t.same((await import('node:fs')).readdirSync(join(s.dataDir, 'staging')), [])
})

t.test('the submission list and the package search find by project', async t => {
  const s = await buildTestApp(t)
  const code = await project(s, '2026-440304-47-01-000042')
  await s.settle((await submit(s, code, tarOf(t, makeBag(t, { 'a.txt': 'alpha' })))).json.id as string)
  const found = (await s.app.inject({ method: 'GET', url: '/v1/packages?q=0042', headers: s.auth() })).json() as { items: Array<{ projectCode: string }>, total: number }
  t.equal(found.total, 1)
  t.equal(found.items[0]?.projectCode, code)
  const none = (await s.app.inject({ method: 'GET', url: '/v1/packages?q=9999', headers: s.auth() })).json() as { total: number }
  t.equal(none.total, 0)
})


t.test('two submissions of one project checked at once become v1 and v2 of one valid object', async t => {
  const s = await buildTestApp(t, { LANTAI_INGEST_CONCURRENCY: '2' })
  const code = await project(s)
  const a = tarOf(t, makeBag(t, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a/${i}.txt`, `first ${i}`]))))
  const b = tarOf(t, makeBag(t, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`b/${i}.txt`, `second ${i}`]))))
  const [ra, rb] = await Promise.all([submit(s, code, a), submit(s, code, b)])
  const [sa, sb] = await Promise.all([s.settle(ra.json.id as string), s.settle(rb.json.id as string)])
  t.same([sa.state, sb.state], ['stored', 'stored'])
  t.same([sa.version, sb.version].sort(), [1, 2])
  const check = await validateStorageRoot(new LocalBlobStore(join(s.dataDir, 'store')))
  t.same([...check.errors, ...check.warnings], [], 'the object validates clean')
})
