import t from 'tap'
import { fsNodeSpec, siteWith, storePackage } from '../fixtures/replication-site.js'

// The replication queue through HTTP, on both catalogue engines: a stored version becomes one task per
// planned node, its progress shown file by file; a package is put back in the queue by hand; only an
// admin sees or steers the queue.

t.test('GET /v1/replication/tasks shows each copy\'s progress; POST /v1/packages/:id/replicate queues a package again', async t => {
  const s = await siteWith(t, [fsNodeSpec(t, 'sh-nas'), fsNodeSpec(t, 'cd-nas')])
  const packageId = await storePackage(t, s, { 'plan.pdf': 'plan v1', '说明.txt': '施工说明' })
  const tasks = async (query = ''): Promise<{ items: Array<Record<string, unknown>>, total: number }> => (await s.app.inject({ method: 'GET', url: `/v1/replication/tasks${query}`, headers: s.auth() })).json()

  // 1. Nothing is queued before the queue has seen the stored version; then one task per node.
  t.match(await tasks(), { total: 0, items: [] })
  await s.replicationQueue.drain()
  const done = await tasks(`?package=${packageId}&state=done`)
  t.equal(done.total, 2)
  t.same(done.items.map(i => i.nodeId).sort(), ['cd-nas', 'sh-nas'])
  for (const item of done.items) t.equal(item.filesDone, item.filesTotal)
  t.match(await tasks('?node=sh-nas'), { total: 1, limit: 50, offset: 0, items: [{ packageId, version: 1, attempts: 1, bytesDone: Number }] })
  t.match(await tasks('?state=failed'), { total: 0 })

  // 2. Queued again by hand: nothing is copied twice, and the copies stay verified.
  const again = await s.app.inject({ method: 'POST', url: `/v1/packages/${packageId}/replicate`, headers: s.auth() })
  t.equal(again.statusCode, 202)
  t.same(again.json(), { planned: 0, requeued: 2, queued: 0 })
  await s.replicationQueue.drain()
  t.match(await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }]), [{ state: 'verified', detail: /0 copied/ }, { state: 'verified', detail: /0 copied/ }])
  const events = (await s.app.inject({ method: 'GET', url: `/v1/events?objectType=package&objectId=${packageId}&type=replication.requeued`, headers: s.auth() })).json()
  t.match(events, { total: 1, items: [{ detail: { tasks: 2 } }] })

  t.match((await s.app.inject({ method: 'POST', url: '/v1/packages/pkg_nobody/replicate', headers: s.auth() })).json(), { status: 404, code: 'PACKAGE_NOT_FOUND' })
  t.match((await s.app.inject({ method: 'GET', url: '/v1/replication/tasks?state=lost', headers: s.auth() })).json(), { status: 400, code: 'REQUEST_INVALID' })
})

t.test('only an admin sees or steers the replication queue', async t => {
  const s = await siteWith(t, [])
  const token = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'archivist', label: 'archivist' } })
  const archivist = s.auth(token.json().secret)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/replication/tasks', headers: archivist })).statusCode, 403)
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/packages/pkg_x/replicate', headers: archivist })).statusCode, 403)
})
