import t from 'tap'
import { buildTestApp } from '../fixtures/service.js'

// Every route needs a token and a role allowed for it, except health and the docs (BRIEF §4).

t.test('every registered route but /healthz, /readyz and /docs answers 401 problem+json without a token', async t => {
  const s = await buildTestApp(t)
  const routes = s.app.routeTable.filter(r => !r.public)
  t.ok(routes.length >= 12, `${routes.length} protected routes`)
  for (const r of routes) {
    const url = r.url.replace(/:(\w+)/g, 'x').replace('*', 'data/a.txt')
    const res = await s.app.inject({ method: r.method as 'GET', url })
    t.equal(res.statusCode, 401, `${r.method} ${r.url}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { code: 'UNAUTHENTICATED', status: 401, instance: String })
  }
  const bad = await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth('lantai_not-a-token') })
  t.equal(bad.statusCode, 401)
})

t.test('health and the OpenAPI docs need no token', async t => {
  const s = await buildTestApp(t)
  t.equal((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  const docs = await s.app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(docs.statusCode, 200)
  const spec = docs.json() as { openapi: string, paths: Record<string, unknown> }
  t.match(spec.openapi, /^3\./)
  for (const path of ['/v1/submissions', '/v1/submissions/{id}', '/v1/packages/{id}/files/{*}', '/v1/projects', '/v1/fixity']) t.ok(path in spec.paths || Object.keys(spec.paths).some(p => p.startsWith(path.replace('{*}', ''))), path)
  t.equal((await s.app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true)
})

t.test('a role not allowed for a route gets 403, and both are in the access log', async t => {
  const s = await buildTestApp(t)
  const { secret: reader } = await s.catalogue.tokens.create({ role: 'reader', label: 'test reader' })
  const { secret: auditor } = await s.catalogue.tokens.create({ role: 'auditor', label: 'test auditor' })
  const denied = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(reader), payload: { code: '2026-310104-47-01-000001', name: 'x' } })
  t.equal(denied.statusCode, 403)
  t.match(denied.json(), { code: 'FORBIDDEN' })
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(reader) })).statusCode, 200)
  const log = await s.app.inject({ method: 'GET', url: '/v1/access-log', headers: s.auth(auditor) })
  t.equal(log.statusCode, 200)
  const items = (log.json() as { items: Array<{ route: string, status: number, outcome: string, method: string }> }).items
  t.ok(items.some(i => i.method === 'POST' && i.route === '/v1/projects' && i.status === 403 && i.outcome === 'denied'))
  t.ok(items.some(i => i.method === 'GET' && i.route === '/v1/projects' && i.status === 200 && i.outcome === 'allowed'))
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/access-log', headers: s.auth() })).statusCode, 403, 'the admin does not read the access log (三员分立)')
})

t.test('tokens: an admin creates one, its secret is shown once, and a revoked one stops working', async t => {
  const s = await buildTestApp(t)
  const created = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'archivist', label: 'Li Wei' } })
  t.equal(created.statusCode, 201)
  const { id, secret } = created.json() as { id: string, secret: string }
  t.match(secret, /^lantai_/)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(secret) })).statusCode, 200)
  const listed = (await s.app.inject({ method: 'GET', url: '/v1/tokens', headers: s.auth() })).body
  t.notOk(listed.includes(secret), 'secrets are never listed')
  t.equal((await s.app.inject({ method: 'DELETE', url: `/v1/tokens/${id}`, headers: s.auth() })).statusCode, 204)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(secret) })).statusCode, 401)
})

t.test('schema violations are REQUEST_INVALID problems naming the field', async t => {
  const s = await buildTestApp(t)
  const res = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '../etc', name: '' } })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'REQUEST_INVALID', detail: /code|name/ })
})
