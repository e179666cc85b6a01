import t from 'tap'
import { embeddedCertificates, signedDataOf, verifyCms } from '../../src/seals/cms.js'
import { emptyTrustStore, type TrustStore } from '../../src/seals/trust.js'
import { isLantaiError } from '../../src/errors.js'
import { makeTestPki, readPki as read, type TestPki } from '../fixtures/pki.js'

// CMS / CAdES verification against the real test PKI of scripts/make-test-pki.sh: make it valid,
// change one thing, check the indication (STYLE.md "Tests").

let pki: TestPki
let trust: TrustStore
let doc: Uint8Array

t.before(async () => {
  pki = await makeTestPki()
  doc = read(pki.doc)
  trust = { ...emptyTrustStore(), anchors: [read(pki.certs.root), read(pki.certs.sm2root)], crls: [read(pki.crls.inter), read(pki.crls.root), read(pki.crls.sm2root)] }
})

const one = async (file: string, options: { content?: Uint8Array | null, trust?: TrustStore } = {}) => {
  const res = await verifyCms(read(file), { content: options.content === null ? undefined : options.content ?? doc, trust: options.trust ?? trust })
  if (res.signatures.length !== 1) throw new Error(`expected one signature, got ${res.signatures.length}`)
  return { ...res, sig: res.signatures[0]! }
}

t.test('valid RSA, RSA-PSS and ECDSA signatures, detached and enveloping, are TOTAL_PASSED with chain and anchor', async t => {
  for (const [name, file, alg] of [
    ['RSA detached', pki.cms.sealDetached, 'RSA-SHA256'], ['RSA enveloping', pki.cms.sealAttached, 'RSA-SHA256'],
    ['RSA-PSS detached', pki.cms.sealPss, 'RSASSA-PSS-SHA256'],
    ['ECDSA detached', pki.cms.sealecDetached, 'ECDSA-SHA256'], ['ECDSA enveloping', pki.cms.sealecAttached, 'ECDSA-SHA256']
  ] as const) {
    const { sig, evidence, content } = await one(file)
    t.match(sig, { indication: 'TOTAL_PASSED', subIndication: null, format: 'CAdES-BASELINE-B', signatureAlgorithm: alg, digestAlgorithm: 'SHA256', kind: 'cms', id: 'p7s' }, name)
    t.same(sig.reasons, [], name)
    t.equal(sig.chain.length, 3, `${name}: signer, intermediate, root`)
    t.equal(sig.anchor?.subject, 'CN=Test Root CA,O=Test Archive PKI,C=CN', name)
    t.equal(sig.chain[1]?.publicKey, 'EC P-384', name)
    t.ok(sig.claimedSigningTime, name)
    t.ok(sig.revocation.some(r => r.source === 'crl' && r.status === 'good' && r.signatureVerified), `${name}: CRL evidence`)
    t.equal(evidence.certificates.length, 3, `${name}: certificates kept as evidence`)
    t.equal(evidence.crls.length, 2, `${name}: both CRLs kept as evidence`)
    t.same(content, doc, name)
    t.ok(sig.scope.wholeDocument, name)
  }
})

t.test('the certificates a CMS carries are taken as they were encoded, and its signer is found among them', async t => {
  const sd = signedDataOf(read(pki.cms.sealDetached), {})
  if (!sd.ok) throw new Error(sd.reason)
  const carried = embeddedCertificates(sd.value).map(der => Buffer.from(der))
  t.ok(carried.some(der => der.equals(read(pki.certs.seal))), 'the seal certificate, byte for byte')
  t.ok(carried.some(der => der.equals(read(pki.certs.inter))), 'the intermediate, byte for byte')
})

t.test('a SignedData in BER (indefinite lengths, as `openssl cms -stream` writes) gives the same report as its DER', async t => {
  const der = read(pki.cms.sealDetached)
  // the outer SEQUENCE's definite length (0x30 0x82 hi lo) becomes 0x30 0x80 … 0x00 0x00
  t.same([der[0], der[1]], [0x30, 0x82], 'the fixture has a two-octet length')
  const ber = new Uint8Array([0x30, 0x80, ...der.subarray(4), 0x00, 0x00])
  const validationTime = new Date()
  const fromDer = await verifyCms(der, { content: doc, trust, validationTime })
  const fromBer = await verifyCms(ber, { content: doc, trust, validationTime })
  t.match(fromBer.signatures[0], { indication: 'TOTAL_PASSED', format: 'CAdES-BASELINE-B' })
  t.same(fromBer, fromDer)
})

