import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadSigner } from '../../src/audit/index.js'
import type { StorageNodeInput } from '../../src/catalogue/index.js'
import { drawSample, runDrill } from '../../src/drills/drill.js'
import { verifyReport } from '../../src/drills/report.js'
import { HashPool } from '../../src/hashing/index.js'
import { objectRootOf } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { scratch } from '../fixtures/bags.js'
import { fillNode, PROJECTS, storeSomePackages } from '../fixtures/nodes.js'
import { makeTestPki } from '../fixtures/pki.js'
import { buildTestApp, type TestService } from '../fixtures/service.js'

// Issue 16 item 8: a drill restores a sample from a node into a clean location, validates every object
// and its BagIt export, measures RTO and RPO, and signs its report with the center's key.

const NODE: StorageNodeInput = {
  id: 'nas-1', kind: 'filesystem', primary: false, endpoint: null, bucket: null, path: '', credentials: null, province: '广东', city: '广州', seismicRegion: 'south-china',
  media: 'disk', operator: 'center', implementation: 'nfs', clearance: '机密', state: 'active', capacityBytes: null
}

async function drillSetup (t: Test): Promise<{ s: TestService, nodeDir: string, pool: HashPool }> {
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const nodeDir = join(scratch(t), 'nas')
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), new LocalBlobStore(nodeDir))
  await s.catalogue.nodes.create({ ...NODE, path: nodeDir }, 'test')
  const pool = new HashPool()
  t.teardown(async () => { await pool.close() })
  return { s, nodeDir, pool }
}

t.test('a drill restores a sample, reports RTO and RPO, and its signed report verifies', async t => {
  const { s, nodeDir, pool } = await drillSetup(t)
  const pki = await makeTestPki()
  const signer = loadSigner(pki.keys.sm2seal, pki.certs.sm2seal)
  // the node holds every version but the newest copy is not yet verified: RPO is the age of that version
  const [p0, p1] = await Promise.all(PROJECTS.map(async c => await s.catalogue.packages.getByProject(c)))
  await s.catalogue.replicas.put({ packageId: p0?.id ?? '', version: 1, nodeId: 'nas-1', state: 'verified' })
  await s.catalogue.replicas.put({ packageId: p0?.id ?? '', version: 2, nodeId: 'nas-1', state: 'verified' })
  const { drill, report } = await runDrill({ catalogue: s.catalogue, source: new LocalBlobStore(nodeDir), node: 'nas-1', sample: 2, scratch: scratch(t), pool, signer })
  t.equal(report.outcome, 'passed')
  t.equal(report.packages.length, 2)
  t.same(report.packages.map(p => p.projectCode).sort(), [...PROJECTS].sort())
  for (const p of report.packages) t.match(p, { outcome: 'passed', ocflErrors: [], digestMismatches: [], bag: { valid: true } })
  t.ok(report.rtoMs >= 0 && Number.isInteger(report.rtoMs), 'RTO measured')
  t.type(report.rpoMs, 'number', 'RPO: the node lacks a verified copy of one version')
  t.equal(drill.algorithm, 'sm2-sm3')
  t.equal(verifyReport(drill.report, drill), 'valid', 'the report verifies with the certificate it carries')
  t.equal(verifyReport(drill.report.replace('"passed"', '"failed"'), drill), 'invalid', 'an edited report does not')
  const events = await s.catalogue.events.list({ type: 'drill.completed', limit: 5, offset: 0 })
  t.match(events.items[0], { objectType: 'system', objectId: drill.id, outcome: 'success', detail: { node: 'nas-1', sampleSize: 2 } })

  // a drilled package goes to the back of the queue
  await s.catalogue.replicas.put({ packageId: p1?.id ?? '', version: 1, nodeId: 'nas-1', state: 'verified' })
  t.equal(await s.catalogue.drills.lag('nas-1'), null, 'no lag once every version is verified there')
  const next = await s.catalogue.drills.candidates(2)
  t.ok(next.every(c => c.lastDrilledAt !== null))
  t.same((await s.catalogue.drills.list({ limit: 10, offset: 0 })).items.map(d => d.id), [drill.id])
})

t.test('a tampered object on the node fails the drill, naming the file', async t => {
  const { s, nodeDir, pool } = await drillSetup(t)
  const pkg = await s.catalogue.packages.getByProject(PROJECTS[1])
  const file = join(nodeDir, ...objectRootOf(pkg?.ocflId ?? '').split('/'), 'v1', 'content', 'data', 'a.txt')
  writeFileSync(file, readFileSync(file, 'utf8').replace('alpha', 'alphA'))
  const { drill, report } = await runDrill({ catalogue: s.catalogue, source: new LocalBlobStore(nodeDir), node: 'nas-1', sample: 2, scratch: scratch(t), pool, signer: null })
  t.equal(drill.outcome, 'failed')
  t.equal(drill.algorithm, 'none', 'unsigned without a center key, and says so')
  const bad = report.packages.find(p => p.projectCode === PROJECTS[1])
  t.equal(bad?.outcome, 'failed')
  t.match(bad?.ocflErrors.join(' '), /v1\/content\/data\/a\.txt/)
  t.equal(report.packages.find(p => p.projectCode === PROJECTS[0])?.outcome, 'passed', 'the other package still passes')
  t.match((await s.catalogue.events.list({ type: 'drill.completed', limit: 1, offset: 0 })).items[0], { outcome: 'failure' })
})

t.test('the sample favours the least recently drilled without starving the rest', async t => {
  const c = (i: number) => ({ packageId: `p${i}`, projectCode: `c${i}`, ocflId: `o${i}`, headVersion: 1, lastDrilledAt: null })
  const candidates = [0, 1, 2, 3].map(c)
  const first = new Map<string, number>()
  let seed = 1
  const random = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
  for (let i = 0; i < 2000; i++) {
    const [pick] = drawSample(candidates, 1, random)
    first.set(pick?.packageId ?? '', (first.get(pick?.packageId ?? '') ?? 0) + 1)
  }
  t.ok((first.get('p0') ?? 0) > (first.get('p3') ?? 0), 'the stalest is drawn most')
  t.ok((first.get('p3') ?? 0) > 0, 'the freshest still sometimes')
  t.equal(drawSample(candidates, 10).length, 4, 'never more than there are')
})
