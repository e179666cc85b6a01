import t from 'tap'
import type { AcceptanceReport } from '../../src/acceptance/report.js'
import { UNITS, defectiveBag, documents, jsonl, record, smallPoliciesDir } from '../fixtures/acceptance.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'

// Issue 14 items 1 and 4 through the service (SQLite, and PostgreSQL in npm test's second pass): the
// submission's report gains an `acceptance` section with every defect and its unit; the defects alone
// refuse nothing; each stored file lists its format, scope item and producing unit.

const CODE = '2024-330108-47-01-000014'

t.test('a submitted bag is checked for acceptance, and its stored files record who produced them', async t => {
  const s = await buildTestApp(t, { LANTAI_POLICIES: smallPoliciesDir(t) })
  const created = await s.app.inject({
    method: 'POST', url: '/v1/projects', headers: s.auth(),
    payload: { code: CODE, name: '滨江安置房', units: Object.values(UNITS) }
  })
  t.equal(created.statusCode, 201, created.body)

  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${CODE}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, await defectiveBag(t)) })
  t.equal(res.statusCode, 202, res.body)
  const sub = await s.settle((res.json() as { id: string }).id) as { state: string, packageId: string, version: number, report: { valid: boolean, acceptance: AcceptanceReport } }
  t.equal(sub.state, 'stored', 'acceptance findings alone do not reject a package')
  const { acceptance } = sub.report
  t.equal(acceptance.outcome, 'defects')
  const codes = acceptance.findings.map(f => `${f.code} ${f.path ?? f.item ?? ''} ${f.responsible?.name ?? f.responsible?.role ?? ''}`)
  for (const expected of [
    `FORMAT_NAME_MISMATCH data/A3-1_钻孔照片.pdf ${UNITS.survey.name}`,
    `CONTENT_DOES_NOT_OPEN data/C1-1/施工日志-续.pdf ${UNITS.construction.name}`,
    `METADATA_RECORD_MISSING data/C1-1/施工日志-续.pdf ${UNITS.construction.name}`,
    `SCOPE_ITEM_MISSING D-1 ${UNITS.construction.name}`,
    `SCOPE_FILE_UNEXPECTED data/会议照片.jpg ${UNITS.builder.name}`
  ]) t.ok(codes.includes(expected), expected)
  t.same(acceptance.unexpected, ['data/会议照片.jpg'])
  t.match(acceptance.properties.find(p => p.check === '1-14'), { outcome: 'pass' })

  const files = (await s.app.inject({ method: 'GET', url: `/v1/packages/${sub.packageId}/files?version=${sub.version}&limit=100`, headers: s.auth() })).json() as {
    items: Array<{ logicalPath: string, format: string | null, scopeItem: string | null, producer: { role: string, name: string | null, uscc: string | null } | null }>
  }
  const byPath = new Map(files.items.map(f => [f.logicalPath, f]))
  t.same(byPath.get('data/A3-1_钻孔照片.pdf'), { ...byPath.get('data/A3-1_钻孔照片.pdf'), format: 'jpeg', scopeItem: 'A3-1', producer: { role: 'survey', name: UNITS.survey.name, uscc: UNITS.survey.uscc } })
  t.same(byPath.get('data/C1-1/施工日志.ofd'), { ...byPath.get('data/C1-1/施工日志.ofd'), format: 'ofd', scopeItem: 'C1-1', producer: { role: 'construction', name: UNITS.construction.name, uscc: UNITS.construction.uscc } })
  t.match([...byPath.keys()].filter(p => p.endsWith('metadata/files.jsonl')), [/^submissions\/.+\/metadata\/files\.jsonl$/], 'the metadata file is kept with the version')
  t.equal([...byPath.values()].find(f => f.logicalPath.startsWith('submissions/'))?.producer, null, 'tag files have no producing unit')

  // A supplement with the missing D-1: the files it does not resend keep what was recorded of them.
  const d1 = await documents(t)
  const supplement = makeBag(t, { 'D-1_建筑竣工图.pdf': d1.pdfa }, { tagFiles: { 'metadata/files.jsonl': jsonl([record('data/D-1_建筑竣工图.pdf', 'D-1', UNITS.construction.uscc)]) } })
  const res2 = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${CODE}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, supplement) })
  const sub2 = await s.settle((res2.json() as { id: string }).id) as { state: string, version: number, report: { acceptance: AcceptanceReport } }
  t.equal(sub2.state, 'stored')
  t.ok(sub2.report.acceptance.findings.some(f => f.code === 'SCOPE_ITEM_MISSING' && f.item === 'A1-1'), 'a supplement is checked on its own bytes')
  const v2 = (await s.app.inject({ method: 'GET', url: `/v1/packages/${sub.packageId}/files?version=${sub2.version}&limit=100`, headers: s.auth() })).json() as typeof files
  const v2ByPath = new Map(v2.items.map(f => [f.logicalPath, f]))
  t.match(v2ByPath.get('data/D-1_建筑竣工图.pdf'), { format: 'pdf-a', scopeItem: 'D-1', producer: { role: 'construction', uscc: UNITS.construction.uscc } })
  t.match(v2ByPath.get('data/A3-1_钻孔照片.pdf'), { format: 'jpeg', scopeItem: 'A3-1', producer: { role: 'survey', name: UNITS.survey.name } })
})
