import t from 'tap'
import type { AddressInfo } from 'node:net'
import { buildTestApp, type TestService } from '../fixtures/service.js'
import { loadAcceptancePolicy, type RequirementsNotice } from '../../src/acceptance/index.js'
import { join } from 'node:path'
import { usccCheckCharacter } from '../../src/projects/index.js'

// Projects with their units, permits and phases, and the requirements notice (issue 14 items 1 and 3),
// over real HTTP on 127.0.0.1 against the real service (SQLite, or PostgreSQL in npm test's second pass).

const CODE = '2024-330108-47-01-000001'
const BUILDER_USCC = '91350100M000100Y43'
/** A valid code made from its first 17 characters. */
const fixCheck = async (first17: string): Promise<string> => first17 + usccCheckCharacter(first17)

interface Http { base: string, headers: Record<string, string> }

async function serve (t: Parameters<typeof buildTestApp>[0]): Promise<{ s: TestService, http: Http }> {
  const s = await buildTestApp(t)
  await s.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = s.app.server.address() as AddressInfo
  return { s, http: { base: `http://127.0.0.1:${port}`, headers: { ...s.auth(), 'content-type': 'application/json' } } }
}

async function call (http: Http, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, json: unknown, text: string, type: string }> {
  const res = await fetch(http.base + path, { method, headers: { ...http.headers, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  const type = res.headers.get('content-type') ?? ''
  return { status: res.status, text, type, json: type.includes('json') ? JSON.parse(text) : null }
}

t.test('a project registered with units, permits and phases reads back whole; each later change is an event', async t => {
  const { s, http } = await serve(t)
  const contractor = await fixCheck('91330100MA27XK1A0')
  const created = await call(http, 'POST', '/v1/projects', {
    code: CODE, name: '滨江安置房', location: '杭州市滨江区',
    units: [{ role: 'builder', uscc: BUILDER_USCC, name: '杭州城投', persons: [{ name: '张三', title: '项目负责人' }] }],
    permits: [{ kind: 'works-planning', number: '建字第330108202400001号', issuedOn: '2024-03-01' }],
    phases: [{ code: 'P1', name: '一期' }]
  })
  t.equal(created.status, 201, created.text)
  t.match(created.json, { code: CODE, name: '滨江安置房', location: '杭州市滨江区', classification: '非密', unit: null })

  t.equal((await call(http, 'POST', `/v1/projects/${CODE}/units`, { role: 'construction', uscc: contractor, name: '浙江建工', persons: [{ name: '王五', title: '项目经理' }] })).status, 201)
  t.equal((await call(http, 'POST', `/v1/projects/${CODE}/permits`, { kind: 'construction', number: '330108202405010101', issuedOn: '2024-05-01' })).status, 201)
  t.match((await call(http, 'POST', `/v1/projects/${CODE}/phases`, { code: 'P2', name: '二期' })).json, { code: 'P2', position: 2 })
  t.match((await call(http, 'PATCH', `/v1/projects/${CODE}/phases/P2`, { name: '二期（南区）' })).json, { name: '二期（南区）' })
  t.match((await call(http, 'PATCH', `/v1/projects/${CODE}/units/builder/${BUILDER_USCC}`, { persons: [{ name: '李四', title: '项目负责人' }] })).json, { persons: [{ name: '李四' }] })
  t.match((await call(http, 'PATCH', `/v1/projects/${CODE}`, { classification: '秘密', name: '滨江安置房一期' })).json, { classification: '秘密', name: '滨江安置房一期' })

  // Now 秘密, the project is hidden from the first admin (cleared 非密, issue 15 item 4) and read by one cleared 秘密.
  t.equal((await call(http, 'GET', `/v1/projects/${CODE}`)).status, 404)
  const secretAdmin = (await s.catalogue.tokens.create({ role: 'admin', label: 'admin cleared 秘密', clearance: '秘密' })).secret
  const record = await call(http, 'GET', `/v1/projects/${CODE}`, undefined, { authorization: `Bearer ${secretAdmin}` })
  t.equal(record.status, 200)
  t.match(record.json, {
    code: CODE, name: '滨江安置房一期', classification: '秘密',
    units: [{ role: 'builder', uscc: BUILDER_USCC, persons: [{ name: '李四', title: '项目负责人' }] }, { role: 'construction', uscc: contractor, name: '浙江建工' }],
    permits: [{ kind: 'works-planning' }, { kind: 'construction', number: '330108202405010101', issuedOn: '2024-05-01' }],
    phases: [{ code: 'P1', position: 1 }, { code: 'P2', name: '二期（南区）', position: 2 }]
  })
  const events = await s.catalogue.events.list({ objectType: 'project', objectId: CODE, order: 'asc', limit: 20, offset: 0 })
  t.same(events.items.map(e => e.type), ['project.created', 'project.unit-added', 'project.permit-added', 'project.phase-added', 'project.phase-updated', 'project.unit-updated', 'project.updated'])
  t.ok(events.items.every(e => e.agent.startsWith('tok_')), 'each names the token that made it')
})

t.test('bad records are refused with a problem body naming every mistake, and leave no project or event', async t => {
  const { s, http } = await serve(t)
  const badCode = await call(http, 'POST', '/v1/projects', { code: CODE, name: 'n', units: [{ role: 'builder', uscc: '91350100M000100Y44', name: '杭州城投' }] })
  t.equal(badCode.status, 400)
  t.match(badCode.json, { code: 'UNIT_USCC_INVALID', detail: /units\/0\/uscc 91350100M000100Y44 ends in the wrong check character/ })
  t.equal(badCode.type, 'application/problem+json; charset=utf-8')
  const zh = await call(http, 'POST', '/v1/projects', { code: CODE, name: 'n', units: [{ role: 'builder', uscc: '91350100M000100Y44', name: '杭州城投' }] }, { 'accept-language': 'zh' })
  t.match(zh.json, { detail: /校验码不正确/ })

  const many = await call(http, 'POST', '/v1/projects', {
    code: CODE, name: 'n', units: [{ role: 'builder', uscc: 'SHORT', name: 'x' }], permits: [{ kind: 'construction', number: 'S-1', issuedOn: '2024-02-30' }], phases: [{ code: 'P 1', name: 'x' }]
  })
  t.equal(many.status, 400)
  t.match(many.json, { code: 'PROJECT_RECORD_INVALID', findings: [{ field: 'units/0/uscc' }, { field: 'permits/0/issuedOn' }, { field: 'phases/0/code' }] })
  t.equal((await call(http, 'GET', `/v1/projects/${CODE}`)).status, 404)
  t.equal((await s.catalogue.events.list({ objectId: CODE, limit: 10, offset: 0 })).total, 0)

  t.equal((await call(http, 'POST', '/v1/projects', { code: CODE, name: 'n' })).status, 201, 'the old body still registers a project')
  const unit = { role: 'builder', uscc: BUILDER_USCC, name: '杭州城投' }
  t.equal((await call(http, 'POST', `/v1/projects/${CODE}/units`, unit)).status, 201)
  t.match(await call(http, 'POST', `/v1/projects/${CODE}/units`, unit), { status: 409, json: { code: 'UNIT_EXISTS' } })
  t.match(await call(http, 'PATCH', `/v1/projects/${CODE}/units/design/${BUILDER_USCC}`, { name: 'x' }), { status: 404, json: { code: 'UNIT_NOT_FOUND' } })
  t.match(await call(http, 'PATCH', `/v1/projects/${CODE}/units/owner/${BUILDER_USCC}`, { name: 'x' }), { status: 400, json: { code: 'REQUEST_INVALID' } })
  t.match(await call(http, 'PATCH', `/v1/projects/${CODE}`, { classification: '绝密' }), { status: 400, json: { code: 'REQUEST_INVALID' } })
  t.match(await call(http, 'PATCH', `/v1/projects/${CODE}`, {}), { status: 400, json: { code: 'REQUEST_INVALID' } })
  t.match(await call(http, 'PATCH', '/v1/projects/NOPE-1', { name: 'x' }), { status: 404, json: { code: 'PROJECT_NOT_FOUND' } })
  t.match(await call(http, 'POST', '/v1/projects/NOPE-1/phases', { code: 'P1', name: 'x' }), { status: 404, json: { code: 'PROJECT_NOT_FOUND' } })
})

t.test('a reader may read a project and its notice but not change it', async t => {
  const { s, http } = await serve(t)
  await call(http, 'POST', '/v1/projects', { code: CODE, name: 'n' })
  const { secret } = await s.catalogue.tokens.create({ role: 'reader', label: 'reader' })
  const reader = { authorization: `Bearer ${secret}` }
  t.equal((await call(http, 'GET', `/v1/projects/${CODE}`, undefined, reader)).status, 200)
  t.equal((await call(http, 'GET', `/v1/projects/${CODE}/requirements.html`, undefined, reader)).status, 200)
  t.equal((await call(http, 'PATCH', `/v1/projects/${CODE}`, { name: 'x' }, reader)).status, 403)
  t.equal((await call(http, 'POST', `/v1/projects/${CODE}/units`, { role: 'builder', uscc: BUILDER_USCC, name: 'x' }, reader)).status, 403)
})

t.test('the requirements notice lists every item of the policy with the units that form it, as JSON and as a printable bilingual page', async t => {
  const { http } = await serve(t)
  const policy = await loadAcceptancePolicy(join(import.meta.dirname, '../../storage-policies'))
  const contractor = await fixCheck('91330100MA27XK1A0')
  await call(http, 'POST', '/v1/projects', {
    code: CODE, name: '滨江<安置>房 & "一期"', location: '杭州',
    units: [{ role: 'builder', uscc: BUILDER_USCC, name: '杭州城投' }, { role: 'construction', uscc: contractor, name: '浙江建工' }],
    permits: [{ kind: 'construction', number: '330108202405010101', issuedOn: '2024-05-01' }]
  })
  const json = await call(http, 'GET', `/v1/projects/${CODE}/requirements`)
  t.equal(json.status, 200)
  const notice = json.json as RequirementsNotice
  t.match(notice, { kind: 'requirements-notice', project: { code: CODE, permits: [{ kind: 'construction', zh: '建筑工程施工许可证' }] }, decisionRequired: true, timeLimits: { commitment: { maxMonths: 3 }, commitmentStart: { zh: '验收合格意见出具之日' } } })
  const items = notice.categories.flatMap(c => c.items)
  t.same(items.map(i => i.code), [...policy.items.keys()], 'every item of the policy, in its order')
  t.same(notice.counts.required + notice.counts.conditional + notice.counts.optional, policy.items.size)
  t.same(items.find(i => i.code === 'D-2')?.responsibleUnits.map(u => u.name), ['浙江建工'], 'as-built drawings: the construction unit')
  t.same(items.find(i => i.code === 'A5-2')?.responsibleUnits.map(u => u.name), ['杭州城投'], 'a permit from an authority: the builder files it')
  t.same(items.find(i => i.code === 'A3-1')?.responsibleUnits, [], 'no survey unit registered yet')
  t.same(notice.metadata.map(m => m.key), policy.metadata.map(m => m.key))
  t.same(notice.formats.map(f => f.id), policy.formats.map(f => f.id))

  const html = await call(http, 'GET', `/v1/projects/${CODE}/requirements.html`)
  t.equal(html.status, 200)
  t.equal(html.type, 'text/html; charset=utf-8')
  t.match(html.text, /^<!DOCTYPE html>/)
  t.match(html.text, '<style>', 'the styles are in the page')
  t.notMatch(html.text, /<link|<script|src=/, 'nothing fetched at print time')
  t.match(html.text, '@media print')
  t.match(html.text, '滨江&lt;安置&gt;房 &amp; &quot;一期&quot;', 'names are escaped')
  t.notMatch(html.text, '滨江<安置>')
  for (const [code, { item }] of policy.items) {
    if (item.required === false) continue
    t.match(html.text, `data-item="${code}"`, `${code} is listed`)
    t.match(html.text, item.zh, `${code} in Chinese`)
  }
  for (const m of policy.metadata) t.match(html.text, `data-key="${m.key}"`)
  t.ok(html.text.indexOf('建设工程档案归档要求告知书') < html.text.indexOf('Notice of filing requirements'), 'Chinese first, English after')
  t.match(html.text, '浙江建工（' + contractor + '）')

  t.match(await call(http, 'GET', '/v1/projects/NOPE-1/requirements.html'), { status: 404, json: { code: 'PROJECT_NOT_FOUND' } })

  const openapi = (await call(http, 'GET', '/docs/json')).json as { paths: Record<string, Record<string, unknown>> }
  for (const path of ['/v1/projects/{code}/requirements', '/v1/projects/{code}/requirements.html', '/v1/projects/{code}/units', '/v1/projects/{code}/units/{role}/{uscc}', '/v1/projects/{code}/phases/{phase}']) {
    t.ok(openapi.paths[path] !== undefined, `${path} is in the OpenAPI document`)
  }
})