t.test('the same seal checked again (its certificates parsed and verified once) gives the same report, and a wrong content still fails', async t => {
  const validationTime = new Date()
  const check = async (): Promise<Awaited<ReturnType<typeof verifyCms>>> => await verifyCms(read(pki.cms.sealDetached), { content: doc, trust, validationTime })
  const first = await check()
  const again = await check()
  t.same(again, first)
  t.match(first.signatures[0], { indication: 'TOTAL_PASSED' })
  t.match((await one(pki.cms.sealDetached, { content: Buffer.from('another document') })).sig, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })
  // The cached chain must not outlive the trust it was built on.
  t.match((await one(pki.cms.sealDetached, { trust: { ...trust, anchors: [read(pki.certs.sm2root)] } })).sig, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' })
})

t.test('the signer\'s Chinese organisation name survives into the report', async t => {
  const { sig } = await one(pki.cms.sealDetached)
  t.equal(sig.signer?.subject, 'CN=Project Seal,O=示例建设有限公司,C=CN')
  t.equal(sig.signer?.publicKey, 'RSA-2048')
})

t.test('changed content is TOTAL_FAILED/HASH_FAILURE', async t => {
  const { sig } = await one(pki.cms.sealDetached, { content: read(pki.docTampered) })
  t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })
  t.match(sig.reasons.join(' '), /message-digest/)
})

t.test('a flipped signature byte is TOTAL_FAILED/SIG_CRYPTO_FAILURE', async t => {
  const { sig } = await one(pki.cms.sealFlipped)
  t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' })
})

t.test('a detached signature without its content is INDETERMINATE/SIGNED_DATA_NOT_FOUND', async t => {
  const { sig } = await one(pki.cms.sealDetached, { content: null })
  t.match(sig, { indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND' })
})

t.test('a signature from an unknown root is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async t => {
  const { sig } = await one(pki.cms.sealDetached, { trust: { ...trust, anchors: [read(pki.certs.sm2root)] } })
  t.match(sig, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', anchor: null })
  t.ok(sig.chain.length >= 2, 'the partial chain is still reported')
})

t.test('an expired signer without proof of existence is INDETERMINATE/OUT_OF_BOUNDS_NO_POE', async t => {
  const { sig } = await one(pki.cms.expiredDetached)
  t.match(sig, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' })
})

t.test('an expired signer with a timestamp after expiry is TOTAL_FAILED/EXPIRED', async t => {
  const { sig } = await one(pki.cms.expiredTimestamped)
  t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'EXPIRED', format: 'CAdES-BASELINE-T' })
})

t.test('a signer not yet valid is TOTAL_FAILED/NOT_YET_VALID', async t => {
  const { sig } = await one(pki.cms.notyetDetached)
  t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'NOT_YET_VALID' })
})

t.test('a revoked signer without a timestamp is INDETERMINATE/REVOKED_NO_POE (RSA and ECDSA)', async t => {
  for (const file of [pki.cms.revokedDetached, pki.cms.revokedecDetached]) {
    const { sig } = await one(file)
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' })
    t.ok(sig.revocation.some(r => r.status === 'revoked' && r.reason === 'keyCompromise' && r.signatureVerified))
  }
})

t.test('a revoked signer with a timestamp before the revocation is TOTAL_PASSED at the timestamp\'s time', async t => {
  for (const file of [pki.cms.revokedTimestamped, pki.cms.revokedecTimestamped]) {
    const { sig, evidence } = await one(file)
    t.match(sig, { indication: 'TOTAL_PASSED', subIndication: null, format: 'CAdES-BASELINE-T' })
    t.equal(sig.timestamps.length, 1)
    t.match(sig.timestamps[0], { indication: 'TOTAL_PASSED', imprintMatches: true, tsa: 'CN=Test TSA,O=Test Archive PKI,C=CN' })
    t.equal(sig.bestSignatureTime, sig.timestamps[0]?.genTime)
    const revoked = sig.revocation.find(r => r.status === 'revoked')
    t.ok(revoked !== undefined && revoked.revocationTime! > sig.bestSignatureTime, 'revoked after the proven time')
    t.equal(evidence.timestamps.length, 1, 'the token is kept as evidence')
    t.ok(evidence.certificates.length >= 4, 'the TSA certificate is kept as evidence')
  }
})

