import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateBag } from '../../src/bagit/index.js'
import { jsonl } from '../fixtures/acceptance.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'
import { ingestLabelled, labelledService } from './access-fixtures.js'

// Issue 15 items 5 and 6: a stored version leaves as a BagIt bag; classified material only with an
// approval by a second person; pipeline-survey files in an export, and in a listing, count against the
// aggregation guard; an approved access-policy change moves the cap at once.

const ROOT = join(import.meta.dirname, '../..')
// ../shared sits beside the clone, as for the conformance runs (.ci/run)
const BAGIT_PY = join(ROOT, '../shared/tools/bagit-python/bagit.py')

/** The tar unpacked into a scratch directory; the bag's directory. */
function unpack (t: Test, tar: Buffer): string {
  const dir = scratch(t)
  writeFileSync(join(dir, 'export.tar'), tar)
  execFileSync('tar', ['-xf', 'export.tar'], { cwd: dir })
  const [bag] = readdirSync(dir).filter(n => n !== 'export.tar')
  return join(dir, bag ?? '')
}

interface Problem { code: string, title: string, detail: string }

t.test('a version exports as a bag that Lantai\'s validator and bagit-python accept, with the stored digests and the label', async t => {
  const s = await buildTestApp(t)
  const code = '2024-330108-47-01-000901'
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: '导出' } })).statusCode, 201)
  const bag = makeBag(t, { '竣工图/总平面图.pdf': 'plan v1', 'notes (备注).txt': 'notes' }, { tagFiles: { 'metadata/files.jsonl': jsonl([{ path: 'data/notes (备注).txt', classification: '内部' }]) } })
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${code}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, bag) })
  const sub = await s.settle((res.json() as { id: string }).id)
  t.equal(sub.state, 'stored')
  const id = String(sub.packageId)

  const exported = await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/export?version=v1`, headers: s.auth() })
  t.equal(exported.statusCode, 200, exported.body.slice(0, 300))
  t.equal(exported.headers['content-type'], 'application/x-tar')
  t.match(exported.headers['content-disposition'], `${id}-v1.tar`)
  const root = unpack(t, exported.rawPayload)
  t.match(root, new RegExp(`${id}-v1$`), 'one top-level directory named for the package and version (RFC 8493 §4.2)')
  const report = await validateBag(root)
  t.ok(report.valid, JSON.stringify(report.findings))
  t.ok(report.complete)
  t.same(readdirSync(root).sort(), ['bag-info.txt', 'bagit.txt', 'data', 'manifest-sha512.txt', 'manifest-sm3.txt', 'submissions', 'tagmanifest-sha512.txt', 'tagmanifest-sm3.txt'])
  t.equal(readFileSync(join(root, 'data/竣工图/总平面图.pdf'), 'utf8'), 'plan v1')
  const info = readFileSync(join(root, 'bag-info.txt'), 'utf8')
  t.match(info, /Payload-Oxum: 12\.2\n/)
  t.match(info, /Classification: 非密\n/, 'the bag carries its label')
  const stored = await s.catalogue.packages.file(id, 'data/竣工图/总平面图.pdf')
  t.match(readFileSync(join(root, 'manifest-sm3.txt'), 'utf8'), `${stored?.sm3 ?? '?'}  data/竣工图/总平面图.pdf`, 'the manifests are the catalogue\'s digests')
  t.match(readFileSync(join(root, 'tagmanifest-sha512.txt'), 'utf8'), new RegExp(`  submissions/${String(sub.id)}/metadata/files\\.jsonl\n`), 'the submitted bag\'s own tag files travel as tag files, for provenance')
  execFileSync('python3', [BAGIT_PY, '--validate', root], { stdio: 'pipe' })
  t.pass('bagit-python validates it')

  t.equal((await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/export?version=v2`, headers: s.auth() })).json().code, 'VERSION_NOT_FOUND')
  const row = (await s.catalogue.audit.after(0, 500)).find(r => r.action === 'package.export')
  t.match(row, { objectId: id, outcome: 'success', tier: '非密' }, 'the export is an audit row')
})

