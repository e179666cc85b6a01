import t from 'tap'
import { faultProxy, s3NodeSpec, siteWith, storePackage } from '../fixtures/replication-site.js'
import { s3TestServers } from '../fixtures/s3-servers.js'

// Faults on the way to a node (issue 16 item 9), each on loopback against the real Ceph RGW: a node that
// returns wrong bytes, a node stopped in the middle of a copy, and keys the node rejects. None of them may
// ever leave a replica 'verified'; a node that comes back is caught up without copying twice.

const FILES = { 'plan.pdf': 'plan v1', 'section.pdf': 'section A-A', '说明.txt': '施工说明' }

t.test('a node that returns wrong bytes never gets a verified copy: the task backs off with REPLICA_READBACK_MISMATCH', async t => {
  const rgw = s3TestServers(t).find(s => s.name === 'ceph-rgw')
  if (rgw === undefined) return
  const proxy = await faultProxy(t, rgw.endpoint)
  proxy.mode = 'corrupt'
  const s = await siteWith(t, [s3NodeSpec(t, 'sh-rgw', rgw, { endpoint: proxy.endpoint })])
  const packageId = await storePackage(t, s, FILES)

  await s.replicationQueue.drain()

  const [task] = (await s.catalogue.replicationTasks.list({ packageId, limit: 10, offset: 0 })).items
  t.match(task, { state: 'queued', attempts: 1, filesDone: 0, lastError: { code: 'REPLICA_READBACK_MISMATCH', message: /sh-rgw: .* read back as/ } })
  t.ok(Date.parse(task!.nextAttemptAt) > Date.now(), 'tried again only after a backoff')
  t.match(await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }]), [{ nodeId: 'sh-rgw', state: 'copying', verifiedAt: null, detail: /REPLICA_READBACK_MISMATCH/ }])
  t.same(await s.catalogue.replicationTasks.files(packageId, 'sh-rgw'), [], 'no file counts')
})

t.test('a node stopped mid-copy recovers without a false "verified", and files already verified are not copied again', async t => {
  const rgw = s3TestServers(t).find(s => s.name === 'ceph-rgw')
  if (rgw === undefined) return
  const proxy = await faultProxy(t, rgw.endpoint)
  const s = await siteWith(t, [s3NodeSpec(t, 'sh-rgw', rgw, { endpoint: proxy.endpoint })])
  const packageId = await storePackage(t, s, FILES)

  // 1. The node stops after its first few requests (the bucket made, a file or so copied).
  const server = proxy.requests
  const stopAfter = server + 12
  const watch = setInterval(() => { if (proxy.requests >= stopAfter) proxy.mode = 'down' }, 1)
  t.teardown(() => { clearInterval(watch) })
  await s.replicationQueue.drain()
  clearInterval(watch)
  proxy.mode = 'down'
  const [stopped] = (await s.catalogue.replicationTasks.list({ packageId, limit: 10, offset: 0 })).items
  t.match(stopped, { state: 'queued', lastError: { code: /STORAGE_UNREACHABLE|STORAGE_REMOTE_FAILED|REPLICA_READBACK_MISMATCH/ } })
  t.match(await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }]), [{ nodeId: 'sh-rgw', state: 'copying', verifiedAt: null }])
  const before = (await s.catalogue.replicationTasks.files(packageId, 'sh-rgw')).length
  const total = (await s.catalogue.replicationTasks.versionContents(packageId, 1)).length
  t.ok(before < total, `${before} of ${total} files verified before the stop`)

  // 2. Still down, the operator's re-queue does not make it verified either.
  t.match((await s.app.inject({ method: 'POST', url: `/v1/packages/${packageId}/replicate`, headers: s.auth() })).json(), { requeued: 1 })
  await s.replicationQueue.drain()
  t.match(await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }]), [{ state: 'copying' }])

  // 3. The node is back: re-queued, the copy completes after the files it already had.
  proxy.mode = 'pass'
  t.equal((await s.app.inject({ method: 'POST', url: `/v1/packages/${packageId}/replicate`, headers: s.auth() })).statusCode, 202)
  await s.replicationQueue.drain()
  const [done] = (await s.catalogue.replicationTasks.list({ packageId, limit: 10, offset: 0 })).items
  t.match(done, { state: 'done', filesDone: total, lastError: null })
  t.match(await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }]), [{ state: 'verified', detail: new RegExp(`${total - before} copied, ${before} already there`) }])
})

t.test('keys the node rejects fail the task at once with a clear error, never a verified copy', async t => {
  const rgw = s3TestServers(t).find(s => s.name === 'ceph-rgw')
  if (rgw === undefined) return
  const s = await siteWith(t, [s3NodeSpec(t, 'sh-rgw', rgw, { secret: 'not-the-secret' })])
  const packageId = await storePackage(t, s, FILES)

  await s.replicationQueue.drain()

  const tasks = (await s.app.inject({ method: 'GET', url: '/v1/replication/tasks?state=failed', headers: s.auth() })).json()
  t.match(tasks, { total: 1, items: [{ packageId, nodeId: 'sh-rgw', attempts: 1, lastError: { code: 'STORAGE_CREDENTIALS_REJECTED', message: new RegExp(rgw.endpoint) } }] })
  t.match(await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }]), [{ state: 'copying', detail: /STORAGE_CREDENTIALS_REJECTED/ }])
  t.match((await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'replication.failed', limit: 5, offset: 0 })).items, [{ outcome: 'failure', detail: { node: 'sh-rgw', code: 'STORAGE_CREDENTIALS_REJECTED' } }])
})
