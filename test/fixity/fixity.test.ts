import t, { type Test } from 'tap'
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compareThree, FixityService, loadFixityPolicy, type FixityPolicy } from '../../src/fixity/index.js'
import { createLogger } from '../../src/logger.js'
import { objectRootOf, OcflObjectReader } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

const POLICY: FixityPolicy = { schedule: 'off', maxAgeDays: 90, batch: { files: 2000, bytes: 1 << 30 }, rateBytesPerSecond: 1 << 30, graceSeconds: 0 }

async function stored (t: Test, s: TestService): Promise<{ packageId: string, objectRoot: string }> {
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2024-310104-47-01-000204', name: 'fixity' } })
  const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2024-310104-47-01-000204', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta' })) })
  const sub = await s.settle((res.json() as { id: string }).id)
  const pkg = await s.catalogue.packages.get(String(sub.packageId))
  if (pkg === null) throw new Error(`not stored: ${JSON.stringify(sub)}`)
  return { packageId: pkg.id, objectRoot: new LocalBlobStore(join(s.dataDir, 'store')).pathOf(objectRootOf(pkg.ocflId)) }
}

function fixityOf (s: TestService, policy = POLICY): FixityService {
  return new FixityService({ catalogue: s.catalogue, reader: new OcflObjectReader(new LocalBlobStore(join(s.dataDir, 'store'))), pool: s.ingest.deps.pool, policy, log: createLogger('silent') })
}

t.test('an intact package passes: every file read again by sha512, recorded in the catalogue, one summary event for the round and none per file', async t => {
  const s = await buildTestApp(t)
  const { packageId } = await stored(t, s)
  const result = await fixityOf(s).run({ mode: 'all' })
  t.match(result, { mismatches: 0, missing: 0, damagedPackages: [], algorithm: 'sha512', state: 'finished' })
  t.equal(result.checked, result.ok)
  t.ok(result.checked >= 2)
  t.equal((await s.catalogue.packages.fixitySummary()).neverChecked, 0, 'every outcome is in the catalogue')
  t.equal((await s.catalogue.events.list({ type: 'fixity.check', limit: 1, offset: 0 })).total, 0, 'no event per intact file')
  const rounds = await s.catalogue.events.list({ type: 'fixity.round', limit: 10, offset: 0 })
  t.equal(rounds.total, 1)
  t.match(rounds.items[0], {
    id: result.eventId, outcome: 'success', objectType: 'system', objectId: result.round,
    detail: { round: result.round, mode: 'all', algorithm: 'sha512', state: 'finished', checked: result.checked, ok: result.checked, bytes: result.bytes, mismatches: 0, missing: 0, drift: 0, damagedFiles: 0 }
  })
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'active')
  const again = await fixityOf(s).run({ mode: 'due' })
  t.equal(again.checked, 0, 'nothing is due right after a full run')
})

t.test('a round by sm3 (the policy\'s algorithm) compares the bytes with the object\'s SM3 log', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s)
  const intact = await fixityOf(s, { ...POLICY, algorithm: 'sm3' }).run({ mode: 'all', packageId })
  t.match(intact, { algorithm: 'sm3', mismatches: 0, missing: 0 })
  writeFileSync(join(objectRoot, 'v1/content/data/a.txt'), 'alphA')
  const result = await fixityOf(s, { ...POLICY, algorithm: 'sm3' }).run({ mode: 'all', packageId })
  t.match(result.damaged, [{ contentPath: 'v1/content/data/a.txt', detail: { kind: 'damage', disagreements: [/^sm3: inventory [0-9a-f]{64}, read [0-9a-f]{64}$/] } }])
  t.equal((result.damaged[0]?.detail.disagreements as string[]).length, 1, 'one digest compared')
})

t.test('--all-digests compares every digest kept: sha512, sm3 and each one the bag declared', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s)
  writeFileSync(join(objectRoot, 'v1/content/data/a.txt'), 'alphA')
  const result = await fixityOf(s).run({ mode: 'all', packageId, allDigests: true })
  t.equal(result.algorithm, 'all')
  const said = (result.damaged[0]?.detail.disagreements as string[]).map(d => d.split(':')[0]).sort()
  // the test bag declares sha256 only: md5 is not kept for it (issue 13, "digests kept"), so not compared
  t.same(said, ['sha256', 'sha512', 'sm3'])
})

