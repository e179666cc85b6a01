import t from 'tap'
import type { Catalogue, PackageFileInput } from '../../src/catalogue/index.js'
import { breakEvents, contentOf, digestsOf, eachEngine, makeCatalogue, thrown, transferringSubmission } from './helpers.js'

const file = (logicalPath: string, contentPath: string, data: string, format: string | null = null): PackageFileInput =>
  ({ logicalPath, contentPath, ...digestsOf(data), format })

/** v1: two files; v2: plan.pdf unchanged (deduplicated), report.txt changed, photo.jpg added. */
async function twoVersions (c: Catalogue, code = 'P-1'): Promise<{ v1Sub: string, v2Sub: string }> {
  const v1Sub = await transferringSubmission(c, code)
  await c.packages.recordVersion({
    projectCode: code,
    ocflId: code,
    version: { number: 1, submissionId: v1Sub, message: 'first transfer' },
    files: [file('data/plan.pdf', 'v1/content/data/plan.pdf', 'PLAN', 'fmt/18'), file('data/report.txt', 'v1/content/data/report.txt', 'R1')],
    contents: [contentOf('v1/content/data/plan.pdf', 'PLAN'), contentOf('v1/content/data/report.txt', 'R1')]
  })
  const v2Sub = await transferringSubmission(c, code)
  await c.packages.recordVersion({
    projectCode: code,
    ocflId: code,
    version: { number: 2, submissionId: v2Sub, message: 'rectified' },
    files: [
      file('data/plan.pdf', 'v1/content/data/plan.pdf', 'PLAN', 'fmt/18'),
      file('data/report.txt', 'v2/content/data/report.txt', 'R2-longer'),
      file('data/photo.jpg', 'v2/content/data/photo.jpg', 'JPEG')
    ],
    // plan.pdf is listed again, as a caller that does not track deduplication would: skipped, not doubled
    contents: [contentOf('v1/content/data/plan.pdf', 'PLAN'), contentOf('v2/content/data/report.txt', 'R2-longer'), contentOf('v2/content/data/photo.jpg', 'JPEG')]
  })
  return { v1Sub, v2Sub }
}

eachEngine(t, 'recordVersion creates the package at v1 and moves the head at v2, storing deduplicated content once', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  const { v1Sub, v2Sub } = await twoVersions(c)
  const pkg = await c.packages.getByProject('P-1')
  t.match(pkg, { projectCode: 'P-1', ocflId: 'P-1', headVersion: 2, state: 'active', fileCount: 3, bytes: 4 + 9 + 4, contentCount: 4, storedBytes: 4 + 2 + 9 + 4 })
  t.match(pkg?.id, /^pkg_[0-9A-Z]{26}$/)
  t.same(await c.packages.get(pkg?.id ?? ''), pkg)
  t.match(await c.packages.versions(pkg?.id ?? ''), [
    { number: 1, submissionId: v1Sub, message: 'first transfer', fileCount: 2, bytes: 6 },
    { number: 2, submissionId: v2Sub, message: 'rectified', fileCount: 3, bytes: 17 }
  ])
  t.same(await (await sql()).all('SELECT count(*) AS n FROM contents'), [{ n: 4 }])
  const events = await c.events.list({ objectType: 'package', objectId: pkg?.id, type: 'package.version', limit: 10, offset: 0 })
  t.match(events.items, [{ detail: { version: 1, created: true, newContents: 2 } }, { detail: { version: 2, created: false, newContents: 2 } }])
})

