import t from 'tap'
import { eachEngine, makeCatalogue, thrown } from './helpers.js'

eachEngine(t, 'events are appended with an id and time, and listed by object, type and order with a total', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const e1 = await c.events.append({ type: 'fixity.check', outcome: 'success', agent: 'system', objectType: 'content', objectId: 'pkg_1/v1/a', detail: { n: 1 } })
  clock.advance(5)
  await c.events.append({ type: 'package.version', outcome: 'success', agent: 'tok_A', objectType: 'package', objectId: 'pkg_1' })
  await c.events.append({ type: 'package.damaged', outcome: 'failure', agent: 'system', objectType: 'package', objectId: 'pkg_1', detail: ['x'] })
  await c.events.append({ type: 'package.version', outcome: 'success', agent: 'system', objectType: 'package', objectId: 'pkg_2', at: '2020-01-01T00:00:00.000Z' })
  t.same(e1, { id: 1, at: '2024-05-01T00:00:00.000Z', type: 'fixity.check', outcome: 'success', agent: 'system', objectType: 'content', objectId: 'pkg_1/v1/a', detail: { n: 1 } })

  const byObject = await c.events.list({ objectType: 'package', objectId: 'pkg_1', limit: 10, offset: 0, order: 'asc' })
  t.same(byObject.items.map(e => e.type), ['package.version', 'package.damaged'])
  t.equal(byObject.items[0]?.detail, null)
  t.same((await c.events.list({ objectId: 'pkg_1', limit: 10, offset: 0, order: 'desc' })).items.map(e => e.id), [3, 2])
  const byType = await c.events.list({ type: 'package.version', limit: 1, offset: 1, order: 'asc' })
  t.match(byType, { total: 2, items: [{ objectId: 'pkg_2', at: '2020-01-01T00:00:00.000Z' }] })
  t.equal((await c.events.list({ limit: 2, offset: 0 })).total, 4)
  t.equal((await c.events.list({ objectType: 'token', limit: 2, offset: 0 })).total, 0)
  await t.rejects(c.events.append({ type: 'x', outcome: 'maybe' as never, agent: 'a', objectType: 'system', objectId: 'x' }), /check constraint/i)
})

eachEngine(t, 'events and the access log refuse UPDATE and DELETE, even from a raw SQL session', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  await c.events.append({ type: 'token.created', outcome: 'success', agent: 'system', objectType: 'token', objectId: 'tok_1' })
  await c.access.append({ tokenId: 'tok_1', role: 'admin', method: 'GET', route: '/v1/packages/:id', url: '/v1/packages/pkg_1', objectId: 'pkg_1', ip: '127.0.0.1', status: 200, outcome: 'allowed', requestId: 'req-1' })
  // a plain connection with none of the catalogue's code, as an operator with the sqlite3 shell or psql would have
  const raw = await sql()
  for (const text of [
    "UPDATE events SET outcome = 'failure'",
    'DELETE FROM events',
    "UPDATE access_log SET status = 403, outcome = 'denied'",
    'DELETE FROM access_log WHERE id = 1'
  ]) await t.rejects(raw.run(text), /EVENT_IMMUTABLE: (events|access_log) is insert-only/, text)
  t.match(await raw.all('SELECT outcome FROM events'), [{ outcome: 'success' }])
  t.match(await raw.all('SELECT status FROM access_log'), [{ status: 200 }])
})

eachEngine(t, 'the access log records who, what, where and the outcome, listed newest first per token', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const entry = async (tokenId: string | null, status: number, outcome: 'allowed' | 'denied' | 'error'): Promise<void> => {
    clock.advance(1000)
    await c.access.append({ tokenId, role: tokenId === null ? null : 'reader', method: 'GET', route: '/v1/projects', url: '/v1/projects?q=河', objectId: null, ip: '10.0.0.8', status, outcome, requestId: `req-${clock.ms}` })
  }
  await entry('tok_A', 200, 'allowed')
  await entry(null, 401, 'denied')
  await entry('tok_A', 403, 'denied')
  await entry('tok_B', 500, 'error')
  const a = await c.access.list({ tokenId: 'tok_A', limit: 10, offset: 0 })
  t.equal(a.total, 2)
  t.match(a.items, [{ status: 403, outcome: 'denied', at: '2024-05-01T00:00:03.000Z' }, { status: 200, url: '/v1/projects?q=河', ip: '10.0.0.8', role: 'reader' }])
  t.match(await c.access.list({ limit: 1, offset: 0 }), { total: 4, items: [{ tokenId: 'tok_B', status: 500 }] })
  t.same((await c.access.list({ limit: 10, offset: 0, order: 'asc' })).items.map(e => e.id), [1, 2, 3, 4])
  t.match(await thrown(async () => await c.access.list({ limit: -1, offset: 0 })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
})
