import t from 'tap'
import { verifyTrail } from '../../src/audit/index.js'
import { buildTestApp, type TestService } from '../fixtures/service.js'
import { until } from '../fixtures/wait.js'

// Issue 15 items 8 and 9 over HTTP: every request leaves one row of the audit trail, with its outcome;
// the auditor and the security officer read it (filtered, paged, exported) and the daily report; the
// admin, whose actions it records, does not.

interface Row { seq: number, action: string, outcome: string, actorId: string | null, actorRole: string | null, requestId: string | null, objectType: string | null, detail: string | null }

async function rowOf (s: TestService, requestId: string): Promise<Row> {
  return await until(`trail row of ${requestId}`, async () => (await s.catalogue.audit.list({ limit: 1000, offset: 0 })).items.find(r => r.requestId === requestId) as Row | undefined)
}

t.test('every request, allowed, denied, unauthenticated or unrouted, leaves one trail row with its outcome', async t => {
  const s = await buildTestApp(t)
  const { secret: reader, token } = await s.catalogue.tokens.create({ role: 'reader', label: '档案利用者' })
  const ok = await s.app.inject({ method: 'GET', url: '/v1/projects?q=河', headers: s.auth(reader) })
  const forbidden = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(reader), payload: { code: '2026-310104-47-01-000001', name: 'x' } })
  const anonymous = await s.app.inject({ method: 'GET', url: '/v1/projects' })
  const unknown = await s.app.inject({ method: 'GET', url: '/v1/no-such-thing', headers: s.auth(reader) })
  t.same([ok.statusCode, forbidden.statusCode, anonymous.statusCode, unknown.statusCode], [200, 403, 401, 404])

  t.match(await rowOf(s, String(ok.headers['x-request-id'])), { action: 'GET /v1/projects', outcome: 'allowed', actorId: token.id, actorRole: 'reader', objectType: 'projects', detail: /"status":200/ })
  t.match(await rowOf(s, String(forbidden.headers['x-request-id'])), { action: 'POST /v1/projects', outcome: 'denied', actorId: token.id })
  t.match(await rowOf(s, String(anonymous.headers['x-request-id'])), { action: 'GET /v1/projects', outcome: 'denied', actorId: null })
  t.match(await rowOf(s, String(unknown.headers['x-request-id'])), { action: 'GET (none)', outcome: 'error' })
  const undecodable = await s.app.inject({ method: 'GET', url: '/v1/packages/pkg_%C3%28', headers: s.auth(reader) })
  t.equal(undecodable.statusCode, 400)
  const refused = await until('trail row of the refused URL', async () => (await s.catalogue.audit.list({ action: 'GET (refused)', limit: 10, offset: 0 })).items[0])
  t.match(refused, { outcome: 'refused', actorId: null, detail: /"url":"\/v1\/packages\/pkg_%C3%28"/ })
  t.match(await verifyTrail(s.catalogue.audit), { ok: true, firstBreak: null })
})

t.test('the auditor reads the trail filtered and paged, and exports it as CSV and JSON; the admin is refused', async t => {
  const s = await buildTestApp(t)
  const { secret: auditor } = await s.catalogue.tokens.create({ role: 'auditor', label: 'auditor' })
  const { secret: officer } = await s.catalogue.tokens.create({ role: 'security-officer', label: 'officer' })
  const { secret: reader, token: readerToken } = await s.catalogue.tokens.create({ role: 'reader', label: 'reader, "quoted"' })
  // each request's row is written as its response ends: wait for each before the next, so the trail's order is the requests'
  for (let i = 0; i < 3; i++) await rowOf(s, String((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(reader) })).headers['x-request-id']))
  const last = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(reader), payload: { code: '2026-310104-47-01-000001', name: 'x' } })
  await rowOf(s, String(last.headers['x-request-id']))

  const admin = await s.app.inject({ method: 'GET', url: '/v1/audit', headers: s.auth() })
  t.equal(admin.statusCode, 403, 'the admin does not read the trail that records it (三员分立)')

  const page = await s.app.inject({ method: 'GET', url: `/v1/audit?actor=${readerToken.id}&limit=2`, headers: s.auth(auditor) })
  t.equal(page.statusCode, 200)
  t.match(page.json(), { total: 4, limit: 2, offset: 0, items: [{ action: 'POST /v1/projects', outcome: 'denied' }, { action: 'GET /v1/projects' }] })
  const denied = await s.app.inject({ method: 'GET', url: `/v1/audit?actor=${readerToken.id}&outcome=denied&action=${encodeURIComponent('POST /v1/*')}`, headers: s.auth(officer) })
  t.match(denied.json(), { total: 1 })
  const future = await s.app.inject({ method: 'GET', url: '/v1/audit?from=2999-01-01', headers: s.auth(auditor) })
  t.match(future.json(), { total: 0, items: [] })
  const bad = await s.app.inject({ method: 'GET', url: '/v1/audit?from=yesterday&format=csv', headers: s.auth(auditor) })
  t.equal(bad.statusCode, 400, 'a bad filter is refused before an export begins')

  const csv = await s.app.inject({ method: 'GET', url: `/v1/audit?actor=${readerToken.id}&format=csv&order=asc`, headers: s.auth(auditor) })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv/)
  const lines = csv.body.trimEnd().split('\r\n')
  t.equal(lines[0], 'seq,at,actorId,actorRole,actorLabel,action,objectType,objectId,tier,outcome,requestId,ip,detail,alg,prevHash,hash')
  t.equal(lines.length, 5)
  t.match(lines[1], /,"reader, ""quoted""",GET \/v1\/projects,projects,/)

  const json = await s.app.inject({ method: 'GET', url: `/v1/audit?actor=${readerToken.id}&format=json`, headers: s.auth(auditor) })
  const rows = json.json() as Row[]
  t.equal(rows.length, 4)
  t.ok(rows[0]!.seq > rows[3]!.seq, 'newest first, as the pages are')
})