t.test('fixity.yaml names the algorithm of a round; one Lantai cannot compute is named when the policy is loaded', async t => {
  const shipped = readFileSync(new URL('../../storage-policies/fixity.yaml', import.meta.url), 'utf8')
  const withAlgorithm = (alg: string): string => shipped.replace(/^algorithm: sha512 /m, `algorithm: ${alg} `)
  t.match(await loadFixityPolicy(t.testdir({ 'fixity.yaml': shipped })), { algorithm: 'sha512' }, 'sha512 as shipped')
  t.match(await loadFixityPolicy(t.testdir({ 'fixity.yaml': withAlgorithm('sm3') })), { algorithm: 'sm3', maxAgeDays: 90 })
  t.match(await loadFixityPolicy(t.testdir({ 'fixity.yaml': shipped.replace(/^algorithm:.*$/m, '') })), { algorithm: 'sha512' }, 'sha512 when not said')
  await t.rejects(loadFixityPolicy(t.testdir({ 'fixity.yaml': withAlgorithm('sha-1024') })), { code: 'CONFIG_INVALID', message: /\/algorithm: sha-1024 is not a digest/ })
})

t.test('a round stopped by its signal keeps the checks it finished and says it stopped', async t => {
  const s = await buildTestApp(t)
  await stored(t, s)
  const total = (await s.catalogue.packages.fixitySummary()).contents
  const stop = new AbortController()
  const result = await fixityOf(s).run({ mode: 'all', signal: stop.signal, onProgress: () => { stop.abort() } })
  t.equal(result.state, 'stopped')
  t.ok(result.checked >= 1 && result.checked < total, `${result.checked} of ${total}`)
  t.equal((await s.catalogue.packages.fixitySummary()).neverChecked, total - result.checked, 'what it checked is recorded')
  t.match((await s.catalogue.events.list({ type: 'fixity.round', limit: 1, offset: 0 })).items[0]?.detail, { state: 'stopped', checked: result.checked })
})

t.test('a flipped byte in the store is bit damage: the package is marked damaged after the grace re-read', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s)
  const file = join(objectRoot, 'v1/content/data/a.txt')
  writeFileSync(file, 'alphA')
  const result = await fixityOf(s).run({ mode: 'all', packageId })
  t.equal(result.mismatches, 1)
  t.same(result.damagedPackages, [packageId])
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'damaged')
  const damaged = await s.catalogue.events.list({ type: 'package.damaged', limit: 10, offset: 0 })
  t.equal(damaged.total, 1)
  t.match(damaged.items[0]?.detail, { contentPath: 'v1/content/data/a.txt', kind: 'damage' })
  const summary = await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: s.auth() })
  t.match(summary.json(), { mismatches: 1, damagedPackages: 1 })
})

t.test('a deleted content file is missing, and the package damaged', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s)
  rmSync(join(objectRoot, 'v1/content/data/b.txt'))
  const result = await fixityOf(s).run({ mode: 'all' })
  t.equal(result.missing, 1)
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'damaged')
})

t.test('a content file replaced by a link to an identical copy is not followed: it is missing', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s)
  const file = join(objectRoot, 'v1/content/data/a.txt')
  const copy = join(s.dataDir, 'elsewhere.txt')
  writeFileSync(copy, readFileSync(file))
  rmSync(file)
  symlinkSync(copy, file)
  const result = await fixityOf(s).run({ mode: 'all', packageId })
  t.equal(result.missing, 1)
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'damaged')
})

