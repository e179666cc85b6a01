import t from 'tap'
import * as pkijs from 'pkijs'
import { LantaiCryptoEngine } from '../../src/seals/crypto-engine.js'
import { validateCertificatePath } from '../../src/seals/path.js'
import { emptyEvidence } from '../../src/seals/report.js'
import { emptyTrustStore, type TrustStore } from '../../src/seals/trust.js'
import { OID_KP_TIME_STAMPING, OID_SM3, OID_SM3_WITH_SM2, sha256Hex } from '../../src/seals/x509.js'
import { makeTestPki, readPki as read, type TestPki } from '../fixtures/pki.js'

let pki: TestPki
let trust: TrustStore
// certificates are issued when the PKI is made: validate after that
let now: Date

t.before(async () => {
  pki = await makeTestPki()
  now = new Date()
  trust = { ...emptyTrustStore(), anchors: [read(pki.certs.root), read(pki.certs.sm2root)], crls: [read(pki.crls.inter), read(pki.crls.root), read(pki.crls.sm2root)] }
})

t.test('a path is built from the signer through candidate intermediates to the anchor', async t => {
  const evidence = emptyEvidence()
  const r = await validateCertificatePath(read(pki.certs.seal), [read(pki.certs.inter)], trust, now, evidence)
  t.match(r, { indication: 'TOTAL_PASSED', subIndication: null })
  t.same(r.chain.map(c => c.subject), ['CN=Project Seal,O=示例建设有限公司,C=CN', 'CN=Test Seal CA,O=Test Archive PKI,C=CN', 'CN=Test Root CA,O=Test Archive PKI,C=CN'])
  t.same(r.chain.map(c => c.publicKey), ['RSA-2048', 'EC P-384', 'RSA-3072'])
  t.equal(r.anchor?.sha256, sha256Hex(read(pki.certs.root)))
  t.equal(r.revocation.length, 2, 'signer and intermediate each checked against a CRL')
  t.equal(evidence.certificates.length, 3)
  t.equal(evidence.crls.length, 2)
})

t.test('intermediates from the trust store\'s extraCertificates complete the path', async t => {
  const r = await validateCertificatePath(read(pki.certs.sealec), [], { ...trust, extraCertificates: [read(pki.certs.inter)] }, now, emptyEvidence())
  t.match(r, { indication: 'TOTAL_PASSED' })
  t.equal(r.chain.length, 3)
})

t.test('without the intermediate there is no path: INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async t => {
  const r = await validateCertificatePath(read(pki.certs.seal), [], trust, now, emptyEvidence())
  t.match(r, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', anchor: null })
  t.equal(r.chain.length, 1)
})

