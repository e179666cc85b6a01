import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { scratch, makeBag } from '../fixtures/bags.js'
import { engineEnv } from '../fixtures/databases.js'
import { flipByte, makeSm2Pki, minimalOfd, sealOfd, writeOfd, writeSm2TrustDir } from '../fixtures/ofd.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// The paper decisions of a stored package (notice clause 五): shown in the package view, listed per
// file, and made again by a re-validation — on request, for the review queue, and by itself when the
// trust store changed (research-seals.md §6, rule R4: a provisional decision waits for trust data).

async function store (t: Test, s: TestService, files: Record<string, Buffer | string>): Promise<string> {
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2026-310104-47-01-000203', name: 'review' } })
  const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2026-310104-47-01-000203', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, files)) })
  const sub = await s.settle((res.json() as { id: string }).id)
  t.equal(sub.state, 'stored')
  return String(sub.packageId)
}

async function jobDone (s: TestService, id: string): Promise<string> {
  for (;;) {
    await Promise.all(s.runners.map(r => r.idle()))
    const job = await s.catalogue.jobs.get(id)
    if (job !== null && ['done', 'failed'].includes(job.state)) return job.state
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

t.test('the package view summarises the paper decisions, and /seals lists them file by file', async t => {
  const pki = makeSm2Pki(t)
  const sealed = sealOfd(pki, minimalOfd())
  const page = 'Doc_0/Pages/Page_0/Content.xml'
  const s = await buildTestApp(t, { LANTAI_TRUST: writeSm2TrustDir(pki, join(scratch(t), 'certs')) })
  const id = await store(t, s, {
    '验收报告.ofd': await readFile(await writeOfd(t, sealed)),
    '改过的.ofd': await readFile(await writeOfd(t, { ...sealed, [page]: flipByte(sealed[page] as Buffer | string, 60) })),
    '说明.txt': 'plain text'
  })

  const view = (await s.app.inject({ method: 'GET', url: `/v1/packages/${id}`, headers: s.auth() })).json() as { seals: Record<string, unknown> }
  t.match(view.seals, { files: 3, signedFiles: 2, paperWaived: 1, dualSet: 1, paperRequired: 1, integrityAlerts: 1, reviewQueue: 0 })

  const waived = (await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/seals?outcome=paper_waived`, headers: s.auth() })).json() as { items: Array<Record<string, unknown>>, total: number }
  t.equal(waived.total, 1)
  t.match(waived.items[0], { logicalPath: 'data/验收报告.ofd', format: 'ofd', signatures: 1, rule: 'R1', provisional: false, integrityAlert: false, version: 1 })
  const all = (await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/seals?limit=10`, headers: s.auth() })).json() as { items: Array<{ logicalPath: string, outcome: string }> }
  t.same(all.items.map(i => [i.logicalPath, i.outcome]), [['data/改过的.ofd', 'paper_required'], ['data/说明.txt', 'dual_set'], ['data/验收报告.ofd', 'paper_waived']])

  const missing = await s.app.inject({ method: 'GET', url: '/v1/packages/pkg_nope/seals', headers: s.auth() })
  t.equal(missing.statusCode, 404)
  t.equal((missing.json() as { code: string }).code, 'PACKAGE_NOT_FOUND')
  const bad = await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/seals?outcome=maybe`, headers: s.auth() })
  t.equal(bad.statusCode, 400, 'an unknown outcome is refused by the schema')
})

t.test('a provisional decision becomes a waiver once the trusted root arrives and the review queue runs', async t => {
  // makeSm2Pki keeps its keys in t.testdir(), which the next scratch() replaces: seal first.
  const pki = makeSm2Pki(t)
  const ofd = await readFile(await writeOfd(t, sealOfd(pki, minimalOfd())))
  const certs = join(scratch(t), 'certs')
  mkdirSync(certs)
  const s = await buildTestApp(t, { LANTAI_TRUST: certs })
  const id = await store(t, s, { '验收报告.ofd': ofd, '说明.txt': 'plain' })

  const before = (await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/seals?provisional=true`, headers: s.auth() })).json() as { items: Array<Record<string, unknown>> }
  t.match(before.items, [{ logicalPath: 'data/验收报告.ofd', outcome: 'dual_set', rule: 'R4', provisional: true }], 'no trusted root yet: dual set, provisionally')

  writeSm2TrustDir(pki, certs)
  const review = await s.app.inject({ method: 'POST', url: '/v1/seals/review', headers: s.auth() })
  t.equal(review.statusCode, 202)
  t.same((review.json() as { queued: string[] }).queued, [id])
  const job = await s.catalogue.jobs.activeFor('revalidate', id)
  t.ok(job, 'a re-validation job is queued')
  t.equal(await jobDone(s, job?.id ?? ''), 'done')

  const after = (await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/seals?outcome=paper_waived`, headers: s.auth() })).json() as { items: Array<Record<string, unknown>> }
  t.match(after.items, [{ logicalPath: 'data/验收报告.ofd', rule: 'R1', provisional: false }])
  const events = (await s.catalogue.events.list({ objectType: 'package', objectId: id, type: 'seals.revalidated', limit: 5, offset: 0 })).items
  t.equal(events.length, 1)
  t.match(events[0]?.detail, { checked: 1, changed: [{ path: 'data/验收报告.ofd', from: 'dual_set (provisional)', to: 'paper_waived', rule: 'R1' }] },
    'only the file that could carry a signature is re-read, and the change is on record')
  t.match(events[0]?.detail, { trustFingerprint: /^[0-9a-f]{64}$/, evidence: [/^[0-9a-f]{64}$/] }, 'the trust store and the evidence used are named by digest')
  for (const sha256 of (events[0]?.detail as { evidence: string[] }).evidence) {
    const der = await s.app.inject({ method: 'GET', url: `/v1/seals/evidence/${sha256}`, headers: s.auth() })
    t.equal(der.statusCode, 200)
    t.equal(createHash('sha256').update(der.rawPayload).digest('hex'), sha256, 'the evidence is kept, and is what its digest says')
  }
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/seals/evidence/${'0'.repeat(64)}`, headers: s.auth() })).statusCode, 404)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/seals/evidence/not-a-digest', headers: s.auth() })).statusCode, 400)
  t.same((await s.app.inject({ method: 'POST', url: '/v1/seals/review', headers: s.auth() })).json(), { queued: [] }, 'the queue is empty now')
})