t.test('a timestamped valid signature is CAdES-BASELINE-T and TOTAL_PASSED', async t => {
  const { sig } = await one(pki.cms.sealTimestamped)
  t.match(sig, { indication: 'TOTAL_PASSED', format: 'CAdES-BASELINE-T' })
  t.not(sig.bestSignatureTime, sig.validationTime)
})

t.test('an SM2/SM3 CMS signature with the GB/T 32918 default ID is TOTAL_PASSED', async t => {
  for (const file of [pki.cms.sm2Detached, pki.cms.sm2Attached]) {
    const { sig } = await one(file)
    t.match(sig, { indication: 'TOTAL_PASSED', signatureAlgorithm: 'SM2-SM3', digestAlgorithm: 'SM3' })
    t.equal(sig.anchor?.publicKey, 'SM2')
    t.equal(sig.anchor?.subject, 'CN=Test SM2 Root,O=测试 SM2 PKI,C=CN')
  }
  const { sig } = await one(pki.cms.sm2Detached, { content: read(pki.docTampered) })
  t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })
})

t.test('without any revocation data the result is INDETERMINATE/TRY_LATER', async t => {
  const { sig } = await one(pki.cms.sealDetached, { trust: { ...trust, crls: [] } })
  t.match(sig, { indication: 'INDETERMINATE', subIndication: 'TRY_LATER' })
})

t.test('garbage, truncated and deeply nested input is TOTAL_FAILED/FORMAT_FAILURE, quickly', async t => {
  const valid = read(pki.cms.sealDetached)
  const nested = (depth: number): Uint8Array => {
    let inner = new Uint8Array([0x05, 0x00])
    for (let i = 0; i < depth; i++) {
      const len = inner.length
      const head = len < 0x80 ? [0x30, len] : len < 0x100 ? [0x30, 0x81, len] : len < 0x10000 ? [0x30, 0x82, len >> 8, len & 0xff] : [0x30, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]
      inner = new Uint8Array([...head, ...inner])
    }
    return inner
  }
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array()],
    ['garbage', new Uint8Array(Buffer.from('this is not DER at all, just text'.repeat(10)))],
    ['truncated', valid.subarray(0, Math.floor(valid.length / 2))],
    ['one byte short', valid.subarray(0, valid.length - 1)],
    ['a huge declared length', new Uint8Array([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00])],
    ['deeply nested definite', nested(5000)],
    ['deeply nested indefinite', new Uint8Array(Array.from({ length: 200_000 }, (_, i) => i % 2 === 0 ? 0x30 : 0x80))],
    ['not signedData', new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x00])],
    ['trailing bytes', new Uint8Array([...valid, 0x00, 0x01])]
  ]
  for (const [name, bytes] of cases) {
    const started = Date.now()
    const res = await verifyCms(bytes, { content: doc, trust })
    t.equal(res.signatures.length, 1, name)
    t.match(res.signatures[0], { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' }, name)
    t.ok(res.signatures[0]!.reasons.length > 0, `${name}: a reason`)
    t.ok(Date.now() - started < 2000, `${name}: quickly`)
  }
})

t.test('PAdES /Contents zero padding after the DER value is accepted', async t => {
  const padded = new Uint8Array([...read(pki.cms.sealDetached), ...new Uint8Array(64)])
  const res = await verifyCms(padded, { content: doc, trust, kind: 'pades', id: 'Signature1' })
  t.match(res.signatures[0], { indication: 'TOTAL_PASSED', kind: 'pades', id: 'Signature1' })
})

t.test('an aborted signal stops verification with ABORTED', async t => {
  const ac = new AbortController()
  ac.abort()
  const error = await verifyCms(read(pki.cms.sealDetached), { content: doc, trust, signal: ac.signal }).then(() => null, (e: unknown) => e)
  t.ok(isLantaiError(error) && error.code === 'ABORTED')
})