t.test('a package of 300 files is checked several files at a time, across pages: each once, all intact, no event per file', async t => {
  const s = await buildTestApp(t)
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2024-310104-47-01-000205', name: 'many files' } })
  const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`d${i % 7}/f${i}.txt`, `file ${i} `.repeat(i % 50 + 1)]))
  const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2024-310104-47-01-000205', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, files)) })
  t.match(await s.settle((res.json() as { id: string }).id), { state: 'stored' })
  const result = await fixityOf(s).run({ mode: 'all' })
  const contents = (await s.catalogue.packages.fixitySummary()).contents
  t.match(result, { checked: contents, ok: contents, mismatches: 0, missing: 0 })
  t.ok(contents > 300)
  t.equal((await s.catalogue.events.list({ type: 'fixity.check', limit: 1, offset: 0 })).total, 0)
  t.match((await s.catalogue.events.list({ type: 'fixity.round', limit: 1, offset: 0 })).items[0]?.detail, { checked: contents, ok: contents }, 'the round\'s event counts each file once')
  t.equal((await s.catalogue.packages.fixitySummary()).neverChecked, 0)
})

t.test('three values: bytes that match the inventory but not the catalogue are drift, not damage', async t => {
  const digests = { sha512: 'a'.repeat(128), sha256: 'b'.repeat(64), md5: 'c'.repeat(32), sm3: 'd'.repeat(64) }
  t.match(compareThree(digests, { sha512: digests.sha512, sha256: digests.sha256 }, { ...digests }), { outcome: 'ok' })
  t.match(compareThree({ ...digests, sha512: 'e'.repeat(128) }, { sha512: digests.sha512, sha256: digests.sha256 }, { ...digests }), { outcome: 'mismatch', kind: 'drift' })
  t.match(compareThree(digests, { sha512: digests.sha512 }, { ...digests, sha512: 'f'.repeat(128) }), { outcome: 'mismatch', kind: 'damage' })
  t.match(compareThree(digests, {}, { ...digests, sm3: '0'.repeat(64) }), { outcome: 'mismatch', kind: 'damage' }, 'sm3 is held by the catalogue alone')
})

t.test('a scheduled batch stops at the policy\'s file limit, oldest first', async t => {
  const s = await buildTestApp(t)
  await stored(t, s)
  const total = (await s.catalogue.packages.fixitySummary()).contents
  const batch = await fixityOf(s, { ...POLICY, batch: { files: 1, bytes: 1 << 30 } }).run({ mode: 'due' })
  t.equal(batch.checked, 1)
  t.equal((await s.catalogue.packages.fixitySummary()).neverChecked, total - 1)
})

t.test('POST /v1/fixity/runs queues one run, and a second while it is active is not queued again', async t => {
  const s = await buildTestApp(t)
  const { packageId } = await stored(t, s)
  const first = await s.app.inject({ method: 'POST', url: '/v1/fixity/runs', headers: s.auth(), payload: { packageId } })
  t.equal(first.statusCode, 202)
  await Promise.all(s.runners.map(r => r.idle()))
  for (let i = 0; i < 100 && (await s.catalogue.packages.fixitySummary()).neverChecked > 0; i++) await new Promise(resolve => setTimeout(resolve, 50))
  t.equal((await s.catalogue.packages.fixitySummary()).neverChecked, 0, 'the queued run checked everything')
  const summary = (await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: s.auth() })).json() as Record<string, unknown>
  t.match(summary.lastRound, { round: (first.json() as { jobId: string }).jobId, mode: 'all', packageId, algorithm: 'sha512', state: 'finished', checked: Number, damagedFiles: 0 }, 'GET /v1/fixity shows the last round')
  const all = await s.app.inject({ method: 'POST', url: '/v1/fixity/runs', headers: s.auth(), payload: { packageId, allDigests: true } })
  t.equal(all.statusCode, 202)
  for (let i = 0; i < 100 && ((await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: s.auth() })).json() as { lastRound: { round: string } }).lastRound.round !== (all.json() as { jobId: string }).jobId; i++) await new Promise(resolve => setTimeout(resolve, 50))
  t.match(((await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: s.auth() })).json() as Record<string, unknown>).lastRound, { algorithm: 'all' }, 'allDigests: true asks for every kept digest')
  const unknown = await s.app.inject({ method: 'POST', url: '/v1/fixity/runs', headers: s.auth(), payload: { packageId: 'pkg_nope' } })
  t.equal(unknown.statusCode, 404)
  const { secret } = await s.catalogue.tokens.create({ role: 'archivist', label: 'a' })
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/fixity/runs', headers: s.auth(secret), payload: {} })).statusCode, 403)
})


