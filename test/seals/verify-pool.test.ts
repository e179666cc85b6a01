import t from 'tap'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { isLantaiError } from '../../src/errors.js'
import { verifyFile } from '../../src/seals/verify-file.js'
import { SealVerifierPool } from '../../src/seals/verify-pool.js'
import { emptyTrustStore, type TrustStore } from '../../src/seals/trust.js'
import { makeSm2Pki, minimalOfd, sealOfd, writeOfd } from '../fixtures/ofd.js'
import { scratchDir, TestPdf, type TestPki as PdfPki } from '../fixtures/pdf.js'
import { makeTestPki, readPki as read } from '../fixtures/pki.js'

// Seal verification on worker threads (issue 11 item 8): the same report as verifyFile on the calling
// thread, for each format; a worker that stops fails the one file it held and is replaced.

const cms = await makeTestPki()
const cmsTrust: TrustStore = { ...emptyTrustStore(), anchors: [read(cms.certs.root)], crls: [read(cms.crls.inter), read(cms.crls.root)], extraCertificates: [read(cms.certs.inter)] }
// the PDF builder signs with the same scripts/make-test-pki.sh PKI
const pdfPki: PdfPki = {
  dir: cms.dir,
  der: p => read(join(cms.dir, p)),
  trust: { ...cmsTrust, ocspResponses: [read(cms.ocsp.good)] }
}
const sm2 = makeSm2Pki(t)
const at = new Date()

const signedPdf = (): string => new TestPdf({ pdfa: true }).sign(pdfPki).write(t)
const p7s = (): string => {
  const dir = scratchDir(t)
  copyFileSync(cms.doc, join(dir, 'report.txt'))
  copyFileSync(cms.cms.sealDetached, join(dir, 'report.txt.p7s'))
  return join(dir, 'report.txt.p7s')
}
/** A report as JSON would carry it: evidence bytes compare by value, Buffer or Uint8Array alike. */
const plain = (v: unknown): unknown =>
  v instanceof Uint8Array ? Buffer.from(v).toString('base64')
    : Array.isArray(v) ? v.map(plain)
      : v !== null && typeof v === 'object' && !(v instanceof Date) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v

t.test('the pool gives the same report as the in-process verifier for a PDF, an OFD and a .p7s', async t => {
  const pool = new SealVerifierPool({ workers: 2 })
  t.teardown(() => pool.close())
  const ofd = await writeOfd(t, sealOfd(sm2, minimalOfd()))
  for (const [name, file, trust] of [['PDF', signedPdf(), pdfPki.trust], ['OFD', ofd, sm2.trust], ['p7s', p7s(), cmsTrust]] as const) {
    const here = await verifyFile(file, { trust, validationTime: at })
    const there = await pool.verify(file, { trust, validationTime: at })
    t.same(plain(there), plain(here), name)
    t.equal(there.signatures[0]?.indication, 'TOTAL_PASSED', `${name} passes`)
    t.ok(there.evidence.certificates.every(c => c instanceof Uint8Array), `${name}: the evidence is bytes`)
  }
})

t.test('many files at once: each answered with its own report, the queue bounded', async t => {
  const pool = new SealVerifierPool({ workers: 2, maxQueue: 2 })
  t.teardown(() => pool.close())
  const pdf = signedPdf(); const sig = p7s()
  const files = Array.from({ length: 10 }, (_, i) => i % 2 === 0 ? pdf : sig)
  const reports = await Promise.all(files.map(async f => await pool.verify(f, { trust: f === pdf ? pdfPki.trust : cmsTrust, validationTime: at })))
  t.same(reports.map(r => r.format), files.map(f => f === pdf ? 'pdf' : 'p7s'))
  t.ok(reports.every(r => r.signatures[0]?.indication === 'TOTAL_PASSED'))
})

t.test('a worker stopped mid-file fails only that file, INDETERMINATE and provisional; a new worker takes the rest', async t => {
  const pool = new SealVerifierPool({ workers: 1 })
  t.teardown(() => pool.close())
  const victim = signedPdf(); const next = p7s()
  // 1. the one worker takes the victim; the next file waits in the queue
  const first = pool.verify(victim, { trust: pdfPki.trust, validationTime: at })
  const second = pool.verify(next, { trust: cmsTrust, validationTime: at })
  const held = pool.held()
  t.same(held.map(h => h.file), [victim])
  // 2. the worker dies holding it
  await held[0]!.worker.terminate()
  const lost = await first
  t.match(lost, { format: 'pdf', signatures: [{ indication: 'INDETERMINATE', reasons: [/the seal verifier worker stopped while checking this file \(exit code \d+\)/] }] })
  t.match(lost.decision, { outcome: 'dual_set', rule: 'R4', provisional: true, integrityAlert: false })
  // 3. the queued file is verified by the replacement
  t.match(await second, { format: 'p7s', signatures: [{ indication: 'TOTAL_PASSED' }] })
  t.match(await pool.verify(victim, { trust: pdfPki.trust, validationTime: at }), { signatures: [{ indication: 'TOTAL_PASSED' }] }, 'the same file verifies on the new worker')
})

t.test('a file that is not there is the same error as in-process; a closed pool refuses work', async t => {
  const pool = new SealVerifierPool({ workers: 1 })
  const missing = join(scratchDir(t), 'gone.pdf')
  const err = await pool.verify(missing, { trust: cmsTrust }).catch((e: unknown) => e)
  t.ok(isLantaiError(err), 'a LantaiError crosses the thread')
  t.match(err, { code: 'PATH_NOT_FOUND', message: /gone\.pdf/ })
  await pool.close()
  await t.rejects(pool.verify(missing, { trust: cmsTrust }), { code: 'SEAL_VERIFIER_CLOSED' })
})

t.test('an aborted signal rejects the file with ABORTED', async t => {
  const pool = new SealVerifierPool({ workers: 1 })
  t.teardown(() => pool.close())
  await t.rejects(pool.verify(p7s(), { trust: cmsTrust, signal: AbortSignal.abort() }), { name: 'AbortError' })
  const controller = new AbortController()
  const pending = pool.verify(signedPdf(), { trust: pdfPki.trust, signal: controller.signal })
  controller.abort()
  await t.rejects(pending, { code: 'ABORTED' })
})