eachEngine(t, 'files lists one version by logical path with paging; file finds a path as of a version', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await twoVersions(c)
  const id = (await c.packages.getByProject('P-1'))?.id ?? ''
  const head = await c.packages.files(id, { limit: 2, offset: 0 })
  t.equal(head.total, 3)
  t.same(head.items.map(f => f.logicalPath), ['data/photo.jpg', 'data/plan.pdf'])
  t.same((await c.packages.files(id, { limit: 2, offset: 2 })).items.map(f => f.logicalPath), ['data/report.txt'])
  t.same(await c.packages.files(id, { limit: 2, offset: 9 }), { items: [], total: 3 }, 'a page past the end still tells the total')
  t.same(await c.packages.files(id, { version: 1, limit: 1, offset: 0 }).then(p => p.total), 2)
  t.same(await c.packages.files(id, { version: 3, limit: 10, offset: 0 }), { items: [], total: 0 }, 'no such version')
  t.same(await c.packages.files('pkg_none', { limit: 10, offset: 0 }), { items: [], total: 0 }, 'no such package')
  t.same((await c.packages.files(id, { version: 1, limit: 10, offset: 0 })).items.map(f => f.contentPath), ['v1/content/data/plan.pdf', 'v1/content/data/report.txt'])
  t.same(await c.packages.file(id, 'data/plan.pdf'), { packageId: id, version: 2, logicalPath: 'data/plan.pdf', contentPath: 'v1/content/data/plan.pdf', ...digestsOf('PLAN'), format: 'fmt/18', scopeItem: null, producer: null, tier: '非密', pipelineSurvey: false, mapSheets: [], areaKm2: null })
  t.match(await c.packages.file(id, 'data/report.txt', 1), { version: 1, contentPath: 'v1/content/data/report.txt', size: 2 })
  t.equal(await c.packages.file(id, 'data/report.txt', 9), null, 'past the head there is no version, so no file')
  t.equal(await c.packages.file(id, 'data/photo.jpg', 1), null, 'not there yet in v1')
  t.equal(await c.packages.file('pkg_NOPE', 'data/plan.pdf'), null)
  t.same((await c.packages.fileHistory(id, 'data/report.txt')).map(f => [f.version, f.contentPath]), [[1, 'v1/content/data/report.txt'], [2, 'v2/content/data/report.txt']])
})

eachEngine(t, 'recordVersion is one transaction: a failure part-way leaves no package, version, content or event', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  const sub = await transferringSubmission(c, 'P-1')
  const input = {
    projectCode: 'P-1',
    ocflId: 'P-1',
    version: { number: 1, submissionId: sub, message: 'm' },
    files: [file('data/a', 'v1/content/data/a', 'A'), file('data/b', 'v1/content/data/b', 'B')],
    contents: [contentOf('v1/content/data/a', 'A')]
  }
  // 1. data/b names content that was never stored: found after the package, version and content rows were written
  t.match(await thrown(async () => await c.packages.recordVersion(input)), { code: 'CONTENT_NOT_FOUND', details: { logicalPath: 'data/b' } })
  const count = async (table: string): Promise<unknown> => (await (await sql()).all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n
  for (const table of ['packages', 'versions', 'contents', 'package_files']) t.equal(await count(table), 0, `no ${table} row`)
  t.equal((await c.events.list({ type: 'package.version', limit: 1, offset: 0 })).total, 0)

  // 2. the last step, the event, fails on a second version: the head stays at v1
  await twoVersions(c, 'P-2')
  const p2 = await c.packages.getByProject('P-2')
  const sub3 = await transferringSubmission(c, 'P-2')
  const mend = await breakEvents(await sql(), target.engine)
  await t.rejects(c.packages.recordVersion({
    projectCode: 'P-2', ocflId: 'P-2', version: { number: 3, submissionId: sub3, message: 'm' },
    files: [file('data/new', 'v3/content/data/new', 'NEW')], contents: [contentOf('v3/content/data/new', 'NEW')]
  }), /disk on fire/)
  await mend()
  t.same(await c.packages.getByProject('P-2'), p2)
  t.equal((await c.packages.versions(p2?.id ?? '')).length, 2)
  t.equal(await c.packages.content(p2?.id ?? '', 'v3/content/data/new'), null)
})

