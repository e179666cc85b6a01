import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { checkAcceptance, type AcceptanceInput } from '../../../src/acceptance/index.js'
import type { AcceptanceFinding } from '../../../src/acceptance/report.js'
import type { ProjectUnit } from '../../../src/catalogue/index.js'
import { UNITS, defectiveBag, documents, jsonl, record, smallPolicy } from '../../fixtures/acceptance.js'
import { makeBag } from '../../fixtures/bags.js'

// Issue 14 item 4: one report with every defect at once, grouped by category, each naming the unit
// answerable for it (谁形成谁负责) from the project's units.

const policy = smallPolicy()
const units: ProjectUnit[] = Object.values(UNITS).map(u => ({ ...u, persons: [], createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' }))

const payloadOf = (root: string): string[] => readdirSync(join(root, 'data'), { recursive: true, withFileTypes: true })
  .filter(d => d.isFile()).map(d => `data/${join(d.parentPath, d.name).slice(join(root, 'data').length + 1)}`)

const run = async (root: string, more: Partial<AcceptanceInput> = {}): ReturnType<typeof checkAcceptance> =>
  await checkAcceptance({ policy, root, payload: payloadOf(root), bagit: { errors: [], warnings: [] }, seals: [], units, submittedBy: 'tok_1', clock: () => new Date('2026-12-03T00:00:00Z'), ...more })

const only = (findings: readonly AcceptanceFinding[], code: string): AcceptanceFinding[] => findings.filter(f => f.code === code)

t.test('a defective bag: every defect in one report, each with its code, texts, place and responsible unit', async t => {
  const { report, files } = await run(await defectiveBag(t))
  t.equal(report.outcome, 'defects')

  // a missing required item names the unit that forms such documents
  t.match(only(report.findings, 'SCOPE_ITEM_MISSING'), [{
    category: 'D', item: 'D-1', severity: 'error', source: 'scope', check: 'X-1',
    responsible: { role: 'construction', name: UNITS.construction.name, uscc: UNITS.construction.uscc },
    message: /required filing-scope item has no file: D-1/, messageZh: /必归档项目没有文件：D-1 建筑竣工图/
  }])
  t.same(report.coverage.map(c => [c.item, c.state]), [['A1-1', 'present'], ['A2-1', 'optional-absent'], ['A3-1', 'present'], ['C1-1', 'present'], ['D-1', 'missing']])

  // an unexpected file: outside the scope, the builder's
  t.same(report.unexpected, ['data/会议照片.jpg'])
  t.match(only(report.findings, 'SCOPE_FILE_UNEXPECTED'), [{ path: 'data/会议照片.jpg', responsible: { role: 'builder', uscc: UNITS.builder.uscc } }])

  // a file with no metadata record: its unit from the scope item's producer
  t.match(only(report.findings, 'METADATA_RECORD_MISSING'), [{
    path: 'data/C1-1/施工日志-续.pdf', category: 'C', item: 'C1-1', check: '1-11', responsible: { role: 'construction', name: UNITS.construction.name }
  }])

  // a .pdf that is really a JPEG: the survey unit's, named by its metadata
  t.match(only(report.findings, 'FORMAT_NAME_MISMATCH'), [{
    path: 'data/A3-1_钻孔照片.pdf', category: 'A', item: 'A3-1', check: '1-10', evidence: { extension: '.pdf', detected: 'jpeg' },
    responsible: { role: 'survey', name: UNITS.survey.name, uscc: UNITS.survey.uscc }
  }])

  // a truncated PDF/A does not open; the OFD does
  t.match(only(report.findings, 'CONTENT_DOES_NOT_OPEN'), [{ path: 'data/C1-1/施工日志-续.pdf', check: '3-4', evidence: { detected: 'pdf-a' }, responsible: { role: 'construction' } }])
  t.equal(files.get('data/C1-1/施工日志.ofd')?.format, 'ofd')
  t.notOk(report.findings.some(f => f.path === 'data/C1-1/施工日志.ofd'), 'the OFD that opens has no finding')

  // every finding has both texts, a stable key and a responsible unit
  for (const f of report.findings) {
    t.ok(f.message.length > 0 && f.messageZh.length > 0, `${f.code} has both texts`)
    t.ok(f.responsible !== undefined, `${f.code} ${f.path ?? f.item ?? ''} names a responsible unit`)
    t.equal(f.key, [f.source, f.code, f.item ?? '', f.path ?? ''].join('|'))
  }
  // grouped by category: A's findings before C's before D's, then those of no category
  const categories = report.findings.map(f => f.category ?? '~')
  t.same(categories, [...categories].sort())

  // each file's format, scope item and producing unit, for the catalogue
  t.same(files.get('data/A1-1_项目建议书批复.pdf'), { format: 'pdf-a', scopeItem: 'A1-1', producer: { role: 'builder', name: UNITS.builder.name, uscc: UNITS.builder.uscc } })
  t.same(files.get('data/会议照片.jpg'), { format: 'jpeg', scopeItem: null, producer: { role: 'builder', name: UNITS.builder.name, uscc: UNITS.builder.uscc } })
})

t.test('each four-property check of the policy has one result; those Lantai cannot do say not-applicable and why', async t => {
  const { report } = await run(await defectiveBag(t))
  const byCode = new Map(report.properties.map(p => [p.check, p]))
  t.same(report.properties.map(p => p.check), policy.fourProperties.map(c => c.code))
  t.match(byCode.get('X-1'), { outcome: 'fail', failed: 1 })
  t.match(byCode.get('1-10'), { property: 'authenticity', outcome: 'fail', failed: 1 })
  t.match(byCode.get('1-11'), { outcome: 'fail', failed: 1 })
  t.match(byCode.get('3-4'), { property: 'usability', outcome: 'fail', files: 4, failed: 1 })
  t.match(byCode.get('2-2'), { outcome: 'pass' })
  t.match(byCode.get('4-2'), { outcome: 'not-applicable', reason: /no malware scanner/ })
  t.match(byCode.get('4-7'), { outcome: 'pass', reason: /tok_1/ })
})

t.test('a clean bag passes, and its checks pass on evidence', async t => {
  const d = await documents(t)
  const files = { 'A1-1_批复.pdf': d.pdfa, 'A3-1_勘察报告.pdf': d.pdfa, 'C1-1_施工日志.ofd': d.ofd, 'D-1_建筑竣工图.pdf': d.pdfa }
  const records = [
    record('data/A1-1_批复.pdf', 'A1-1', UNITS.builder.uscc), record('data/A3-1_勘察报告.pdf', 'A3-1', UNITS.survey.uscc),
    record('data/C1-1_施工日志.ofd', 'C1-1', UNITS.construction.uscc), record('data/D-1_建筑竣工图.pdf', 'D-1', UNITS.construction.uscc)
  ]
  const { report } = await run(makeBag(t, files, { tagFiles: { 'metadata/files.jsonl': jsonl(records) } }))
  t.same(report.findings, [])
  t.equal(report.outcome, 'passed')
  t.same(report.properties.filter(p => p.outcome === 'fail' || p.outcome === 'warn'), [])
})

t.test('a bag without a metadata file gets findings, not a crash; the unit still comes from the scope item', async t => {
  const d = await documents(t)
  const root = makeBag(t, { 'A3-1_勘察报告.pdf': d.pdfa })
  const { report, files } = await run(root)
  t.match(only(report.findings, 'METADATA_FILE_MISSING'), [{ path: 'metadata/files.jsonl', check: '3-1', severity: 'error' }])
  t.same(files.get('data/A3-1_勘察报告.pdf')?.producer, { role: 'survey', name: UNITS.survey.name, uscc: UNITS.survey.uscc })
  t.match(report.properties.find(p => p.check === '3-1'), { outcome: 'fail' })
})

t.test('metadata: required elements, types, enum values, control characters, broken lines and orphans', async t => {
  const d = await documents(t)
  const root = makeBag(t, { 'A1-1_批复.pdf': d.pdfa }, {
    tagFiles: {
      'metadata/files.jsonl': [
        JSON.stringify(record('data/A1-1_批复.pdf', 'A1-1', UNITS.builder.uscc, { title: undefined, date: '2024-02-30', page_count: 'three', retention: '十年', responsible_party: '某\u0007单位' })),
        '{ not json',
        JSON.stringify(record('data/不存在.pdf', 'A1-1', UNITS.builder.uscc))
      ].join('\n')
    }
  })
  const { report } = await run(root)
  const file = report.findings.filter(f => f.path === 'data/A1-1_批复.pdf').map(f => [f.code, f.evidence?.element])
  t.same(file.sort(), [
    ['METADATA_ELEMENT_MISSING', 'title'],
    ['METADATA_VALUE_FORBIDDEN_CHARACTER', 'responsible_party'],
    ['METADATA_VALUE_INVALID', 'date'],
    ['METADATA_VALUE_INVALID', 'page_count'],
    ['METADATA_VALUE_NOT_ALLOWED', 'retention']
  ])
  t.match(only(report.findings, 'METADATA_FILE_UNREADABLE'), [{ evidence: { line: 2 }, messageZh: /第 2 行/ }])
  t.match(only(report.findings, 'METADATA_RECORD_ORPHAN'), [{ path: 'data/不存在.pdf', evidence: { line: 3 } }])
})

t.test('a producing unit the project does not have is reported, and still named by its credit code', async t => {
  const d = await documents(t)
  const stranger = '91330100MA2C0FFEE1'
  const root = makeBag(t, { 'A3-1_勘察报告.pdf': d.pdfa }, { tagFiles: { 'metadata/files.jsonl': jsonl([record('data/A3-1_勘察报告.pdf', 'A3-1', stranger)]) } })
  const { report, files } = await run(root)
  t.match(only(report.findings, 'PRODUCER_NOT_REGISTERED'), [{ path: 'data/A3-1_勘察报告.pdf', item: 'A3-1', responsible: { role: 'survey', uscc: stranger } }])
  t.same(files.get('data/A3-1_勘察报告.pdf')?.producer, { role: 'survey', uscc: stranger })
})

t.test('formats the policy does not accept, encrypted PDFs and executables are defects of usability and security', async t => {
  const d = await documents(t)
  const plain = Buffer.from('%PDF-1.7\n1 0 obj\n<< >>\nendobj\ntrailer\n<< /Encrypt 5 0 R /Root 1 0 R >>\n%%EOF\n', 'latin1')
  const root = makeBag(t, { 'A1-1_批复.pdf': plain, 'A1-1_安装程序.exe': Buffer.from('MZ\x90\0', 'latin1'), 'A1-1_说明.pdf': d.pdfa })
  rmSync(join(root, 'metadata'), { recursive: true, force: true })
  const { report } = await run(root)
  t.match(only(report.findings, 'FORMAT_NOT_ACCEPTED'), [{ path: 'data/A1-1_批复.pdf', check: '3-3', evidence: { detected: 'pdf' } }])
  t.match(only(report.findings, 'CONTENT_ENCRYPTED'), [{ path: 'data/A1-1_批复.pdf', check: '3-8' }])
  t.match(only(report.findings, 'CONTENT_EXECUTABLE'), [{ path: 'data/A1-1_安装程序.exe', check: '4-2' }])
  t.match(report.properties.find(p => p.check === '4-2'), { outcome: 'fail', failed: 1 })
})

t.test('BagIt findings and seal decisions join the report, placed at their file and its unit', async t => {
  const d = await documents(t)
  const root = makeBag(t, { 'A3-1_勘察报告.pdf': d.pdfa }, { tagFiles: { 'metadata/files.jsonl': jsonl([record('data/A3-1_勘察报告.pdf', 'A3-1', UNITS.survey.uscc)]) } })
  writeFileSync(join(root, 'data/A3-1_勘察报告.pdf'), d.truncatedPdfa)
  const { report } = await run(root, {
    bagit: { errors: [{ code: 'BAG_CHECKSUM_MISMATCH', severity: 'error', path: 'data/A3-1_勘察报告.pdf', message: 'the file\'s checksum does not match the manifest', messageZh: '文件摘要与清单不符' }], warnings: [] },
    seals: [{ path: 'data/A3-1_勘察报告.pdf', decision: { integrityAlert: true, provisional: false, reason: 'the signed bytes changed' } }]
  })
  t.match(only(report.findings, 'BAG_CHECKSUM_MISMATCH'), [{ source: 'bagit', check: '2-7', category: 'A', item: 'A3-1', responsible: { role: 'survey', name: UNITS.survey.name } }])
  t.match(only(report.findings, 'SEAL_INTEGRITY_ALERT'), [{ source: 'seals', check: '1-1', responsible: { role: 'survey' }, message: /the signed bytes changed/ }])
  t.match(report.properties.find(p => p.check === '2-7'), { outcome: 'fail' })
  t.match(report.properties.find(p => p.check === '1-1'), { outcome: 'fail' })
  const noSeals = await run(root, { seals: null })
  t.match(noSeals.report.properties.find(p => p.check === '1-1'), { outcome: 'not-applicable', reason: /seal check did not run/ })
})