t.test('a re-validation on request: 202 with a job, 404 for an unknown package, archivists and admins only', async t => {
  const pki = makeSm2Pki(t)
  const ofd = await readFile(await writeOfd(t, sealOfd(pki, minimalOfd())))
  const s = await buildTestApp(t, { LANTAI_TRUST: writeSm2TrustDir(pki, join(scratch(t), 'certs')) })
  const id = await store(t, s, { '验收报告.ofd': ofd })
  const res = await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/revalidate`, headers: s.auth() })
  t.equal(res.statusCode, 202)
  t.equal(await jobDone(s, (res.json() as { jobId: string }).jobId), 'done')
  t.match((await s.catalogue.events.list({ objectType: 'package', objectId: id, type: 'seals.revalidated', limit: 5, offset: 0 })).items[0]?.detail, { checked: 1, changed: [] },
    'nothing changed: the decision stands, and the check is on record')
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/packages/pkg_nope/revalidate', headers: s.auth() })).statusCode, 404)
  const { secret } = await s.catalogue.tokens.create({ role: 'reader', label: 'reader' })
  t.equal((await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/revalidate`, headers: s.auth(secret) })).statusCode, 403)
})

t.test('a start with a changed trust store runs the review queue by itself', async t => {
  const pki = makeSm2Pki(t)
  const ofd = await readFile(await writeOfd(t, sealOfd(pki, minimalOfd())))
  const dataDir = scratch(t)
  const certs = join(scratch(t), 'certs')
  mkdirSync(certs)
  const engine = await engineEnv(t) // one catalogue for both starts: the second is a restart
  const start = async () => await startService(loadConfig({ LANTAI_DATA: dataDir, LANTAI_FIXITY_CRON: 'off', LANTAI_TRUST: certs, ...engine }, join(import.meta.dirname, '../..')),
    { listen: false, schedule: false, logger: createLogger('silent'), decisionRequired: false })

  const first = await start()
  t.teardown(() => first.close())
  const admin = { authorization: `Bearer ${first.firstAdminSecret ?? ''}` }
  await first.app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { code: '2026-310104-47-01-000204', name: 'restart' } })
  const res = await first.app.inject({ method: 'POST', url: '/v1/submissions?project=2026-310104-47-01-000204', headers: { ...admin, 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { 'a.ofd': ofd })) })
  const subId = (res.json() as { id: string }).id
  for (let sub = await first.catalogue.submissions.get(subId); sub?.state !== 'stored'; sub = await first.catalogue.submissions.get(subId)) {
    t.not(sub?.state, 'failed')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const packageId = (await first.catalogue.submissions.get(subId))?.packageId ?? ''
  await first.close()

  const same = await start()
  t.teardown(() => same.close())
  t.equal(await same.catalogue.jobs.activeFor('revalidate', packageId), null, 'the same trust store: nothing to re-run')
  await same.close()

  writeSm2TrustDir(pki, certs)
  const second = await start()
  t.teardown(() => second.close())
  t.ok(await second.catalogue.jobs.activeFor('revalidate', packageId) ?? (await second.catalogue.sealDecisions.summary(packageId)).paperWaived === 1, 'a changed trust store queued the package')
  await Promise.all(second.runners.map(r => r.idle()))
  for (let tries = 0; tries < 500 && (await second.catalogue.sealDecisions.summary(packageId)).paperWaived === 0; tries++) await new Promise(resolve => setTimeout(resolve, 20))
  t.match(await second.catalogue.sealDecisions.summary(packageId), { paperWaived: 1, reviewQueue: 0 }, 'the new root turned the provisional decision into a waiver')
  t.equal((await second.catalogue.events.list({ type: 'seals.trust-loaded', limit: 10, offset: 0 })).total, 2, 'each distinct trust store is on record once')
})
