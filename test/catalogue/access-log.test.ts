import t from 'tap'
import { MIGRATIONS } from '../../src/catalogue/db/migrate.js'
import { openDatabase } from '../../src/catalogue/db/open.js'
import { eachEngine, makeCatalogue, rawSql, thrown } from './helpers.js'

// Issue 11 item 1: a request's row goes in pending when it is authorized and is completed exactly once;
// who, what, when and from where never change, and nothing is deleted (migration 0005).

const request = { tokenId: 'tok_1', role: 'reader', method: 'GET', route: '/v1/packages/:id/files/*', url: '/v1/packages/pkg_1/files/data/a.pdf', objectId: 'pkg_1', ip: '10.0.0.8', requestId: 'req-1' }

eachEngine(t, 'a row opens pending and is completed once with its status, outcome and end time', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const open = await c.access.open(request)
  t.match(open, { ...request, outcome: 'pending', status: null, endedAt: null, at: '2024-05-01T00:00:00.000Z' })
  clock.advance(1500)
  t.match(await c.access.complete(open.id, { status: 200, outcome: 'aborted' }), { ...request, outcome: 'aborted', status: 200, endedAt: '2024-05-01T00:00:01.500Z' })
  t.match(await thrown(async () => await c.access.complete(open.id, { status: 200, outcome: 'allowed' })), { code: 'EVENT_IMMUTABLE' }, 'a final row is never completed again')
  t.match(await c.access.byRequestId('req-1'), { outcome: 'aborted', status: 200 })
})

eachEngine(t, 'even a raw SQL session can only complete a pending row, once, and change nothing else', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  const pending = await c.access.open(request)
  const raw = await sql()
  for (const text of [
    `UPDATE access_log SET ip = '1.2.3.4', status = 200, outcome = 'allowed', ended_at = 'x' WHERE id = ${pending.id}`,
    `UPDATE access_log SET token_id = NULL, status = 200, outcome = 'allowed', ended_at = 'x' WHERE id = ${pending.id}`,
    `UPDATE access_log SET status = 200 WHERE id = ${pending.id}`,
    `DELETE FROM access_log WHERE id = ${pending.id}`
  ]) await t.rejects(raw.run(text), /EVENT_IMMUTABLE/, text)
  await raw.run(`UPDATE access_log SET status = 403, outcome = 'denied', ended_at = '2024-05-01T00:00:01.000Z' WHERE id = ${pending.id}`)
  await t.rejects(raw.run(`UPDATE access_log SET status = 200, outcome = 'allowed' WHERE id = ${pending.id}`), /EVENT_IMMUTABLE/, 'final is final')
  t.match(await c.access.byRequestId('req-1'), { ip: '10.0.0.8', status: 403, outcome: 'denied' })
})

eachEngine(t, 'migrating a version-3 catalogue keeps its access-log rows, final and ended when they began', async (t, target) => {
  const raw = await rawSql(t, target)
  const db = await openDatabase(target.target, { migrations: MIGRATIONS.slice(0, 3) })
  await db.close()
  await raw.run(`INSERT INTO access_log (at, token_id, role, method, route, url, object_id, ip, status, outcome, request_id)
    VALUES ('2024-01-01T00:00:00.000Z', 'tok_1', 'admin', 'GET', '/v1/projects', '/v1/projects', NULL, '127.0.0.1', 200, 'allowed', 'old-1')`)
  const migrated = await openDatabase(target.target)
  await migrated.close()
  t.same(await raw.all('SELECT id, status, outcome, request_id, ended_at FROM access_log'), [{ id: 1, status: 200, outcome: 'allowed', request_id: 'old-1', ended_at: '2024-01-01T00:00:00.000Z' }])
  await t.rejects(raw.run("UPDATE access_log SET outcome = 'denied'"), /EVENT_IMMUTABLE/)
  await raw.run("INSERT INTO access_log (at, method, route, url, ip, outcome, request_id) VALUES ('2024-01-02T00:00:00.000Z', 'GET', '/x', '/x', '::1', 'pending', 'new-1')")
  t.same(await raw.all("SELECT id FROM access_log WHERE request_id = 'new-1'"), [{ id: 2 }], 'ids go on from the old rows')
})
