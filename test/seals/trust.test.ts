import t from 'tap'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isLantaiError } from '../../src/errors.js'
import { loadTrustStore } from '../../src/seals/trust.js'
import { certificateInfo, tryCertificateInfo, OID_SM2, OID_SM3, OID_SM3_WITH_SM2 } from '../../src/seals/x509.js'
import { makeTestPki, readPki as read, type TestPki } from '../fixtures/pki.js'

let pki: TestPki
t.before(async () => { pki = await makeTestPki() })

t.test('the trust store reads roots, seal makers and revocation data in PEM and DER', async t => {
  const dir = t.testdir({ roots: {}, 'seal-makers': {}, revocation: {} })
  copyFileSync(pki.certs.root, join(dir, 'roots/root.der'))
  copyFileSync(pki.certs.root.replace(/\.der$/, '.pem'), join(dir, 'roots/root-again.pem'))
  copyFileSync(pki.certs.sm2root.replace(/\.der$/, '.pem'), join(dir, 'seal-makers/sm2.crt'))
  copyFileSync(pki.crls.inter, join(dir, 'revocation/inter.crl'))
  copyFileSync(`${pki.crls.root}.pem`, join(dir, 'revocation/root.crl'))
  copyFileSync(pki.ocsp.good, join(dir, 'revocation/seal.ocsp'))
  copyFileSync(pki.chainPem, join(dir, 'revocation/chain.pem'))
  writeFileSync(join(dir, 'roots/.gitkeep'), '')
  writeFileSync(join(dir, 'roots/README.md'), '# notes')
  const store = await loadTrustStore(dir)
  t.equal(store.anchors.length, 2)
  t.same(store.anchors[0], read(pki.certs.root))
  t.same(store.anchors[1], read(pki.certs.root), 'PEM is converted to DER')
  t.equal(store.sealMakers.length, 1)
  t.equal(store.crls.length, 2)
  t.equal(store.ocspResponses.length, 1)
  t.equal(store.extraCertificates.length, 2, 'certificates in revocation/ help build paths')
})

t.test('a missing trust directory is an empty store; the repository\'s certs/ loads', async t => {
  const store = await loadTrustStore(join(t.testdir(), 'nope'))
  t.same(store, { anchors: [], sealMakers: [], crls: [], ocspResponses: [], extraCertificates: [] })
  const repo = await loadTrustStore(new URL('../../certs', import.meta.url).pathname)
  t.ok(Array.isArray(repo.anchors))
})

t.test('an unparseable file is refused with SEAL_TRUST_INVALID naming it', async t => {
  for (const [name, body] of [['roots/broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'], ['roots/x.der', 'junk'],
    ['revocation/bad.crl', 'junk'], ['revocation/bad.ocsp', Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01])], ['seal-makers/key.p12', 'x']] as const) {
    const dir = t.testdir({ roots: {}, 'seal-makers': {}, revocation: {} })
    mkdirSync(join(dir, 'roots'), { recursive: true })
    writeFileSync(join(dir, name), body)
    const error = await loadTrustStore(dir).then(() => null, (e: unknown) => e)
    t.ok(isLantaiError(error) && error.code === 'SEAL_TRUST_INVALID', name)
    t.match((error as Error).message, name.split('/')[1]!, name)
  }
})

t.test('certificateInfo: RFC 4514 names with Chinese intact, serial, dates, sha256 and key description', async t => {
  const seal = certificateInfo(read(pki.certs.seal))
  t.equal(seal.subject, 'CN=Project Seal,O=示例建设有限公司,C=CN')
  t.equal(seal.issuer, 'CN=Test Seal CA,O=Test Archive PKI,C=CN')
  t.match(seal.serialNumber, /^[0-9a-f]+$/)
  t.match(seal.notBefore, /^\d{4}-\d\d-\d\dT/)
  t.match(seal.sha256, /^[0-9a-f]{64}$/)
  t.equal(certificateInfo(read(pki.certs.root)).publicKey, 'RSA-3072')
  t.equal(certificateInfo(read(pki.certs.inter)).publicKey, 'EC P-384')
  t.equal(certificateInfo(read(pki.certs.sealec)).publicKey, 'EC P-256')
  t.equal(certificateInfo(read(pki.certs.sm2seal)).publicKey, 'SM2')
  t.equal(certificateInfo(read(pki.certs.sm2seal)).subject, 'CN=SM2 Seal,O=示例建设有限公司,C=CN')
  t.equal(certificateInfo(read(pki.certs.expired)).notAfter, '2021-01-01T00:00:00.000Z')
})

t.test('certificateInfo never throws on garbage; tryCertificateInfo says why', async t => {
  const info = certificateInfo(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))
  t.equal(info.publicKey, 'unparseable')
  t.match(info.sha256, /^[0-9a-f]{64}$/)
  const r = tryCertificateInfo(new Uint8Array(Array.from({ length: 10_000 }, () => 0x30)))
  t.equal(r.ok, false)
})

t.test('the GM OIDs are the GB/T 33560 values', async t => {
  t.same([OID_SM2, OID_SM3, OID_SM3_WITH_SM2], ['1.2.156.10197.1.301', '1.2.156.10197.1.401', '1.2.156.10197.1.501'])
})