eachEngine(t, 'a version must follow the head of the same OCFL object, and content digests cannot change', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const sub = await transferringSubmission(c, 'P-1')
  const base = { projectCode: 'P-1', ocflId: 'P-1', files: [], contents: [] }
  t.match(await thrown(async () => await c.packages.recordVersion({ ...base, version: { number: 2, submissionId: sub, message: 'm' } })), { code: 'PACKAGE_VERSION_CONFLICT' })
  await twoVersions(c, 'P-1')
  const sub3 = await transferringSubmission(c, 'P-1')
  t.match(await thrown(async () => await c.packages.recordVersion({ ...base, version: { number: 2, submissionId: sub3, message: 'm' } })), { code: 'PACKAGE_VERSION_CONFLICT', details: { head: 2 } })
  t.match(await thrown(async () => await c.packages.recordVersion({ ...base, ocflId: 'other', version: { number: 3, submissionId: sub3, message: 'm' } })), { code: 'PACKAGE_VERSION_CONFLICT' })
  t.match(await thrown(async () => await c.packages.recordVersion({
    ...base, version: { number: 3, submissionId: sub3, message: 'm' }, contents: [contentOf('v1/content/data/plan.pdf', 'TAMPERED')]
  })), { code: 'CONTENT_CONFLICT', details: { contentPath: 'v1/content/data/plan.pdf', field: 'size' } })
  t.match(await thrown(async () => await c.packages.recordVersion({
    ...base, version: { number: 3, submissionId: sub3, message: 'm' }, files: [{ ...file('data/plan.pdf', 'v1/content/data/plan.pdf', 'PLAN'), sha256: 'ff'.repeat(32) }]
  })), { code: 'CONTENT_CONFLICT', details: { field: 'sha256' } })
  t.match(await thrown(async () => await c.packages.recordVersion({ ...base, version: { number: 3, submissionId: 'sub_NOPE', message: 'm' } })), { code: 'SUBMISSION_NOT_FOUND' })
  t.match(await thrown(async () => await c.packages.recordVersion({ ...base, projectCode: 'NOPE', ocflId: 'NOPE', version: { number: 1, submissionId: sub3, message: 'm' } })), { code: 'PROJECT_NOT_FOUND' })
  t.equal((await c.packages.getByProject('P-1'))?.headVersion, 2)
})

eachEngine(t, 'recording the same version of the same submission again (resume after a crash) changes nothing', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const { v2Sub } = await twoVersions(c)
  const before = await c.packages.getByProject('P-1')
  const events = (await c.events.list({ type: 'package.version', limit: 10, offset: 0 })).total
  const again = await c.packages.recordVersion({
    projectCode: 'P-1', ocflId: 'P-1', version: { number: 2, submissionId: v2Sub, message: 'rectified' },
    files: [file('data/plan.pdf', 'v1/content/data/plan.pdf', 'PLAN')], contents: []
  })
  t.same(again, before)
  t.equal((await c.events.list({ type: 'package.version', limit: 10, offset: 0 })).total, events, 'no second event')
  t.equal((await c.packages.files(before?.id ?? '', { limit: 10, offset: 0 })).total, 3)
})

eachEngine(t, 'dueForFixity returns due content, most overdue first, page after page; recordFixity stores the outcome, with an event only for a file not intact', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const sub = await transferringSubmission(c, 'P-1')
  const pkg = await c.packages.recordVersion({
    projectCode: 'P-1', ocflId: 'P-1', version: { number: 1, submissionId: sub, message: 'm' },
    files: [file('a', 'v1/content/a', 'A'), file('b', 'v1/content/b', 'B'), file('c', 'v1/content/c', 'C')],
    contents: [contentOf('v1/content/a', 'A', '2024-03-01T00:00:00.000Z'), contentOf('v1/content/b', 'B', '2024-01-01T00:00:00.000Z'), contentOf('v1/content/c', 'C', '2024-09-01T00:00:00.000Z')]
  })
  t.same((await c.packages.dueForFixity(clock.now(), 10)).map(x => x.contentPath), ['v1/content/b', 'v1/content/a'], 'c is not due yet')
  t.same((await c.packages.dueForFixity('2025-01-01T00:00:00.000Z', 1)).map(x => x.contentPath), ['v1/content/b'], 'limit')
  const firstPage = await c.packages.dueForFixity('2025-01-01T00:00:00.000Z', 2)
  t.same((await c.packages.dueForFixity('2025-01-01T00:00:00.000Z', 10, undefined, firstPage.at(-1))).map(x => x.contentPath), ['v1/content/c'], 'the next page goes on after the last file of the one before')
  t.same((await c.packages.dueForFixity('2025-01-01T00:00:00.000Z', 10, pkg.id, firstPage.at(-1))).map(x => x.contentPath), ['v1/content/c'], 'also within one package')
  t.same((await c.packages.contentsForRound('2025-01-01T00:00:00.000Z', 2)).map(x => x.contentPath), ['v1/content/a', 'v1/content/b'], 'a round takes its pages in stored order')
  t.same((await c.packages.contentsForRound('2025-01-01T00:00:00.000Z', 5, pkg.id, { packageId: pkg.id, contentPath: 'v1/content/a' })).map(x => x.contentPath), ['v1/content/b', 'v1/content/c'])
  t.same((await c.packages.contentsForRound(clock.now(), 5)).map(x => x.contentPath), ['v1/content/a', 'v1/content/b'], 'only what is due by the horizon')

  await c.packages.recordFixity(pkg.id, 'v1/content/b', 'ok', clock.iso(), '2024-08-01T00:00:00.000Z', { agent: 'fixity-worker', detail: { node: 'primary' } })
  t.match(await c.packages.content(pkg.id, 'v1/content/b'), { lastCheckedAt: '2024-05-01T00:00:00.000Z', lastOutcome: 'ok', nextCheckAt: '2024-08-01T00:00:00.000Z' })
  t.same((await c.packages.dueForFixity(clock.now(), 10)).map(x => x.contentPath), ['v1/content/a'])
  t.equal((await c.events.list({ limit: 1, offset: 0, objectType: 'content' })).total, 0, 'an intact file is recorded in the catalogue, not as an event')
  await c.packages.recordFixity(pkg.id, 'v1/content/a', 'mismatch', clock.iso(), '2024-05-02T00:00:00.000Z', { detail: { kind: 'drift' } })
  t.match((await c.events.list({ type: 'fixity.check', limit: 10, offset: 0 })).items, [
    { outcome: 'failure', agent: 'system', objectType: 'content', objectId: `${pkg.id}/v1/content/a`, detail: { outcome: 'mismatch', kind: 'drift' } }
  ], 'metadata drift is an event of the content')
  t.match(await c.packages.content(pkg.id, 'v1/content/a'), { lastOutcome: 'mismatch', damagedBy: null })
  t.match(await thrown(async () => await c.packages.recordFixity(pkg.id, 'v1/content/zzz', 'ok', clock.iso(), clock.iso())), { code: 'CONTENT_NOT_FOUND' })
})

