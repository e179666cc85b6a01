import t from 'tap'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lantai } from '../fixtures/cli.js'
import { makeTestPki, scratchDir, TestPdf } from '../fixtures/pdf.js'
import { flipByte, makeSm2Pki, minimalOfd, sealOfd, writeOfd, writeSm2TrustDir } from '../fixtures/ofd.js'

// `lantai seals verify` as an archivist runs it: a trust directory laid out as certs/ is, real signed
// files, the report and the paper decision, and the exit status.

const pki = makeTestPki(t)
const trustDir = scratchDir(t)
for (const sub of ['roots', 'revocation', 'seal-makers']) mkdirSync(join(trustDir, sub))
copyFileSync(join(pki.dir, 'certs/root.der'), join(trustDir, 'roots/root.der'))
copyFileSync(join(pki.dir, 'certs/inter.der'), join(trustDir, 'revocation/inter.der'))
copyFileSync(join(pki.dir, 'crl/inter.crl'), join(trustDir, 'revocation/inter.crl'))
copyFileSync(join(pki.dir, 'crl/root.crl'), join(trustDir, 'revocation/root.crl'))
copyFileSync(join(pki.dir, 'ocsp/seal.ocsp'), join(trustDir, 'revocation/seal.ocsp'))

interface Json { decision: { outcome: string, rule: string, integrityAlert: boolean, provisional: boolean }, signatures: Array<{ indication: string, subIndication: string | null }> }

t.test('a signed PDF: TOTAL_PASSED, exit 0, and the JSON report carries chain and decision', async t => {
  const pdf = new TestPdf().sign(pki).write(t)
  const text = lantai(['seals', 'verify', pdf, '--trust', trustDir])
  t.equal(text.code, 0, text.stdout + text.stderr)
  t.match(text.stdout, /TOTAL_PASSED {2}pades Signature1/)
  const json = lantai(['seals', 'verify', pdf, '--trust', trustDir, '--json'])
  const report = JSON.parse(json.stdout) as Json & { evidence: { certificates: string[] } }
  t.match(report.signatures, [{ indication: 'TOTAL_PASSED' }])
  t.ok(report.evidence.certificates.length > 0, 'certificates kept as evidence (base64 DER)')
  // Not PDF/A: a valid signature, but not an archival format, so the paper original stays.
  t.match(report.decision, { outcome: 'dual_set', rule: 'R5' })
})

