import { rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { LocalBlobStore } from '../../src/storage/index.js'
import { scratch } from '../fixtures/bags.js'
import { fillNode, PROJECTS, storeSomePackages } from '../fixtures/nodes.js'
import { buildTestApp } from '../fixtures/service.js'

// Issue 16 item 7: with the primary store gone, downloads come from a verified replica, every response
// says so, /healthz says degraded, and changes are refused with 503 PRIMARY_LOST.

t.test('primary store removed: downloads are served from the replica and every response says so', async t => {
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const nodeDir = join(scratch(t), 'nas')
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), new LocalBlobStore(nodeDir))
  await s.catalogue.nodes.create({
    id: 'nas-1', kind: 'filesystem', primary: false, endpoint: null, bucket: null, path: nodeDir, credentials: null, province: '广东', city: '广州', seismicRegion: 'south-china',
    media: 'disk', operator: 'center', implementation: 'nfs', clearance: '机密', state: 'active', capacityBytes: null
  }, 'test')
  const pkg = await s.catalogue.packages.getByProject(PROJECTS[0])
  const url = `/v1/packages/${pkg?.id ?? ''}/files/data/plan.txt`

  const before = await s.app.inject({ method: 'GET', url, headers: s.auth() })
  t.equal(before.statusCode, 200)
  t.equal(before.headers['lantai-serving-from'], 'primary')
  t.match((await s.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok', servingFrom: 'primary' })

  rmSync(join(s.dataDir, 'store'), { recursive: true, force: true })
  const after = await s.app.inject({ method: 'GET', url, headers: s.auth() })
  t.equal(after.statusCode, 200, after.body)
  t.equal(after.body, '总平面图 v2', 'the head version, from the replica')
  t.equal(after.headers['lantai-serving-from'], 'replica nas-1')
  t.equal((await s.app.inject({ method: 'GET', url: `${url}?version=1`, headers: s.auth() })).body, '总平面图 v1', 'older versions too')
  const health = await s.app.inject({ method: 'GET', url: '/healthz' })
  t.match(health.json(), { status: 'degraded', servingFrom: 'replica nas-1', primaryLost: { reason: /0=ocfl_1\.1/ } })
  t.equal(health.headers['lantai-serving-from'], 'replica nas-1', 'on every response')
  t.equal((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'still ready: reads work')
  t.equal((await s.catalogue.events.list({ type: 'content.damaged', limit: 1, offset: 0 })).total, 0, 'a lost primary is not damage')

  const write = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2024-310104-47-01-000399', name: 'x' } })
  t.equal(write.statusCode, 503)
  t.match(write.json(), { code: 'PRIMARY_LOST', detail: /replica nas-1/ })
  t.equal(write.headers['content-type'], 'application/problem+json; charset=utf-8')
})