t.test('a run names every damaged or missing file; each new damage is one event of the package, which an archivist reads', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s)
  writeFileSync(join(objectRoot, 'v1/content/data/a.txt'), 'alphA')
  rmSync(join(objectRoot, 'v1/content/data/b.txt'))
  const result = await fixityOf(s).run({ mode: 'all' })
  t.match(result.damaged, [
    { packageId, contentPath: 'v1/content/data/a.txt', logicalPaths: ['data/a.txt'], outcome: 'mismatch', detail: { kind: 'damage', disagreements: [/^sha512: inventory/] }, eventId: Number },
    { packageId, contentPath: 'v1/content/data/b.txt', logicalPaths: ['data/b.txt'], outcome: 'missing', detail: { missing: /not in the store/ }, eventId: Number }
  ])
  t.equal(result.damaged.length, 2)

  const { secret } = await s.catalogue.tokens.create({ role: 'archivist', label: 'archivist' })
  const eventsOf = async (): Promise<Array<{ id: number, type: string, detail: Record<string, unknown> }>> =>
    ((await s.app.inject({ method: 'GET', url: `/v1/packages/${packageId}/events?limit=500`, headers: s.auth(secret) })).json() as { items: Array<{ id: number, type: string, detail: Record<string, unknown> }> }).items
  // Checked several at a time, so the events come in either order.
  const damage = (await eventsOf()).filter(e => e.type === 'content.damaged').sort((a, b) => String(a.detail.contentPath) < String(b.detail.contentPath) ? -1 : 1)
  t.match(damage, [
    { id: result.damaged[0]?.eventId, detail: { contentPath: 'v1/content/data/a.txt', logicalPaths: ['data/a.txt'], outcome: 'mismatch', source: 'fixity' } },
    { id: result.damaged[1]?.eventId, detail: { contentPath: 'v1/content/data/b.txt', logicalPaths: ['data/b.txt'], outcome: 'missing', source: 'fixity' } }
  ])

  const summary = (await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: s.auth(secret) })).json() as { damagedFiles: unknown[] }
  t.match(summary.damagedFiles, [
    { packageId, contentPath: 'v1/content/data/a.txt', logicalPaths: ['data/a.txt'], outcome: 'mismatch', source: 'fixity', eventId: result.damaged[0]?.eventId },
    { packageId, contentPath: 'v1/content/data/b.txt', logicalPaths: ['data/b.txt'], outcome: 'missing', eventId: result.damaged[1]?.eventId }
  ])
  t.equal(summary.damagedFiles.length, 2)

  const again = await fixityOf(s).run({ mode: 'all' })
  t.equal(again.damaged.length, 2, 'still named while still damaged')
  t.equal((await eventsOf()).filter(e => e.type === 'content.damaged').length, 2, 'but known damage is not a new event')
})

t.test('a damaged file put right by hand is found whole by the next check: content.intact, and the package active again', async t => {
  const s = await buildTestApp(t)
  const { packageId, objectRoot } = await stored(t, s)
  const file = join(objectRoot, 'v1/content/data/a.txt')
  writeFileSync(file, 'alphA')
  // Due again almost at once, so the run below checks every file once more.
  await fixityOf(s, { ...POLICY, maxAgeDays: 0.000001 }).run({ mode: 'all', packageId })
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'damaged')
  writeFileSync(file, 'alpha')
  const recheck = await fixityOf(s).run({ mode: 'all', packageId })
  t.match(recheck, { mismatches: 0, missing: 0, damaged: [] })
  t.equal((await s.catalogue.packages.get(packageId))?.state, 'active')
  const types = (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, limit: 100, offset: 0 })).items.map(e => e.type)
  t.same(types.filter(x => x !== 'package.version'), ['content.damaged', 'package.damaged', 'content.intact', 'package.active'])
  t.same(await s.catalogue.packages.damagedContents(), [])
})