t.test('an intermediate whose name matches but whose key did not sign is not accepted', async t => {
  // the SM2 root signed nothing of this chain: offer the signer as if issued by the wrong CA
  const r = await validateCertificatePath(read(pki.certs.seal), [read(pki.certs.sm2root)], { ...trust, anchors: [read(pki.certs.sm2root)] }, now, emptyEvidence())
  t.match(r, { subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' })
})

t.test('an SM2 chain validates through the GB/T 32918 verifier', async t => {
  const r = await validateCertificatePath(read(pki.certs.sm2seal), [], trust, now, emptyEvidence())
  t.match(r, { indication: 'TOTAL_PASSED' })
  t.same(r.chain.map(c => c.publicKey), ['SM2', 'SM2'])
})

t.test('an expired certificate is OUT_OF_BOUNDS_NO_POE without proof, EXPIRED with it', async t => {
  const cand = [read(pki.certs.inter)]
  const a = await validateCertificatePath(read(pki.certs.expired), cand, trust, now, emptyEvidence())
  t.match(a, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' })
  const b = await validateCertificatePath(read(pki.certs.expired), cand, trust, now, emptyEvidence(), { atIsProven: true })
  t.match(b, { indication: 'TOTAL_FAILED', subIndication: 'EXPIRED' })
  const inside = await validateCertificatePath(read(pki.certs.expired), cand, trust, new Date('2020-06-01T00:00:00Z'), emptyEvidence(), { atIsProven: true })
  t.match(inside, { indication: 'TOTAL_PASSED' }, 'proven inside the validity, with a CRL issued later that does not list it')
})

t.test('a revoked certificate: REVOKED_NO_POE without proof, REVOKED when proven after, passed when proven before', async t => {
  const cand = [read(pki.certs.inter)]
  const a = await validateCertificatePath(read(pki.certs.revoked), cand, trust, now, emptyEvidence())
  t.match(a, { indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' })
  const revokedAt = new Date(a.revocation.find(r => r.status === 'revoked')!.revocationTime!)
  const after = await validateCertificatePath(read(pki.certs.revoked), cand, trust, new Date(revokedAt.getTime() + 1000), emptyEvidence(), { atIsProven: true })
  t.match(after, { indication: 'TOTAL_FAILED', subIndication: 'REVOKED' })
  const before = await validateCertificatePath(read(pki.certs.revoked), cand, trust, new Date(revokedAt.getTime() - 1000), emptyEvidence(), { atIsProven: true })
  t.match(before, { indication: 'TOTAL_PASSED' })
  t.match(before.warnings.join(' '), /after the proven signature time/)
})

t.test('a required extended key usage is enforced (a seal certificate is no TSA)', async t => {
  const r = await validateCertificatePath(read(pki.certs.seal), [read(pki.certs.inter)], trust, now, emptyEvidence(), { requiredEku: OID_KP_TIME_STAMPING })
  t.match(r, { indication: 'INDETERMINATE', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' })
  const tsa = await validateCertificatePath(read(pki.certs.tsa), [read(pki.certs.inter)], trust, now, emptyEvidence(), { requiredEku: OID_KP_TIME_STAMPING, keyUsage: 'any' })
  t.match(tsa, { indication: 'TOTAL_PASSED' })
})

t.test('a directly trusted end-entity certificate is its own one-element path', async t => {
  const r = await validateCertificatePath(read(pki.certs.seal), [], { ...trust, anchors: [read(pki.certs.seal)] }, now, emptyEvidence())
  t.match(r, { indication: 'TOTAL_PASSED' })
  t.equal(r.chain.length, 1)
  t.equal(r.anchor?.subject, 'CN=Project Seal,O=示例建设有限公司,C=CN')
})

t.test('unparseable signer is TOTAL_FAILED/FORMAT_FAILURE, unparseable candidates are skipped with a warning', async t => {
  const a = await validateCertificatePath(new Uint8Array([0x30, 0x03, 0x02, 0x01]), [], trust, now, emptyEvidence())
  t.match(a, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' })
  const b = await validateCertificatePath(read(pki.certs.seal), [new Uint8Array([1, 2, 3]), read(pki.certs.inter)], trust, now, emptyEvidence())
  t.match(b, { indication: 'TOTAL_PASSED' })
  t.equal(b.warnings.length, 1)
})

t.test('the pkijs engine subclass digests SM3 and verifies SM2-with-SM3 certificate signatures', async t => {
  const engine = new LantaiCryptoEngine()
  const root = pkijs.Certificate.fromBER(read(pki.certs.sm2root))
  const leaf = pkijs.Certificate.fromBER(read(pki.certs.sm2seal))
  t.equal(leaf.signatureAlgorithm.algorithmId, OID_SM3_WITH_SM2)
  t.equal(await leaf.verify(root, engine), true)
  t.equal(await leaf.verify(pkijs.Certificate.fromBER(read(pki.certs.root)), engine), false)
  const abc = Buffer.from(await engine.digest({ name: 'SM3' }, new TextEncoder().encode('abc'))).toString('hex')
  t.equal(abc, '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0', 'GB/T 32905 Annex A')
  t.same(engine.getAlgorithmByOID(OID_SM3), { name: 'SM3' })
  const rsaLeaf = pkijs.Certificate.fromBER(read(pki.certs.inter))
  t.equal(await rsaLeaf.verify(pkijs.Certificate.fromBER(read(pki.certs.root)), engine), true, 'RSA still verifies')
})
