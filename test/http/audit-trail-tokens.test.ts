import t from 'tap'
import { buildTestApp, type TestService } from '../fixtures/service.js'
import { until } from '../fixtures/wait.js'

// Issue 15 item 8: the trail names the person. A bearer token issued for an account acts for that
// person, so its requests are the account's rows, with the token id kept as detail (as a console
// session's are, with the session id); a token of no account stays its own actor.

interface Row { action: string, outcome: string, actorId: string | null, actorRole: string | null, requestId: string | null, detail: string | null }

async function rowOf (s: TestService, requestId: string): Promise<Row> {
  return await until(`trail row of ${requestId}`, async () => (await s.catalogue.audit.list({ limit: 1000, offset: 0 })).items.find(r => r.requestId === requestId) as Row | undefined)
}

t.test('a request with an account\'s bearer token is in the trail under the account, with the token id as detail', async t => {
  const s = await buildTestApp(t)
  const made = await s.app.inject({ method: 'POST', url: '/v1/accounts', headers: s.auth(), payload: { login: 'wang.archivist', displayName: '档案员 王', role: 'archivist', password: 'correct horse battery staple' } })
  t.equal(made.statusCode, 201, 'the admin makes 王')
  const account = made.json() as { id: string }
  const issued = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'archivist', label: '王的脚本', accountId: account.id } })
  t.equal(issued.statusCode, 201, 'and a token that acts for 王')
  const { id: tokenId, secret } = issued.json() as { id: string, secret: string }

  const read = await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(secret) })
  const refused = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(secret), payload: { role: 'admin', label: 'x' } })
  t.same([read.statusCode, refused.statusCode], [200, 403])

  const row = await rowOf(s, String(read.headers['x-request-id']))
  t.match(row, { actorId: account.id, actorRole: 'archivist', action: 'GET /v1/projects', outcome: 'allowed' }, 'the person, not the token')
  t.same(JSON.parse(row.detail ?? '{}'), { url: '/v1/projects', status: 200, token: tokenId }, 'the token id is kept as detail')
  t.match(await rowOf(s, String(refused.headers['x-request-id'])), { actorId: account.id, outcome: 'denied' }, 'a refused request is the person\'s too')
  t.equal((await s.catalogue.access.byRequestId(String(read.headers['x-request-id'])))?.tokenId, tokenId, 'the access log still names the credential')

  const auditor = (await s.catalogue.tokens.create({ role: 'auditor', label: 'auditor' })).secret
  const own = (await s.app.inject({ method: 'GET', url: `/v1/audit?actor=${account.id}`, headers: s.auth(auditor) })).json() as { items: Row[] }
  t.ok(own.items.some(r => r.requestId === read.headers['x-request-id']), 'the auditor finds the token\'s request by the person')
  const byToken = (await s.app.inject({ method: 'GET', url: `/v1/audit?actor=${tokenId}`, headers: s.auth(auditor) })).json() as { items: Row[] }
  t.notOk(byToken.items.some(r => r.requestId === read.headers['x-request-id']), 'and not under the token as if it were someone')
})

t.test('a token of no account is still its own actor, with no credential detail', async t => {
  const s = await buildTestApp(t)
  const { secret, token } = await s.catalogue.tokens.create({ role: 'reader', label: '外部系统' })
  const res = await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(secret) })
  const row = await rowOf(s, String(res.headers['x-request-id']))
  t.match(row, { actorId: token.id, actorRole: 'reader' })
  t.same(JSON.parse(row.detail ?? '{}'), { url: '/v1/projects', status: 200 })
})