eachEngine(t, 'recordFixityMany writes a page of intact files at once, and still marks damage and clears it file by file', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await twoVersions(c, 'P-1')
  const id = (await c.packages.getByProject('P-1'))?.id ?? ''
  const paths = (await c.packages.contentsForRound('2100-01-01T00:00:00.000Z', 100, id)).map(x => x.contentPath)
  const next = '2024-08-01T00:00:00.000Z'
  await c.packages.recordFixityMany(paths.map((p, i) => ({
    packageId: id, contentPath: p, outcome: i === 0 ? 'missing' : 'ok', checkedAt: clock.iso(), nextCheckAt: next
  })))
  t.equal((await c.packages.get(id))?.state, 'damaged')
  t.same((await c.packages.damagedContents(id)).map(d => d.contentPath), [paths[0]])
  t.match(await c.packages.fixitySummary(), { neverChecked: 0, missing: 1 })
  await c.packages.recordRepair(id, paths[0] ?? '', { submissionId: 'sub_X', quarantineKey: null })
  clock.advance(1000)
  await c.packages.recordFixityMany(paths.map(p => ({ packageId: id, contentPath: p, outcome: 'ok', checkedAt: clock.iso(), nextCheckAt: next, detail: { round: 'r2' } })))
  t.equal((await c.packages.get(id))?.state, 'active', 'a page that reads the repaired file whole makes the package active')
  t.match((await c.events.list({ objectId: id, type: 'package.active', limit: 1, offset: 0 })).items, [{ detail: { round: 'r2' } }])
  t.equal((await c.events.list({ objectType: 'content', limit: 1, offset: 0 })).total, 0, 'no event for an intact file')
  t.match(await thrown(async () => await c.packages.recordFixityMany([{ packageId: id, contentPath: 'nope', outcome: 'ok', checkedAt: clock.iso(), nextCheckAt: next }])), { code: 'CONTENT_NOT_FOUND' })
})

