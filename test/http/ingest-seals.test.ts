import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { flipByte, makeSm2Pki, minimalOfd, sealOfd, writeOfd, writeSm2TrustDir } from '../fixtures/ofd.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'

// Notice clause 五 through ingest: every payload file gets its seal verification and paper decision in
// the submission report, alerts become events, and the evidence is stored with the version (R6).

t.test('an ingest report shows the paper decision of every sealed file', async t => {
  const pki = makeSm2Pki(t)
  const trustDir = join(pki.dir, 'trust')
  writeSm2TrustDir(pki, trustDir)
  const sealed = sealOfd(pki, minimalOfd())

  t.test('sealed, tampered and unsigned files', async t => {
    const good = readFileSync(await writeOfd(t, sealed))
    const page = 'Doc_0/Pages/Page_0/Content.xml'
    const tampered = readFileSync(await writeOfd(t, { ...sealed, [page]: flipByte(sealed[page] as Buffer | string, 60) }))
    const s = await buildTestApp(t, { LANTAI_TRUST: trustDir })
    await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2026-310104-47-01-000202', name: 'seals' } })
    const bag = makeBag(t, { '竣工验收/验收报告.ofd': good, '竣工验收/改过的.ofd': tampered, '说明.txt': 'plain text' })
    const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2026-310104-47-01-000202', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, bag) })
    const sub = await s.settle((res.json() as { id: string }).id)
    t.equal(sub.state, 'stored', 'seal outcomes do not block storage; acceptance decides later')
    const seals = (sub.report as { seals: { summary: Record<string, unknown>, files: Array<{ path: string, decision: { outcome: string, rule: string, integrityAlert: boolean } }> } }).seals
    t.match(seals.summary, { files: 3, signedFiles: 2, paperWaived: 1, paperRequired: 1, dualSet: 1, integrityAlerts: ['data/竣工验收/改过的.ofd'] })
    t.match(seals.files.find(f => f.path === 'data/竣工验收/验收报告.ofd')?.decision, { outcome: 'paper_waived', rule: 'R1' })
    t.match(seals.files.find(f => f.path === 'data/竣工验收/改过的.ofd')?.decision, { outcome: 'paper_required', rule: 'R3', integrityAlert: true })

    const events = (await s.catalogue.events.list({ objectType: 'submission', objectId: String(sub.id), limit: 50, offset: 0 })).items.map(e => e.type)
    t.ok(events.includes('seals.checked'))
    t.ok(events.includes('seals.integrity-alert'))

    const files = (await s.catalogue.packages.files(String(sub.packageId), { limit: 100, offset: 0 })).items.map(f => f.logicalPath)
    t.ok(files.includes(`submissions/${String(sub.id)}/seals/report.json`), 'the full seal report is kept with the version')
    t.ok(files.some(f => f.startsWith(`submissions/${String(sub.id)}/seals/evidence/`) && f.endsWith('.der')), 'certificates and CRLs are kept as evidence')
  })
})
