import t, { type Test } from 'tap'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeBag } from '../fixtures/bags.js'
import { makeTestPki, scratchDir, TestPdf } from '../fixtures/pdf.js'
import { makeTestPki as makeCmsPki } from '../fixtures/pki.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'

// Notice clause 五 through ingest for PDF (PAdES) and detached CMS (.p7s), as ingest-seals.test.ts does
// for OFD: a passing, a failing and an indeterminate case of each, and the per-file decision in the
// submission report (research-seals.md §6: R1 waiver, R3 failure with an alert, R4 provisional).

const pki = makeTestPki(t)
const pdfA = new TestPdf({ pdfa: true }).sign(pki).bytes
const tamperedDoc = new TestPdf({ pdfa: true }).sign(pki)
const tampered = Buffer.from(tamperedDoc.flip(tamperedDoc.find('BT')).bytes)
const cmsPki = await makeCmsPki()
const doc = readFileSync(cmsPki.doc)
const detached = readFileSync(cmsPki.cms.sealDetached)

/** certs/ with the test PKI's root, intermediate, CRLs and OCSP response. */
function certsOf (dir: string): string {
  for (const sub of ['roots', 'revocation']) mkdirSync(join(dir, sub), { recursive: true })
  copyFileSync(join(pki.dir, 'certs/root.der'), join(dir, 'roots/root.der'))
  copyFileSync(join(pki.dir, 'certs/inter.der'), join(dir, 'revocation/inter.der'))
  copyFileSync(join(pki.dir, 'crl/inter.crl'), join(dir, 'revocation/inter.crl'))
  copyFileSync(join(pki.dir, 'crl/root.crl'), join(dir, 'revocation/root.crl'))
  copyFileSync(join(pki.dir, 'ocsp/seal.ocsp'), join(dir, 'revocation/seal.ocsp'))
  // The .p7s fixtures' chain (scripts/make-test-pki.sh through test/fixtures/pki.ts), by other names.
  copyFileSync(cmsPki.certs.root, join(dir, 'roots/cms-root.der'))
  copyFileSync(cmsPki.certs.inter, join(dir, 'revocation/cms-inter.der'))
  copyFileSync(cmsPki.crls.inter, join(dir, 'revocation/cms-inter.crl'))
  copyFileSync(cmsPki.crls.root, join(dir, 'revocation/cms-root.crl'))
  return dir
}

const payload = {
  '竣工图/signed.pdf': pdfA,
  '竣工图/changed-after-signing.pdf': tampered,
  '报告/report.txt': doc,
  '报告/report.txt.p7s': detached,
  '报告/edited.txt': Buffer.concat([doc, Buffer.from('\nan edit after signing')]),
  '报告/edited.txt.p7s': detached
}

type Decision = { outcome: string, rule: string, provisional: boolean, integrityAlert: boolean }
type SealsReport = { summary: Record<string, unknown>, files: Array<{ path: string, format: string, decision: Decision, signatures: Array<{ indication: string, subIndication: string | null }> }> }

async function ingest (t: Test, certs: string): Promise<SealsReport> {
  const s = await buildTestApp(t, { LANTAI_TRUST: certs })
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2026-310104-47-01-000201', name: 'formats' } })
  const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2026-310104-47-01-000201', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, payload)) })
  const sub = await s.settle((res.json() as { id: string }).id)
  t.equal(sub.state, 'stored', 'seal outcomes never block storage')
  return (sub.report as { seals: SealsReport }).seals
}

const fileOf = (seals: SealsReport, path: string): SealsReport['files'][number] | undefined => seals.files.find(f => f.path === `data/${path}`)

t.test('with the center\'s roots: a PDF/A and a .p7s that verify, and a PDF and a .p7s changed after signing', async t => {
  const seals = await ingest(t, certsOf(scratchDir(t)))
  t.match(fileOf(seals, '竣工图/signed.pdf'), { format: 'pdf', signatures: [{ indication: 'TOTAL_PASSED' }], decision: { outcome: 'paper_waived', rule: 'R1', provisional: false } })
  t.match(fileOf(seals, '竣工图/changed-after-signing.pdf'), { signatures: [{ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' }], decision: { outcome: 'paper_required', rule: 'R3', integrityAlert: true } })
  t.match(fileOf(seals, '报告/report.txt.p7s'), { format: 'p7s', signatures: [{ indication: 'TOTAL_PASSED' }] })
  t.match(fileOf(seals, '报告/edited.txt.p7s'), { format: 'p7s', signatures: [{ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' }], decision: { outcome: 'paper_required', rule: 'R3', integrityAlert: true } })
  t.match(seals.summary, { paperWaived: 1, paperRequired: 2, integrityAlerts: ['data/报告/edited.txt.p7s', 'data/竣工图/changed-after-signing.pdf'] })
})

t.test('without them: the same signatures are INDETERMINATE, dual set provisionally, and wait in the review queue', async t => {
  const empty = scratchDir(t)
  const seals = await ingest(t, empty)
  t.match(fileOf(seals, '竣工图/signed.pdf'), { signatures: [{ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' }], decision: { outcome: 'dual_set', rule: 'R4', provisional: true } })
  t.match(fileOf(seals, '报告/report.txt.p7s'), { signatures: [{ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' }], decision: { outcome: 'dual_set', rule: 'R4', provisional: true } })
  t.match(fileOf(seals, '竣工图/changed-after-signing.pdf'), { decision: { outcome: 'paper_required', rule: 'R3' } }, 'a broken digest fails whatever the trust')
  t.ok((seals.summary.reviewQueue as string[]).includes('data/竣工图/signed.pdf'))
})

t.test('a detached CMS signature named .pkcs7 is found by its bytes, and a re-validation reads it beside the file it signs', async t => {
  const certs = scratchDir(t)
  const s = await buildTestApp(t, { LANTAI_TRUST: certs })
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2024-310104-47-01-000206', name: 'pkcs7' } })
  const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2024-310104-47-01-000206', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { '报告/report.txt': doc, '报告/report.txt.pkcs7': detached })) })
  const sub = await s.settle((res.json() as { id: string }).id)
  const seals = (sub.report as { seals: SealsReport }).seals
  // 1. no trusted root yet: a signature waiting for trust, not an unsigned file
  t.match(fileOf(seals, '报告/report.txt.pkcs7'), { format: 'p7s', signatures: [{ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' }], decision: { rule: 'R4', provisional: true } })
  // 2. the roots arrive; the re-validation copies report.txt out of the store with its signature
  certsOf(certs)
  const id = String(sub.packageId)
  const job = await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/revalidate`, headers: s.auth() })
  const jobId = (job.json() as { jobId: string }).jobId
  for (;;) {
    await Promise.all(s.runners.map(r => r.idle()))
    const state = (await s.catalogue.jobs.get(jobId))?.state
    if (state === 'done' || state === 'failed') { t.equal(state, 'done'); break }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const after = (await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/seals`, headers: s.auth() })).json() as { items: Array<Record<string, unknown>> }
  // TOTAL_PASSED, but a .txt is no archival format: dual set (R5), and no longer provisional
  t.match(after.items.find(i => i.logicalPath === 'data/报告/report.txt.pkcs7'), { format: 'p7s', outcome: 'dual_set', rule: 'R5', provisional: false })
})
