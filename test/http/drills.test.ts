import { join } from 'node:path'
import t from 'tap'
import { loadSigner } from '../../src/audit/index.js'
import { runDrill } from '../../src/drills/drill.js'
import { HashPool } from '../../src/hashing/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { scratch } from '../fixtures/bags.js'
import { fillNode, storeSomePackages } from '../fixtures/nodes.js'
import { makeTestPki } from '../fixtures/pki.js'
import { buildTestApp } from '../fixtures/service.js'

// GET /v1/drills (issue 16 item 8): the admin and the auditor see each drill's RTO, RPO and whether its
// signed report still verifies; the report itself at /v1/drills/:id.

t.test('drills are listed with RTO, RPO and a signature that verifies; others may not look', async t => {
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const nodeDir = join(scratch(t), 'nas')
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), new LocalBlobStore(nodeDir))
  const pool = new HashPool()
  t.teardown(async () => { await pool.close() })
  const pki = await makeTestPki()
  const { drill } = await runDrill({ catalogue: s.catalogue, source: new LocalBlobStore(nodeDir), node: 'nas-1', sample: 1, scratch: scratch(t), pool, signer: loadSigner(pki.keys.sealec, pki.certs.sealec) })

  const list = await s.app.inject({ method: 'GET', url: '/v1/drills', headers: s.auth() })
  t.equal(list.statusCode, 200)
  t.match(list.json(), { total: 1, items: [{ id: drill.id, nodeId: 'nas-1', outcome: 'passed', sampleSize: 1, rtoMs: drill.rtoMs, algorithm: 'ecdsa-sha256', signatureCheck: 'valid' }] })
  const one = await s.app.inject({ method: 'GET', url: `/v1/drills/${drill.id}`, headers: s.auth() })
  t.equal(one.statusCode, 200)
  const body = one.json() as { report: string, certificate: string }
  t.match(JSON.parse(body.report), { format: 'lantai-drill-report-v1', id: drill.id, packages: [{ outcome: 'passed' }] })
  t.match(body.certificate, /BEGIN CERTIFICATE/)

  const auditor = (await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'auditor', label: 'auditor' } })).json() as { secret: string }
  const reader = (await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'reader', label: 'reader' } })).json() as { secret: string }
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/drills', headers: s.auth(auditor.secret) })).statusCode, 200, 'the auditor reads drills')
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/drills', headers: s.auth(reader.secret) })).statusCode, 403, 'a reader does not')
  const missing = await s.app.inject({ method: 'GET', url: '/v1/drills/drl_00000000000000000000000000', headers: s.auth() })
  t.match({ status: missing.statusCode, code: (missing.json() as { code: string }).code }, { status: 404, code: 'DRILL_NOT_FOUND' })
})
