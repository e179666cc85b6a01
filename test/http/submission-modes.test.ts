import t, { type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { OcflObjectReader, validateStorageRoot } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { makeBag, type BagSpec } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// Issue 11, items 3 and 4: versions add up. A submission is a supplement (the default: its files add to
// or replace the head's, and its lantai-remove.txt removes) or a replacement (its payload is the whole
// head); it is a duplicate exactly when the head would stay as it is, decided again under the lease.

type Sub = Record<string, unknown> & { state: string, id: string }

async function project (s: TestService, code = '2024-310104-47-01-000201'): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: 'modes' } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return code
}

async function send (t: Test, s: TestService, payload: Record<string, string>, query = '', spec: BagSpec = {}): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=2024-310104-47-01-000201${query}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, payload, spec)) })
  if (res.statusCode !== 202) throw new Error(res.body)
  return (res.json() as { id: string }).id
}

const submit = async (t: Test, s: TestService, payload: Record<string, string>, query = '', spec: BagSpec = {}): Promise<Sub> =>
  await s.settle(await send(t, s, payload, query, spec)) as Sub

async function headPayload (s: TestService, packageId: string): Promise<string[]> {
  const res = await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/files?limit=500`, headers: s.auth() })
  return (res.json() as { items: Array<{ logicalPath: string }> }).items.map(f => f.logicalPath).filter(p => p.startsWith('data/'))
}

const download = async (s: TestService, packageId: string, path: string): Promise<{ statusCode: number, body: string }> =>
  await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/files/${path}`, headers: s.auth() })

const versionEvent = async (s: TestService, packageId: string, version: number): Promise<unknown> =>
  (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'package.version', limit: 100, offset: 0 })).items
    .find(e => (e.detail as { version: number }).version === version)?.detail

