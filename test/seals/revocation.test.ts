import t from 'tap'
import * as pkijs from 'pkijs'
import { validateCertificatePath } from '../../src/seals/path.js'
import { emptyEvidence } from '../../src/seals/report.js'
import { prepareRevocationSources, revocationFindings } from '../../src/seals/revocation.js'
import { emptyTrustStore, type TrustStore } from '../../src/seals/trust.js'
import { makeTestPki, readPki as read, type TestPki } from '../fixtures/pki.js'

let pki: TestPki
let base: TrustStore
// certificates are issued when the PKI is made: validate after that
let now: Date
const cert = (p: string): pkijs.Certificate => pkijs.Certificate.fromBER(read(p))

t.before(async () => {
  pki = await makeTestPki()
  now = new Date()
  // the intermediate's status comes from the root CRL in every case below
  base = { ...emptyTrustStore(), anchors: [read(pki.certs.root)], crls: [read(pki.crls.root)] }
})

t.test('a CRL entry gives the revocation time and reason, with the CRL signature verified', async t => {
  const sources = prepareRevocationSources([read(pki.crls.inter)], [])
  const [f, ...rest] = revocationFindings(cert(pki.certs.revoked), read(pki.certs.revoked), cert(pki.certs.inter), sources)
  t.equal(rest.length, 0)
  t.match(f?.evidence, { source: 'crl', status: 'revoked', reason: 'keyCompromise', signatureVerified: true })
  t.ok(f?.revocationTime instanceof Date)
  t.equal(f?.problem, null)
})

t.test('a CRL from another issuer says nothing about the certificate', async t => {
  const sources = prepareRevocationSources([read(pki.crls.root)], [])
  t.same(revocationFindings(cert(pki.certs.revoked), read(pki.certs.revoked), cert(pki.certs.inter), sources), [])
})

t.test('OCSP good and revoked responses from a delegated responder are verified and read', async t => {
  const sources = prepareRevocationSources([], [read(pki.ocsp.good), read(pki.ocsp.revoked)])
  const good = revocationFindings(cert(pki.certs.seal), read(pki.certs.seal), cert(pki.certs.inter), sources)
  t.match(good, [{ evidence: { source: 'ocsp', status: 'good', signatureVerified: true }, problem: null }])
  t.ok(good[0]?.responder, 'the responder certificate is named')
  const revoked = revocationFindings(cert(pki.certs.revoked), read(pki.certs.revoked), cert(pki.certs.inter), sources)
  t.match(revoked, [{ evidence: { source: 'ocsp', status: 'revoked', reason: 'keyCompromise', signatureVerified: true } }])
})

t.test('an OCSP response decides a path: revoked without proof of existence is REVOKED_NO_POE', async t => {
  const trust = { ...base, ocspResponses: [read(pki.ocsp.revoked)] }
  const r = await validateCertificatePath(read(pki.certs.revoked), [read(pki.certs.inter)], trust, now, emptyEvidence())
  t.match(r, { indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' })
  const good = await validateCertificatePath(read(pki.certs.seal), [read(pki.certs.inter)], { ...base, ocspResponses: [read(pki.ocsp.good)] }, now, emptyEvidence())
  t.match(good, { indication: 'TOTAL_PASSED' })
})

t.test('an OCSP response with a bad signature is not trusted', async t => {
  const cands = [read(pki.certs.inter)]
  // control: the same response without the flip, its responder certificate supplied separately
  const control = await validateCertificatePath(read(pki.certs.revoked), cands,
    { ...base, ocspResponses: [read(pki.ocsp.revokedNoCerts)], extraCertificates: [read(pki.certs.ocsp)] }, now, emptyEvidence())
  t.match(control, { subIndication: 'REVOKED_NO_POE' })
  const evidence = emptyEvidence()
  const bad = await validateCertificatePath(read(pki.certs.revoked), cands,
    { ...base, ocspResponses: [read(pki.ocsp.revokedBadSignature)], extraCertificates: [read(pki.certs.ocsp)] }, now, evidence)
  t.match(bad, { indication: 'INDETERMINATE', subIndication: 'TRY_LATER' })
  t.match(bad.revocation, [{ source: 'ocsp', signatureVerified: false }, { source: 'crl', signatureVerified: true }])
  t.match(bad.warnings.join(' '), /signature does not verify; not trusted/)
  t.equal(evidence.ocspResponses.length, 0, 'an untrusted response is not evidence')
})

t.test('an OCSP response whose responder cannot be found is not trusted', async t => {
  const r = await validateCertificatePath(read(pki.certs.revoked), [read(pki.certs.inter)], { ...base, ocspResponses: [read(pki.ocsp.revokedNoCerts)] }, now, emptyEvidence())
  t.match(r, { subIndication: 'TRY_LATER' })
  t.match(r.warnings.join(' '), /responder certificate is not available/)
})

t.test('a CRL that expired before the time to prove does not count: TRY_LATER', async t => {
  const trust = { ...base, crls: [read(pki.crls.inter), read(pki.crls.root)] }
  const later = new Date(now.getTime() + 30 * 86_400_000)
  const r = await validateCertificatePath(read(pki.certs.seal), [read(pki.certs.inter)], trust, later, emptyEvidence(), { atIsProven: true })
  t.match(r, { indication: 'INDETERMINATE', subIndication: 'TRY_LATER' })
  t.match(r.reasons.join(' '), /expired before/)
})

t.test('unparseable revocation data is reported, not thrown', async t => {
  const sources = prepareRevocationSources([new Uint8Array([0x30, 0x00])], [new Uint8Array([0xff, 0xff])])
  t.equal(sources.problems.length, 2)
  t.same(revocationFindings(cert(pki.certs.seal), read(pki.certs.seal), cert(pki.certs.inter), sources), [])
})