eachEngine(t, 'markDamaged and markActive change the state with an event each; fixitySummary counts', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await twoVersions(c, 'P-1')
  await twoVersions(c, 'P-2')
  const p1 = (await c.packages.getByProject('P-1'))?.id ?? ''
  t.match(await c.packages.markDamaged(p1, { contentPath: 'v1/content/data/plan.pdf' }), { state: 'damaged' })
  t.equal((await c.packages.fixitySummary()).damagedPackages, 1)
  await c.packages.recordFixity(p1, 'v1/content/data/plan.pdf', 'mismatch', '2024-04-01T00:00:00.000Z', clock.iso())
  await c.packages.recordFixity(p1, 'v2/content/data/photo.jpg', 'missing', '2024-01-15T00:00:00.000Z', clock.iso())
  await c.packages.recordFixity(p1, 'v1/content/data/report.txt', 'ok', '2023-12-01T00:00:00.000Z', clock.iso())
  t.same(await c.packages.fixitySummary(), {
    contents: 8, checkedLast90Days: 1, neverChecked: 5, mismatches: 1, missing: 1, damagedPackages: 1, oldestCheckAt: '2023-12-01T00:00:00.000Z'
  })
  t.match(await c.packages.markActive(p1, { repairedFrom: 'node-2' }, 'tok_ADMIN'), { state: 'active' })
  t.match((await c.events.list({ objectId: p1, order: 'desc', limit: 4, offset: 0 })).items, [
    { type: 'package.active', outcome: 'success', agent: 'tok_ADMIN' },
    { type: 'content.damaged', outcome: 'failure', detail: { contentPath: 'v2/content/data/photo.jpg', logicalPaths: ['data/photo.jpg'], outcome: 'missing', source: 'fixity' } },
    { type: 'content.damaged', outcome: 'failure', detail: { contentPath: 'v1/content/data/plan.pdf', logicalPaths: ['data/plan.pdf'], outcome: 'mismatch', source: 'fixity' } },
    { type: 'package.damaged', outcome: 'failure', detail: { contentPath: 'v1/content/data/plan.pdf' } }
  ])
  t.match(await thrown(async () => await c.packages.markDamaged('pkg_NOPE', null)), { code: 'PACKAGE_NOT_FOUND' })
})

eachEngine(t, 'search joins the project and filters by code, name, unit and date, with paging totals', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'HZ-1', name: 'Riverside Housing', unit: 'Unit A' })
  await c.projects.create({ code: 'HZ-2', name: 'School', unit: 'Unit B' })
  await c.projects.create({ code: 'NB-1', name: 'Bridge', unit: 'Unit A' })
  await c.projects.create({ code: 'EMPTY', name: 'no package yet', unit: 'Unit A' })
  for (const [code, at] of [['HZ-1', '2024-01-10T00:00:00.000Z'], ['HZ-2', '2024-02-10T00:00:00.000Z'], ['NB-1', '2024-03-10T00:00:00.000Z']] as const) {
    clock.set(at)
    const sub = await transferringSubmission(c, code)
    await c.packages.recordVersion({ projectCode: code, ocflId: `urn:lantai:${code}`, version: { number: 1, submissionId: sub, message: 'm' }, files: [], contents: [] })
  }
  t.match(await c.packages.search({ q: 'riverside', limit: 10, offset: 0 }), { total: 1, items: [{ projectCode: 'HZ-1', projectName: 'Riverside Housing', projectUnit: 'Unit A' }] })
  t.same((await c.packages.search({ q: 'hz-', limit: 10, offset: 0 })).items.map(p => p.projectCode), ['HZ-2', 'HZ-1'])
  t.same((await c.packages.search({ unit: 'Unit A', limit: 10, offset: 0 })).items.map(p => p.projectCode), ['NB-1', 'HZ-1'])
  t.same((await c.packages.search({ projectCode: 'HZ-2', limit: 10, offset: 0 })).total, 1)
  t.same((await c.packages.search({ createdFrom: '2024-02-01', createdTo: '2024-03-10', limit: 10, offset: 0 })).items.map(p => p.projectCode), ['HZ-2'])
  const page = await c.packages.search({ limit: 1, offset: 1 })
  t.equal(page.total, 3)
  t.same(page.items.map(p => p.projectCode), ['HZ-2'])
  t.same(await c.packages.search({ limit: 10, offset: 5 }), { items: [], total: 3 }, 'a page past the end still tells the total')
  t.same(await c.packages.search({ unit: 'nobody', limit: 10, offset: 0 }), { items: [], total: 0 })
})