t.test('a byte changed inside the signed range: TOTAL_FAILED, exit 1, paper required with an alert', async t => {
  const doc = new TestPdf().sign(pki)
  const json = lantai(['seals', 'verify', doc.flip(doc.find('BT')).write(t), '--trust', trustDir, '--json'])
  t.equal(json.code, 1)
  t.match(JSON.parse(json.stdout), { signatures: [{ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' }], decision: { outcome: 'paper_required', rule: 'R3', integrityAlert: true } })
})

t.test('without the trust directory the same PDF is INDETERMINATE and dual set, provisional', async t => {
  const r = lantai(['seals', 'verify', new TestPdf().sign(pki).write(t), '--trust', scratchDir(t), '--json'])
  t.equal(r.code, 1)
  t.match(JSON.parse(r.stdout), { signatures: [{ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' }], decision: { outcome: 'dual_set', rule: 'R4', provisional: true } })
})

t.test('a sealed OFD (SES v4, SM2): paper waived', async t => {
  const sm2 = makeSm2Pki(t)
  const dir = scratchDir(t)
  writeSm2TrustDir(sm2, dir)
  t.test('verify', async t => {
    const r = lantai(['seals', 'verify', await writeOfd(t, sealOfd(sm2, minimalOfd())), '--trust', dir, '--json'])
    t.equal(r.code, 0, r.stdout)
    t.match(JSON.parse(r.stdout), { format: 'ofd', decision: { outcome: 'paper_waived', rule: 'R1' } })
    const scan = lantai(['seals', 'verify', await writeOfd(t, sealOfd(sm2, minimalOfd())), '--trust', dir, '--origin', 'digitized', '--json'])
    t.match(JSON.parse(scan.stdout), { decision: { outcome: 'dual_set', rule: 'R0' } }, 'a scan stays dual set even when sealed')
    const untrusted = lantai(['seals', 'verify', await writeOfd(t, sealOfd(sm2, minimalOfd())), '--trust', scratchDir(t), '--json'])
    t.equal(untrusted.code, 1)
    t.match(JSON.parse(untrusted.stdout), { signatures: [{ indication: 'INDETERMINATE' }], decision: { outcome: 'dual_set', rule: 'R4', provisional: true } },
      'no trusted seal maker or root: indeterminate, dual set until the review queue runs')
  })
  t.test('an SES v1 (GM/T 0031) seal: paper waived; with a changed page, paper required and exit 1', async t => {
    const v1 = sealOfd(sm2, minimalOfd(), { version: 'v1' })
    const ok = lantai(['seals', 'verify', await writeOfd(t, v1), '--trust', dir, '--json'])
    t.equal(ok.code, 0, ok.stdout + ok.stderr)
    t.match(JSON.parse(ok.stdout), { format: 'ofd', signatures: [{ format: 'SES v1', indication: 'TOTAL_PASSED' }], decision: { outcome: 'paper_waived', rule: 'R1' } })
    const page = 'Doc_0/Pages/Page_0/Content.xml'
    const bad = lantai(['seals', 'verify', await writeOfd(t, { ...v1, [page]: flipByte(v1[page]!, 60) }), '--trust', dir, '--json'])
    t.equal(bad.code, 1, bad.stdout + bad.stderr)
    t.match(JSON.parse(bad.stdout), { signatures: [{ format: 'SES v1', indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' }], decision: { outcome: 'paper_required', rule: 'R3', integrityAlert: true } })
    const text = lantai(['seals', 'verify', await writeOfd(t, { ...v1, [page]: flipByte(v1[page]!, 60) }), '--trust', dir])
    t.match(text.stdout, /TOTAL_FAILED/)
    t.match(text.stdout, /Content\.xml/, 'the line names the changed page')
  })
})

t.test('a detached .p7s beside its file', async t => {
  const pkiCms = await (await import('../fixtures/pki.js')).makeTestPki()
  const dir = scratchDir(t)
  copyFileSync(pkiCms.doc, join(dir, 'report.txt'))
  copyFileSync(pkiCms.cms.sealDetached, join(dir, 'report.txt.p7s'))
  const trust = scratchDir(t)
  mkdirSync(join(trust, 'roots'))
  mkdirSync(join(trust, 'revocation'))
  copyFileSync(pkiCms.certs.root, join(trust, 'roots/root.der'))
  copyFileSync(pkiCms.certs.inter, join(trust, 'revocation/inter.der'))
  copyFileSync(pkiCms.crls.inter, join(trust, 'revocation/inter.crl'))
  copyFileSync(pkiCms.crls.root, join(trust, 'revocation/root.crl'))
  const r = lantai(['seals', 'verify', join(dir, 'report.txt.p7s'), '--trust', trust, '--json'])
  t.match(JSON.parse(r.stdout), { format: 'p7s', signatures: [{ indication: 'TOTAL_PASSED' }] }, r.stdout)
  t.equal(r.code, 0)

  const untrusted = lantai(['seals', 'verify', join(dir, 'report.txt.p7s'), '--trust', scratchDir(t), '--json'])
  t.equal(untrusted.code, 1)
  t.match(JSON.parse(untrusted.stdout), { signatures: [{ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' }], decision: { outcome: 'dual_set', rule: 'R4', provisional: true } })

  writeFileSync(join(dir, 'report.txt'), 'the report, edited after it was signed')
  const edited = lantai(['seals', 'verify', join(dir, 'report.txt.p7s'), '--trust', trust, '--json'])
  t.equal(edited.code, 1)
  t.match(JSON.parse(edited.stdout), { signatures: [{ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' }], decision: { outcome: 'paper_required', rule: 'R3', integrityAlert: true } })
})

t.test('an unsigned file, and usage errors', async t => {
  const plain = join(scratchDir(t), 'plain.txt')
  writeFileSync(plain, 'no seal here')
  const r = lantai(['seals', 'verify', plain, '--json'])
  t.equal(r.code, 1)
  t.match(JSON.parse(r.stdout), { format: 'other', signatures: [], decision: { outcome: 'dual_set', rule: 'R5' } })
  t.equal(lantai(['seals', 'verify']).code, 2)
  t.equal(lantai(['seals', 'verify', plain, '--origin', 'alien']).code, 2)
  t.equal(lantai(['seals', 'verify', '/no/such/file']).code, 2)
})
