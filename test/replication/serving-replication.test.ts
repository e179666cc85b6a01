import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { objectRootOf } from '../../src/ocfl/index.js'
import { fsNodeSpec, siteWith, storePackage } from '../fixtures/replication-site.js'

// Issue 16 item 7, serving from any replica: while the primary store is lost, a read tries every
// replica in order and moves to the next on an error or on bytes that do not match the catalogue,
// and every response names the node that served it.

const FILES = { 'plan.pdf': '总平面图 v1', 'section.pdf': 'section A-A' }

t.test('with the primary lost and the first replica broken, downloads fall over to the second and say so', async t => {
  const a = fsNodeSpec(t, 'nas-a')
  const b = fsNodeSpec(t, 'nas-b')
  const s = await siteWith(t, [a, b])
  const packageId = await storePackage(t, s, FILES)
  await s.replicationQueue.drain()
  const root = objectRootOf((await s.catalogue.packages.get(packageId))!.ocflId)
  const url = (path: string): string => `/v1/packages/${packageId}/files/data/${path}`

  rmSync(join(s.dataDir, 'store'), { recursive: true, force: true })
  // nas-a is first by preference (ids tie-break); its plan.pdf is wrong bytes of the right size, its section.pdf gone
  writeFileSync(join(a.dir, root, 'v1/content/data/plan.pdf'), '总平面图 vX')
  rmSync(join(a.dir, root, 'v1/content/data/section.pdf'))

  const plan = await s.app.inject({ method: 'GET', url: url('plan.pdf'), headers: s.auth() })
  t.equal(plan.statusCode, 200, plan.body)
  t.equal(plan.body, FILES['plan.pdf'], 'the catalogue\'s bytes, not nas-a\'s')
  t.equal(plan.headers['lantai-serving-from'], 'replica nas-b', 'the node that served it')
  t.equal((await s.catalogue.events.list({ type: 'content.damaged', limit: 1, offset: 0 })).total, 0, 'a bad replica is passed over, not the primary\'s damage')

  const section = await s.app.inject({ method: 'GET', url: url('section.pdf'), headers: s.auth() })
  t.equal(section.body, FILES['section.pdf'])
  t.equal(section.headers['lantai-serving-from'], 'replica nas-b')
  t.match((await s.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'degraded', servingFrom: 'replica nas-b' })

  // nas-b goes away too: nas-a serves what it holds right, and says so
  renameSync(b.dir, `${b.dir}.away`)
  writeFileSync(join(a.dir, root, 'v1/content/data/plan.pdf'), FILES['plan.pdf'])
  const again = await s.app.inject({ method: 'GET', url: url('plan.pdf'), headers: s.auth() })
  t.equal(again.body, FILES['plan.pdf'])
  t.equal(again.headers['lantai-serving-from'], 'replica nas-a')
})