t.test('the daily report counts refusals of the day, and approvals and aggregation alerts by their action names', async t => {
  const s = await buildTestApp(t)
  const { secret: officer } = await s.catalogue.tokens.create({ role: 'security-officer', label: 'officer' })
  const { secret: reader } = await s.catalogue.tokens.create({ role: 'reader', label: 'reader' })
  const denied = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(reader), payload: { role: 'admin', label: 'x' } })
  await rowOf(s, String(denied.headers['x-request-id']))
  const day = new Date().toISOString().slice(0, 10)
  await s.audit.record({ actor: { id: 'acc_officer', role: 'security-officer' }, action: 'aggregation.approved', objectType: 'package', objectId: 'pkg_1', tier: '秘密', outcome: 'success' })
  await s.audit.record({ actor: { id: 'acc_li' }, action: 'aggregation.alert', outcome: 'failure', detail: { sheets: 40 } })
  await s.audit.record({ actor: { id: 'acc_li' }, action: 'package.download', objectType: 'package', objectId: 'pkg_1', tier: '秘密', outcome: 'success' })

  const res = await s.app.inject({ method: 'GET', url: `/v1/audit/report/daily?date=${day}`, headers: s.auth(officer) })
  t.equal(res.statusCode, 200)
  t.match(res.json(), {
    date: day,
    classifiedReads: { total: 1, byAction: { 'package.download': 1 }, byTier: { 秘密: 1 } },
    refusals: { byAction: { 'POST /v1/tokens': 1 } },
    approvals: { total: 1, byAction: { 'aggregation.approved': 1 } },
    aggregationAlerts: { total: 2 }
  })
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/audit/report/daily?date=tomorrow', headers: s.auth(officer) })).statusCode, 400)
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/audit/report/daily?date=${day}`, headers: s.auth() })).statusCode, 403)
})

t.test('a console session\'s requests are in the trail under the account, with the session id as detail; a token\'s under the token', async t => {
  const s = await buildTestApp(t)
  const made = await s.app.inject({ method: 'POST', url: '/v1/accounts', headers: s.auth(), payload: { login: 'li.archivist', displayName: '档案员 李', role: 'archivist', password: 'correct horse battery staple' } })
  t.equal(made.statusCode, 201, 'the admin makes 李')
  const account = made.json() as { id: string }
  const login = await s.app.inject({ method: 'POST', url: '/v1/session', payload: { login: 'li.archivist', password: 'correct horse battery staple' } })
  const cookie = `lantai_session=${String(login.cookies.find(c => c.name === 'lantai_session')?.value)}`
  const session = ((await s.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } })).json() as { credentialId: string }).credentialId
  t.not(session, account.id)
  const { secret, token } = await s.catalogue.tokens.create({ role: 'reader', label: '外部系统' })
  const bySession = await s.app.inject({ method: 'GET', url: '/v1/projects', headers: { cookie } })
  const byToken = await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(secret) })
  const row = await rowOf(s, String(bySession.headers['x-request-id']))
  t.match(row, { actorId: account.id, actorRole: 'archivist', action: 'GET /v1/projects' }, 'the person, not the session')
  t.same(JSON.parse(row.detail ?? '{}'), { url: '/v1/projects', status: 200, session }, 'the session id is kept as detail')
  t.match(await rowOf(s, String(byToken.headers['x-request-id'])), { actorId: token.id, detail: '{"status":200,"url":"/v1/projects"}' }, 'a token without an account is its own actor')
  t.equal((await s.catalogue.access.byRequestId(String(bySession.headers['x-request-id'])))?.tokenId, session, 'the access log still names the credential')
  const own = await s.app.inject({ method: 'GET', url: `/v1/audit?actor=${account.id}`, headers: s.auth((await s.catalogue.tokens.create({ role: 'auditor', label: 'auditor' })).secret) })
  t.ok((own.json() as { items: Row[] }).items.some(r => r.requestId === bySession.headers['x-request-id']), 'the auditor finds the request by the person')
})
