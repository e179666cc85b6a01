import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { verifyOfd } from '../../src/seals/ofd/verify-ofd.js'
import { deepAsn1, flipByte, makeSm2Pki, minimalOfd, sealOfd, writeOfd } from '../fixtures/ofd.js'

const SIGNATURE = 'Doc_0/Signs/Sign_0/Signature.xml'
const SIGNED_VALUE = 'Doc_0/Signs/Sign_0/SignedValue.dat'
const PAGE = 'Doc_0/Pages/Page_0/Content.xml'
const DAY = 86400_000

t.test('OFD seals (SES v4) verified end to end', async t => {
  const pki = makeSm2Pki(t)
  const sealed = sealOfd(pki, minimalOfd())

  t.test('a freshly sealed OFD is TOTAL_PASSED and covers the whole document', async t => {
    const report = await verifyOfd(await writeOfd(t, sealed), { trust: pki.trust })
    t.equal(report.format, 'ofd')
    t.equal(report.signatures.length, 1)
    const sig = report.signatures[0]!
    t.match(sig, {
      kind: 'ofd-ses', id: SIGNATURE, format: 'SES v4', indication: 'TOTAL_PASSED', subIndication: null,
      digestAlgorithm: 'SM3', signatureAlgorithm: 'SM2-SM3',
      signer: { subject: /Project Seal Holder/, publicKey: 'SM2' },
      anchor: { subject: /Test SM2 Root/ },
      scope: { wholeDocument: true, unreferenced: [] },
      seal: { name: '测试建设有限公司工程专用章', esId: '11010800000001', version: 'v4', makerSignatureValid: true, maker: { subject: /Seal-Making System/ } }
    })
    t.same(sig.reasons, [])
    t.equal(sig.scope.references?.length, 5)
    t.ok(sig.scope.references?.every(r => r.matches))
    t.equal(sig.revocation[0]?.status, 'good')
    t.ok(report.evidence.certificates.length >= 2, 'maker and signer certificates kept as evidence')
  })

  t.test('a changed byte in a referenced page is TOTAL_FAILED/HASH_FAILURE naming the page', async t => {
    const file = await writeOfd(t, { ...sealed, [PAGE]: flipByte(sealed[PAGE]!, 60) })
    const sig = (await verifyOfd(file, { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', scope: { wholeDocument: false } })
    t.same(sig.scope.references?.filter(r => !r.matches).map(r => r.file), [PAGE])
    t.match(sig.reasons[0], PAGE)
  })

  t.test('a changed byte in the SES signature value is TOTAL_FAILED/SIG_CRYPTO_FAILURE', async t => {
    // the signature BIT STRING is the last field of SES_Signature, so its last byte is s's last byte
    const file = await writeOfd(t, { ...sealed, [SIGNED_VALUE]: flipByte(sealed[SIGNED_VALUE]!) })
    const sig = (await verifyOfd(file, { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' })
    t.match(sig.reasons.join('\n'), /TBS_Sign does not verify/)
  })

  t.test('Signature.xml edited after sealing breaks dataHash: HASH_FAILURE', async t => {
    const edited = String(sealed[SIGNATURE]).replace('Lantai test', 'Lantai tesT')
    const sig = (await verifyOfd(await writeOfd(t, { ...sealed, [SIGNATURE]: edited }), { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })
    t.match(sig.reasons.join('\n'), /dataHash/)
  })

  t.test('a content file added after sealing is unreferenced: the seal passes but not for the whole document', async t => {
    const file = await writeOfd(t, { ...sealed, 'Doc_0/Pages/Page_1/Content.xml': '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"/>' })
    const sig = (await verifyOfd(file, { trust: pki.trust })).signatures[0]!
    t.equal(sig.indication, 'TOTAL_PASSED')
    t.match(sig.scope, { wholeDocument: false, unreferenced: ['Doc_0/Pages/Page_1/Content.xml'] })
    t.match(sig.warnings.join('\n'), /does not cover 1 content file/)
  })

  t.test('a seal that leaves a content file out of its References does not cover the whole document', async t => {
    const partial = sealOfd(pki, minimalOfd(), { skipReferences: ['Doc_0/Res/seal.png'] })
    const sig = (await verifyOfd(await writeOfd(t, partial), { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_PASSED', scope: { wholeDocument: false, unreferenced: ['Doc_0/Res/seal.png'] } })
  })

  t.test('a seal made by a seal-making system outside the trust store is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async t => {
    const rogue = sealOfd(pki, minimalOfd(), { maker: 'rogue' })
    const sig = (await verifyOfd(await writeOfd(t, rogue), { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', seal: { makerSignatureValid: true, maker: { subject: /Rogue/ } } })
    t.match(sig.reasons.join('\n'), /not among the trusted seal-making systems/)
  })

  t.test('a signer certificate without a path to a trusted root is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async t => {
    const sig = (await verifyOfd(await writeOfd(t, sealed), { trust: { ...pki.trust, anchors: [] } })).signatures[0]!
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', anchor: null })
  })

  t.test('an expired seal without proof of existence is INDETERMINATE/OUT_OF_BOUNDS_NO_POE', async t => {
    const now = Date.now()
    const old = sealOfd(pki, minimalOfd(), { validStart: new Date(now - 10 * DAY), validEnd: new Date(now - 5 * DAY), signingTime: new Date(now - 6 * DAY) })
    const sig = (await verifyOfd(await writeOfd(t, old), { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE', seal: { makerSignatureValid: true } })
    t.match(sig.reasons.join('\n'), /seal expired/)
  })

  t.test('a garbage SignedValue.dat is TOTAL_FAILED/FORMAT_FAILURE', async t => {
    const file = await writeOfd(t, { ...sealed, [SIGNED_VALUE]: Buffer.from('this is not DER at all') })
    const sig = (await verifyOfd(file, { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' })
    t.match(sig.reasons[0], SIGNED_VALUE)
  })

  t.test('a deeply nested ASN.1 SignedValue.dat is refused quickly as FORMAT_FAILURE', async t => {
    const started = Date.now()
    const file = await writeOfd(t, { ...sealed, [SIGNED_VALUE]: deepAsn1(100_000) })
    const sig = (await verifyOfd(file, { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' })
    t.match(sig.reasons[0], /nested deeper than 64/)
    t.ok(Date.now() - started < 5000, 'bounded')
  })

  t.test('a zip entry with "../" refuses the whole package as FORMAT_FAILURE', async t => {
    const file = await writeOfd(t, sealed, [{ name: '../evil.xml', body: 'x' }])
    const report = await verifyOfd(file, { trust: pki.trust })
    t.equal(report.signatures.length, 1)
    t.match(report.signatures[0], { id: '(package)', indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', reasons: [/\.\..*segment/] })
  })

  t.test('an absolute zip entry name refuses the package', async t => {
    const file = await writeOfd(t, sealed, [{ name: '/etc/evil', body: 'x' }])
    t.match((await verifyOfd(file, { trust: pki.trust })).signatures[0], { id: '(package)', subIndication: 'FORMAT_FAILURE', reasons: [/absolute/] })
  })

  t.test('a file that is not a zip is FORMAT_FAILURE', async t => {
    const dir = t.testdir()
    const file = join(dir, 'not.ofd')
    writeFileSync(file, 'plain text, not an OFD package')
    t.match((await verifyOfd(file, { trust: pki.trust })).signatures[0], { id: '(package)', indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' })
  })

  t.test('an OFD without signatures has no signature reports', async t => {
    const report = await verifyOfd(await writeOfd(t, minimalOfd()), { trust: pki.trust })
    t.same(report.signatures, [])
  })

  t.test('a cancelled verification throws ABORTED', async t => {
    const controller = new AbortController()
    controller.abort()
    await t.rejects(verifyOfd(await writeOfd(t, sealed), { trust: pki.trust, signal: controller.signal }), { code: 'ABORTED' })
  })
})