eachEngine(t, 'damage is kept per content file: one content.damaged event each, a repair clears it, and a clean re-check makes the package active', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await twoVersions(c, 'P-1')
  const id = (await c.packages.getByProject('P-1'))?.id ?? ''
  await c.packages.recordFixity(id, 'v1/content/data/plan.pdf', 'mismatch', clock.iso(), clock.iso(), { detail: { kind: 'damage', disagreements: ['sha512: …'] } })
  await c.packages.recordFixity(id, 'v1/content/data/plan.pdf', 'mismatch', clock.iso(), clock.iso(), { detail: { kind: 'damage' } })
  await c.packages.recordFixity(id, 'v2/content/data/report.txt', 'mismatch', clock.iso(), clock.iso(), { detail: { kind: 'drift' } })
  const damaged = await c.events.list({ objectId: id, type: 'content.damaged', limit: 10, offset: 0 })
  t.equal(damaged.total, 1, 'found twice, recorded once; drift is not damage')
  const event = damaged.items[0]
  t.match(event?.detail, { contentPath: 'v1/content/data/plan.pdf', logicalPaths: ['data/plan.pdf'], outcome: 'mismatch', source: 'fixity', kind: 'damage' })
  t.equal((await c.packages.content(id, 'v1/content/data/plan.pdf'))?.damagedBy, event?.id)
  t.equal((await c.packages.get(id))?.state, 'damaged')
  t.match(await c.packages.damagedContents(), [{ packageId: id, contentPath: 'v1/content/data/plan.pdf', logicalPaths: ['data/plan.pdf'], eventId: event?.id, outcome: 'mismatch', source: 'fixity' }])

  clock.advance(1000)
  await c.packages.recordRepair(id, 'v1/content/data/plan.pdf', { submissionId: 'sub_X', quarantineKey: 'obj/logs/quarantine/sub_X/v1/content/data/plan.pdf' })
  t.same(await c.packages.damagedContents(id), [])
  t.match(await c.packages.content(id, 'v1/content/data/plan.pdf'), { damagedBy: null, nextCheckAt: clock.iso() }, 'due for a check at once')
  t.equal((await c.packages.get(id))?.state, 'damaged', 'a repair alone does not make the package whole')
  await c.packages.recordFixity(id, 'v1/content/data/plan.pdf', 'ok', clock.iso(), '2024-08-01T00:00:00.000Z')
  t.equal((await c.packages.get(id))?.state, 'active')
  t.match((await c.events.list({ objectId: id, order: 'desc', limit: 3, offset: 0 })).items.map(e => e.type), ['package.active', 'content.repaired', 'content.quarantined'])
})

eachEngine(t, 'a download that finds damage records it once through recordDamage', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await twoVersions(c, 'P-1')
  const id = (await c.packages.getByProject('P-1'))?.id ?? ''
  const first = await c.packages.recordDamage(id, 'v2/content/data/photo.jpg', { source: 'download', outcome: 'missing', agent: 'tok_A' })
  t.match(first, { created: true, eventId: Number })
  t.same(await c.packages.recordDamage(id, 'v2/content/data/photo.jpg', { source: 'download', outcome: 'missing' }), { eventId: first.eventId, created: false })
  t.match((await c.events.list({ objectId: id, order: 'desc', limit: 2, offset: 0 })).items, [
    { type: 'package.damaged', agent: 'tok_A', detail: { contentPath: 'v2/content/data/photo.jpg', event: first.eventId } },
    { type: 'content.damaged', agent: 'tok_A', detail: { source: 'download', outcome: 'missing', logicalPaths: ['data/photo.jpg'] } }
  ])
  t.match(await thrown(async () => await c.packages.recordDamage(id, 'v9/nope', { source: 'download', outcome: 'missing' })), { code: 'CONTENT_NOT_FOUND' })
})

eachEngine(t, 'correctDigest replaces a content\'s sha512 the copies outvoted, clears its damage mark and says so in one event', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await twoVersions(c, 'P-1')
  const id = (await c.packages.getByProject('P-1'))?.id ?? ''
  const path = 'v1/content/data/plan.pdf'
  const before = (await c.packages.content(id, path))?.sha512 ?? ''
  await c.packages.recordFixity(id, path, 'mismatch', clock.iso(), clock.iso(), { detail: { kind: 'damage' } })
  const to = 'a'.repeat(128)
  const eventId = await c.packages.correctDigest(id, path, { from: before, to, evidence: { copies: [{ node: 'primary', sha512: to }] } })
  t.match(await c.packages.content(id, path), { sha512: to, damagedBy: null })
  t.match((await c.events.list({ objectId: id, type: 'content.digest.corrected', limit: 5, offset: 0 })).items, [{ id: eventId, outcome: 'warning', detail: { contentPath: path, from: before, to, copies: [{ node: 'primary' }] } }])
  t.match(await thrown(async () => await c.packages.correctDigest(id, path, { from: before, to, evidence: {} })), { code: 'STATE_CONFLICT' }, 'a row changed meanwhile is not overwritten')
})