t.test('classified material leaves only with an approval by another person, once; both names are in the trail', async t => {
  const s = await labelledService(t)
  const id = s.packages['秘密']
  const archivist = await s.token('archivist', '秘密')
  const officer = await s.token('security-officer', '机密')
  const exportAs = async (secret: string): Promise<{ statusCode: number, json: () => unknown, rawPayload: Buffer }> =>
    await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/export`, headers: s.auth(secret) })

  const refused = await exportAs(archivist)
  t.equal(refused.statusCode, 403)
  t.match(refused.json() as Problem, { code: 'EXPORT_APPROVAL_REQUIRED', title: /two-person rule/, detail: new RegExp(`${id} is 秘密: exporting classified material is a two-person rule`) }, 'the problem names the rule')
  const trail = async (): Promise<Array<{ action: string, outcome: string, actorRole: string | null, detail: string | null }>> => (await s.catalogue.audit.after(0, 1000)).filter(r => r.action === 'package.export')
  t.match((await trail())[0], { outcome: 'refused', actorRole: 'archivist' })
  t.match(JSON.parse((await trail())[0]?.detail ?? '{}'), { rule: 'two-person', kind: 'export-classified' })
  t.equal((await exportAs(await s.token('reader', '非密'))).statusCode, 404, 'an uncleared caller meets a missing package, not the rule')

  const filed = await s.app.inject({ method: 'POST', url: '/v1/approvals', headers: s.auth(archivist), payload: { kind: 'export-classified', objectId: id, reason: '移交市城建档案馆' } })
  t.equal(filed.statusCode, 201, filed.body)
  const request = (filed.json() as { id: string }).id
  const self = await s.app.inject({ method: 'POST', url: `/v1/approvals/${request}/approve`, headers: s.auth(archivist), payload: {} })
  t.match(self.json(), { code: 'FORBIDDEN' }, 'the requester cannot approve their own export: only a security officer decides (KIND_RULES)')
  t.equal((await exportAs(archivist)).statusCode, 403, 'still refused while only requested')
  t.equal((await s.app.inject({ method: 'POST', url: `/v1/approvals/${request}/approve`, headers: s.auth(officer), payload: { reason: '同意' } })).statusCode, 200)

  const allowed = await exportAs(archivist)
  t.equal(allowed.statusCode, 200)
  t.ok((await validateBag(unpack(t, allowed.rawPayload))).valid, 'a valid bag')
  const done = (await s.catalogue.audit.after(0, 1000)).filter(r => r.action === 'package.export' && r.outcome === 'success')
  t.equal(done.length, 1)
  t.match(JSON.parse(done[0]?.detail ?? '{}'), { request, requestedBy: /^tok_/, approvedBy: /^tok_/ }, 'the export names requester and approver')
  const used = await s.app.inject({ method: 'GET', url: `/v1/approvals/${request}`, headers: s.auth(officer) })
  t.match(used.json(), { state: 'executed' }, 'the approval is used up')
  t.equal((await exportAs(archivist)).statusCode, 403, 'a second export needs a second approval')
})

/** A service whose policy caps a person at two pipeline-survey files a day, with one survey of three sheets. */
async function surveyService (t: Test): Promise<TestService & { survey: string, token: (role: string, clearance: string) => Promise<string> }> {
  const policies = scratch(t)
  cpSync(join(ROOT, 'storage-policies'), policies, { recursive: true })
  writeFileSync(join(policies, 'approvals.yaml'), 'aggregation:\n  windowHours: 24\n  caps: { files: 2, mapSheets: 10, areaKm2: 25 }\n')
  const s = await buildTestApp(t, { LANTAI_POLICIES: policies })
  const sub = await ingestLabelled(t, s, '秘密', { category: 'pipeline-survey', mapSheets: ['H-51-1'], areaKm2: 1 })
  const again = await ingestLabelled(t, s, '秘密', { category: 'pipeline-survey', mapSheets: ['H-51-2'], areaKm2: 1 })
  const third = await ingestLabelled(t, s, '秘密', { category: 'pipeline-survey', mapSheets: ['H-51-3'], areaKm2: 1 })
  t.equal([sub, again, third].filter(x => x.state === 'stored').length, 3)
  const token = async (role: string, clearance: string): Promise<string> => (await s.catalogue.tokens.create({ role: role as 'reader', label: `${role} ${clearance}`, clearance: clearance as '秘密' })).secret
  return Object.assign(s, { survey: [sub.packageId, again.packageId, third.packageId].join(','), token })
}

t.test('an export\'s pipeline-survey files count against the guard: over the cap it is refused before a byte, until a scope is approved', async t => {
  const s = await surveyService(t)
  const [p1, p2, p3] = s.survey.split(',') as [string, string, string]
  const archivist = await s.token('archivist', '秘密')
  const officer = await s.token('security-officer', '机密')
  const approved = async (kind: string, objectId: string | undefined, parameters: Record<string, unknown> = {}): Promise<string> => {
    const filed = await s.app.inject({ method: 'POST', url: '/v1/approvals', headers: s.auth(archivist), payload: { kind, ...(objectId === undefined ? {} : { objectId }), parameters, reason: '管网普查' } })
    const id = (filed.json() as { id: string }).id
    const res = await s.app.inject({ method: 'POST', url: `/v1/approvals/${id}/approve`, headers: s.auth(officer), payload: {} })
    t.equal(res.statusCode, 200, res.body)
    return id
  }
  for (const p of [p1, p2]) {
    await approved('export-classified', p)
    t.equal((await s.app.inject({ method: 'GET', url: `/v1/packages/${p}/export`, headers: s.auth(archivist) })).statusCode, 200, `export of ${p} passes`)
  }
  const exportRequest = await approved('export-classified', p3)
  const over = await s.app.inject({ method: 'GET', url: `/v1/packages/${p3}/export`, headers: s.auth(archivist) })
  t.equal(over.statusCode, 403)
  t.equal(over.headers['content-type']?.toString().startsWith('application/problem+json'), true, 'a problem, not a cut-off tar')
  t.match(over.json() as Problem, { code: 'AGGREGATION_CAP_EXCEEDED', detail: /3 files \(cap 2\)/ }, 'with the guard\'s reason')
  t.match((await s.catalogue.events.list({ type: 'aggregation.refused', limit: 5, offset: 0 })).items[0], { detail: { action: 'export' } }, 'and an alert')
  t.match((await s.app.inject({ method: 'GET', url: `/v1/approvals/${exportRequest}`, headers: s.auth(officer) })).json(), { state: 'approved' }, 'the export approval is not used up by a refusal')

  await approved('aggregation-scope', undefined, { files: 3 })
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/packages/${p3}/export`, headers: s.auth(archivist) })).statusCode, 200, 'an approved scope covers it')
  const usage = await s.app.inject({ method: 'GET', url: '/v1/aggregation/usage', headers: s.auth(archivist) })
  t.match(usage.json(), { people: [{ files: 3 }] })
})