t.test('a second submission supplements the head: the first one\'s files are still there without ?version', async t => {
  const s = await buildTestApp(t)
  await project(s)
  const v1 = await submit(t, s, { 'a.txt': 'alpha' })
  const v2 = await submit(t, s, { 'b.txt': 'beta' })
  t.match(v2, { state: 'stored', version: 2, mode: 'supplement' })
  const packageId = String(v1.packageId)
  t.same(await headPayload(s, packageId), ['data/a.txt', 'data/b.txt'])
  t.match(await download(s, packageId, 'data/a.txt'), { statusCode: 200, body: 'alpha' })
  t.match(await s.catalogue.packages.get(packageId), { headVersion: 2, fileCount: (await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/files`, headers: s.auth() })).json().total })
  t.match(await versionEvent(s, packageId, 2), { mode: 'supplement', removed: [] })
  const check = await validateStorageRoot(new LocalBlobStore(join(s.dataDir, 'store')))
  t.same([...check.errors, ...check.warnings], [])
})

t.test('a supplement replaces a file it carries again with other bytes, and keeps the rest', async t => {
  const s = await buildTestApp(t)
  await project(s)
  const v1 = await submit(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  t.match(await submit(t, s, { 'a.txt': 'alpha, corrected' }), { state: 'stored', version: 2 })
  const packageId = String(v1.packageId)
  t.same(await headPayload(s, packageId), ['data/a.txt', 'data/b.txt'])
  t.match(await download(s, packageId, 'data/a.txt'), { body: 'alpha, corrected' })
  t.match(await download(s, packageId, 'data/a.txt?version=1'), { body: 'alpha' })
})

t.test('a replacement is the whole payload: what it does not carry leaves the head, recorded in the event and the OCFL message', async t => {
  const s = await buildTestApp(t)
  await project(s)
  const v1 = await submit(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  const v2 = await submit(t, s, { 'b.txt': 'beta', 'c.txt': 'gamma' }, '&mode=replace')
  t.match(v2, { state: 'stored', version: 2, mode: 'replace' })
  const packageId = String(v1.packageId)
  t.same(await headPayload(s, packageId), ['data/b.txt', 'data/c.txt'])
  t.equal((await download(s, packageId, 'data/a.txt')).statusCode, 404)
  t.match(await download(s, packageId, 'data/a.txt?version=1'), { statusCode: 200, body: 'alpha' })
  t.match(await versionEvent(s, packageId, 2), { mode: 'replace', removed: ['data/a.txt'] })
  const pkg = await s.catalogue.packages.get(packageId)
  const inventory = await new OcflObjectReader(new LocalBlobStore(join(s.dataDir, 'store'))).readInventory(pkg?.ocflId ?? '')
  t.equal(inventory.versions.v2?.message, `submission ${v2.id} (replace; removed: data/a.txt)`)
  t.equal((await s.catalogue.packages.versions(packageId))[1]?.message, inventory.versions.v2?.message)
  t.ok(Object.values(inventory.versions.v2?.state ?? {}).flat().includes(`submissions/${v1.id}/bagit.txt`), 'earlier submissions\' records stay: they are provenance, not payload')
})

t.test('a supplement removes exactly what its lantai-remove.txt names; a list naming what is not there is refused', async t => {
  const s = await buildTestApp(t)
  await project(s)
  const v1 = await submit(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta', 'c.txt': 'gamma' })
  const packageId = String(v1.packageId)
  const v2 = await submit(t, s, { 'd.txt': 'delta' }, '', { tagFiles: { 'lantai-remove.txt': '# withdrawn by the builder\ndata/a.txt\ndata/c.txt\n' } })
  t.match(v2, { state: 'stored', version: 2 })
  t.same(await headPayload(s, packageId), ['data/b.txt', 'data/d.txt'])
  t.match(await versionEvent(s, packageId, 2), { mode: 'supplement', removed: ['data/a.txt', 'data/c.txt'] })

  const typo = await submit(t, s, { 'e.txt': 'epsilon' }, '', { tagFiles: { 'lantai-remove.txt': 'data/b.text\n' } })
  t.match(typo, { state: 'rejected', error: { code: 'REMOVAL_INVALID', message: /data\/b\.text/ } })
  const onlyRemoval = await submit(t, s, { 'b.txt': 'beta' }, '', { tagFiles: { 'lantai-remove.txt': 'data/d.txt\n' } })
  t.match(onlyRemoval, { state: 'stored', version: 3 }, 'removing alone changes the head, so it is no duplicate')
  t.same(await headPayload(s, packageId), ['data/b.txt'])
  const withReplace = await submit(t, s, { 'b.txt': 'beta' }, '&mode=replace', { tagFiles: { 'lantai-remove.txt': 'data/b.txt\n' } })
  t.match(withReplace, { state: 'rejected', error: { code: 'REMOVAL_INVALID' } })
})

t.test('a duplicate is a submission that would leave the head as it is', async t => {
  const s = await buildTestApp(t)
  await project(s)
  const v1 = await submit(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  t.match(await submit(t, s, { 'a.txt': 'alpha' }), { state: 'rejected', error: { code: 'DUPLICATE_SUBMISSION' }, duplicateOf: v1.id }, 'a supplement of what is there')
  t.match(await submit(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' }, '&mode=replace'), { state: 'rejected', error: { code: 'DUPLICATE_SUBMISSION' } }, 'a replacement by the same payload')
  t.match(await submit(t, s, { 'a.txt': 'alpha' }, '&mode=replace'), { state: 'stored', version: 2 }, 'a replacement by part of it removes the rest')
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2024-310104-47-01-000201&mode=merge', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { 'x.txt': 'x' })) })).statusCode, 400)
})

t.test('four identical submissions at once become one version; the other three are duplicates of it', async t => {
  const s = await buildTestApp(t, { LANTAI_INGEST_CONCURRENCY: '4' })
  await project(s)
  const payload = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, `file ${i}`]))
  const ids = await Promise.all([0, 1, 2, 3].map(async () => await send(t, s, payload)))
  const subs = await Promise.all(ids.map(async id => await s.settle(id) as Sub))
  const stored = subs.filter(x => x.state === 'stored')
  t.equal(stored.length, 1, subs.map(x => `${x.id} ${x.state} v${String(x.version)}`).join('; '))
  for (const x of subs.filter(y => y.state !== 'stored')) t.match(x, { state: 'rejected', error: { code: 'DUPLICATE_SUBMISSION' }, duplicateOf: stored[0]?.id })
  t.equal((await s.catalogue.packages.get(String(stored[0]?.packageId)))?.headVersion, 1)
})

t.test('lantai ingest --mode replace sends a replacement, and shows the mode (needs npm run build)', async t => {
  const s = await buildTestApp(t)
  await project(s)
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const env = { LANTAI_URL: `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`, LANTAI_TOKEN: s.admin }
  const first = await lantaiAsync(['ingest', makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta' }), '--project', '2024-310104-47-01-000201'], { env })
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /^STORED sub_\w+: package pkg_\w+ version 1 \(supplement\)/)
  const second = await lantaiAsync(['ingest', makeBag(t, { 'b.txt': 'beta' }), '--project', '2024-310104-47-01-000201', '--mode', 'replace'], { env })
  t.equal(second.code, 0, second.stderr)
  const [, packageId] = /^STORED sub_\w+: package (pkg_\w+) version 2 \(replace\)/.exec(second.stdout) ?? []
  t.same(await headPayload(s, packageId ?? ''), ['data/b.txt'])
  t.equal((await lantaiAsync(['ingest', makeBag(t, { 'c.txt': 'c' }), '--project', '2024-310104-47-01-000201', '--mode', 'merge'], { env })).code, 2, 'an unknown mode is a usage error')
})