t.test('a listing counts the pipeline-survey records it returns; an approved policy change moves the cap at once', async t => {
  const s = await surveyService(t)
  const [p1, p2, p3] = s.survey.split(',') as [string, string, string]
  const reader = await s.token('reader', '秘密')
  const list = async (p: string): Promise<{ statusCode: number, json: () => unknown }> => await s.app.inject({ method: 'GET', url: `/v1/packages/${p}/files`, headers: s.auth(reader) })
  t.equal((await list(p1)).statusCode, 200)
  t.equal((await list(p2)).statusCode, 200)
  t.equal((await list(p1)).statusCode, 200, 'the same records again reveal nothing new')
  const over = await list(p3)
  t.equal(over.statusCode, 403)
  t.match(over.json() as Problem, { code: 'AGGREGATION_CAP_EXCEEDED' })
  t.match((await s.catalogue.events.list({ type: 'aggregation.refused', limit: 5, offset: 0 })).items[0], { detail: { action: 'search' } })
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/packages/${p3}/files/data/b.txt`, headers: s.auth(reader) })).statusCode, 200, 'a file that is not survey data is not counted')

  const officerA = await s.token('security-officer', '机密')
  const officerB = await s.token('security-officer', '机密')
  const filed = await s.app.inject({ method: 'POST', url: '/v1/approvals', headers: s.auth(officerA), payload: { kind: 'access-policy-change', objectId: 'aggregation', parameters: { caps: { files: 5 } }, reason: '普查期间放宽' } })
  t.equal(filed.statusCode, 201, filed.body)
  const id = (filed.json() as { id: string }).id
  t.match((await s.app.inject({ method: 'POST', url: `/v1/approvals/${id}/approve`, headers: s.auth(officerA), payload: {} })).json(), { code: 'SELF_APPROVAL' })
  const approved = await s.app.inject({ method: 'POST', url: `/v1/approvals/${id}/approve`, headers: s.auth(officerB), payload: {} })
  t.match(approved.json(), { state: 'executed', result: { to: { caps: { files: 5 } } } })
  t.equal((await list(p3)).statusCode, 200, 'the next listing is held to the new cap')
  t.match((await s.app.inject({ method: 'GET', url: '/v1/aggregation/usage', headers: s.auth(reader) })).json(), { caps: { files: 5 } })
})
