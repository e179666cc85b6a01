import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { decidePaper } from '../../src/seals/decision.js'
import { TAG, children, encodeTlv, parseOne } from '../../src/seals/ofd/der.js'
import { verifyOfd } from '../../src/seals/ofd/verify-ofd.js'
import { deepAsn1, flipByte, makeSm2Pki, minimalOfd, sealOfd, signOfd, tsaToken, utc, writeOfd } from '../fixtures/ofd.js'
import { makeTestPki, readPki } from '../fixtures/pki.js'

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

/** Rebuilds a DER SEQUENCE from its children after `edit` changed the list. */
function reshape (der: Uint8Array, edit: (parts: Uint8Array[]) => Uint8Array[]): Buffer {
  return Buffer.from(encodeTlv(TAG.SEQUENCE, ...edit(children(parseOne(der)).map(n => n.raw))))
}

t.test('OFD seals (SES v1, GM/T 0031-2014) verified end to end', async t => {
  const pki = makeSm2Pki(t)
  const sealed = sealOfd(pki, minimalOfd(), { version: 'v1' })
  const v1Value = new Uint8Array(sealed[SIGNED_VALUE] as Buffer)

  t.test('a v1 seal is TOTAL_PASSED over the whole document, and paper is waived (R1)', async t => {
    const report = await verifyOfd(await writeOfd(t, sealed), { trust: pki.trust })
    const sig = report.signatures[0]!
    t.match(sig, {
      kind: 'ofd-ses', id: SIGNATURE, format: 'SES v1', indication: 'TOTAL_PASSED', subIndication: null, signatureAlgorithm: 'SM2-SM3',
      signer: { subject: /Project Seal Holder/ },
      anchor: { subject: /Test SM2 Root/ },
      scope: { wholeDocument: true, unreferenced: [] },
      seal: { version: 'v1', esId: '11010800000001', makerSignatureValid: true }
    })
    t.same(sig.reasons, [])
    t.match(decidePaper({ verification: report, archivalFormat: true, declaredOrigin: 'born-digital' }), { outcome: 'paper_waived', rule: 'R1' })
  })

  t.test('the v1 claimed signing time is read from UTCTime text, GeneralizedTime text and a DER time', async t => {
    const when = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
    const forms = {
      utc: new TextEncoder().encode(utc(when)),
      generalized: new TextEncoder().encode(when.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')),
      der: encodeTlv(TAG.UTC_TIME, new TextEncoder().encode(utc(when)))
    }
    for (const [name, v1TimeInfo] of Object.entries(forms)) {
      const sig = (await verifyOfd(await writeOfd(t, sealOfd(pki, minimalOfd(), { version: 'v1', signingTime: when, v1TimeInfo })), { trust: pki.trust })).signatures[0]!
      t.match(sig, { indication: 'TOTAL_PASSED', claimedSigningTime: when.toISOString() }, name)
    }
  })

  t.test('a v1 timeInfo without a zone (ofdrw writes "yyyy-MM-dd HH:mm:ss") is no claimed time, and says so', async t => {
    const v1TimeInfo = new TextEncoder().encode('2024-05-06 10:20:30')
    const sig = (await verifyOfd(await writeOfd(t, sealOfd(pki, minimalOfd(), { version: 'v1', v1TimeInfo })), { trust: pki.trust })).signatures[0]!
    t.equal(sig.indication, 'TOTAL_PASSED')
    t.match(sig.warnings.join('\n'), /timeInfo holds no time/)
  })

  t.test('a changed byte in a referenced page is TOTAL_FAILED/HASH_FAILURE, and paper is required (R3)', async t => {
    const report = await verifyOfd(await writeOfd(t, { ...sealed, [PAGE]: flipByte(sealed[PAGE]!, 60) }), { trust: pki.trust })
    t.match(report.signatures[0], { format: 'SES v1', indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', reasons: [new RegExp(PAGE)] })
    t.match(decidePaper({ verification: report, archivalFormat: true }), { outcome: 'paper_required', rule: 'R3', integrityAlert: true })
  })

  t.test('TBS_Sign signed with a key other than the certificate\'s is TOTAL_FAILED/SIG_CRYPTO_FAILURE', async t => {
    const forged = sealOfd(pki, minimalOfd(), { version: 'v1', signWith: pki.rogueMaker })
    const sig = (await verifyOfd(await writeOfd(t, forged), { trust: pki.trust })).signatures[0]!
    t.match(sig, { format: 'SES v1', indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE', seal: { makerSignatureValid: true } })
    t.match(sig.reasons.join('\n'), /TBS_Sign does not verify/)
  })

  t.test('a v1 seal whose maker signature was altered fails the seal-making system\'s check', async t => {
    // SES_SignInfo.signData is the last field: flipping its last byte changes s of the maker's signature
    const tampered = reshape(v1Value, ([tbs, sig]) => [reshape(tbs!, f => [f[0]!, reshape(f[1]!, ([info, signInfo]) => [info!, reshape(signInfo!, ([cert, alg, data]) => [cert!, alg!, flipByte(Buffer.from(data!))])]), ...f.slice(2)]), sig!])
    const sig = (await verifyOfd(await writeOfd(t, { ...sealed, [SIGNED_VALUE]: tampered }), { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE', seal: { makerSignatureValid: false } })
    t.match(sig.reasons.join('\n'), /seal-making system's signature over the seal does not verify/)
  })

  t.test('malformed v1 DER is TOTAL_FAILED/FORMAT_FAILURE with the reason', async t => {
    const cases: Record<string, [Buffer, RegExp]> = {
      'TBS_Sign without its signatureAlgorithm': [reshape(v1Value, ([tbs, sig]) => [reshape(tbs!, f => f.slice(0, 6)), sig!]), /TBS_Sign v1: expected 7 fields/],
      'a third SES_Signature field': [reshape(v1Value, f => [...f, f[1]!]), /SES_Signature v1: expected 2 fields/],
      'SES_SignInfo as an OCTET STRING': [reshape(v1Value, ([tbs, sig]) => [reshape(tbs!, f => [f[0]!, reshape(f[1]!, ([info, signInfo]) => [info!, encodeTlv(TAG.OCTET_STRING, signInfo!)]), ...f.slice(2)]), sig!]), /SES_SignInfo/],
      'signer certificate as a BIT STRING': [reshape(v1Value, ([tbs, sig]) => [reshape(tbs!, f => [...f.slice(0, 5), encodeTlv(TAG.BIT_STRING, new Uint8Array([0]), f[5]!), f[6]!]), sig!]), /TBS_Sign.cert/],
      truncated: [Buffer.from(v1Value.subarray(0, v1Value.length - 10)), /runs past|truncated/]
    }
    for (const [name, [value, reason]] of Object.entries(cases)) {
      const sig = (await verifyOfd(await writeOfd(t, { ...sealed, [SIGNED_VALUE]: value }), { trust: pki.trust })).signatures[0]!
      t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' }, name)
      t.match(sig.reasons.join('\n'), reason, name)
    }
  })

  t.test('cut or flipped anywhere, a v1 value never throws and never passes', async t => {
    const step = Math.ceil(v1Value.length / 12)
    const variants: Buffer[] = []
    for (let at = 0; at < v1Value.length; at += step) {
      variants.push(Buffer.from(v1Value.subarray(0, at)))
      variants.push(flipByte(Buffer.from(v1Value), at))
    }
    for (const value of variants) {
      const report = await verifyOfd(await writeOfd(t, { ...sealed, [SIGNED_VALUE]: value }), { trust: pki.trust })
      t.not(report.signatures[0]!.indication, 'TOTAL_PASSED')
      t.ok(report.signatures[0]!.reasons.length > 0, 'with a reason')
    }
  })
})

t.test('the SES v4 timestamp token (RFC 3161 over the signature value) is the proof of existence', async t => {
  const pki = makeSm2Pki(t)
  const tsa = await makeTestPki()
  // an RSA TSA under the RSA test root stamps the SM2 seal: both roots are trusted, with their CRLs
  const trust = { ...pki.trust, anchors: [pki.root.der, readPki(tsa.certs.root)], crls: [pki.crl, readPki(tsa.crls.inter), readPki(tsa.crls.root)] }
  const now = Date.now()
  // the seal expires tomorrow; the file is validated in ten days, when only a proof of existence can save it
  const later = new Date(now + 10 * DAY)
  const expiring = { validStart: new Date(now - DAY), validEnd: new Date(now + DAY) }

  t.test('a valid token gives the best signature time, and an expired seal passes on it', async t => {
    const stamped = sealOfd(pki, minimalOfd(), { ...expiring, timeStamp: sigValue => tsaToken(tsa.dir, sigValue) })
    const report = await verifyOfd(await writeOfd(t, stamped), { trust, validationTime: later })
    const sig = report.signatures[0]!
    t.match(sig, { format: 'SES v4', indication: 'TOTAL_PASSED', subIndication: null, timestamps: [{ indication: 'TOTAL_PASSED', imprintMatches: true, tsa: /Test TSA/ }] })
    t.equal(sig.bestSignatureTime, sig.timestamps[0]!.genTime)
    t.ok(Math.abs(Date.parse(sig.bestSignatureTime) - now) < 3_600_000, 'genTime, not the validation time')
    t.same(sig.reasons, [])
    t.equal(report.evidence.timestamps.length, 1, 'the token is kept as evidence')
  })

  t.test('without the token the same seal is INDETERMINATE/OUT_OF_BOUNDS_NO_POE', async t => {
    const sig = (await verifyOfd(await writeOfd(t, sealOfd(pki, minimalOfd(), expiring)), { trust, validationTime: later })).signatures[0]!
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE', bestSignatureTime: later.toISOString() })
  })

  t.test('a token over other bytes is a reason and does not make the seal pass', async t => {
    const wrong = sealOfd(pki, minimalOfd(), { ...expiring, timeStamp: () => tsaToken(tsa.dir, new TextEncoder().encode('some other signature')) })
    const sig = (await verifyOfd(await writeOfd(t, wrong), { trust, validationTime: later })).signatures[0]!
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE', bestSignatureTime: later.toISOString(), timestamps: [{ imprintMatches: false, indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' }] })
    t.match(sig.reasons.join('\n'), /timestamp token was not accepted as proof of existence: .*message imprint does not match/)
  })

  t.test('a bad token neither lifts nor sinks a seal that needs no proof of existence; it stays a reason', async t => {
    const wrong = sealOfd(pki, minimalOfd(), { timeStamp: () => readPki(tsa.timestamps.seal.token) })
    const sig = (await verifyOfd(await writeOfd(t, wrong), { trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_PASSED', timestamps: [{ imprintMatches: false }] })
    t.equal(sig.bestSignatureTime, sig.validationTime)
    t.match(sig.reasons, [/timestamp token was not accepted/])
  })

  t.test('a token from a TSA outside the trust store gives no proof of existence', async t => {
    const stamped = sealOfd(pki, minimalOfd(), { ...expiring, timeStamp: sigValue => tsaToken(tsa.dir, sigValue) })
    const sig = (await verifyOfd(await writeOfd(t, stamped), { trust: pki.trust, validationTime: later })).signatures[0]!
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE', timestamps: [{ imprintMatches: true, indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' }] })
    t.match(sig.reasons.join('\n'), /timestamp token was not accepted/)
  })

  t.test('garbage in timeStamp [0] is a reason, never a throw', async t => {
    const junk = sealOfd(pki, minimalOfd(), { timeStamp: () => new TextEncoder().encode('not a token') })
    const sig = (await verifyOfd(await writeOfd(t, junk), { trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_PASSED', timestamps: [{ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' }] })
    t.match(sig.reasons, [/timestamp token was not accepted/])
  })
})

t.test('GB/T 35275 digital signatures (Type="Sign") are verified over Signature.xml', async t => {
  const pki = makeSm2Pki(t)
  for (const layout of ['detached-attributes', 'attached-digest'] as const) {
    t.test(`${layout}: a valid signature is TOTAL_PASSED over the whole document, and paper is waived`, async t => {
      const report = await verifyOfd(await writeOfd(t, signOfd(pki, minimalOfd(), { layout })), { trust: pki.trust })
      const sig = report.signatures[0]!
      t.match(sig, {
        id: SIGNATURE, format: 'GB/T 35275 SignedData', indication: 'TOTAL_PASSED', subIndication: null, signatureAlgorithm: 'SM2-SM3',
        signer: { subject: /Project Seal Holder/ }, anchor: { subject: /Test SM2 Root/ }, scope: { wholeDocument: true }
      })
      t.equal(sig.seal, undefined, 'a signature, not a seal')
      t.match(decidePaper({ verification: report, archivalFormat: true }), { outcome: 'paper_waived', rule: 'R1' })
    })

    t.test(`${layout}: Signature.xml edited after signing is TOTAL_FAILED/HASH_FAILURE`, async t => {
      const signed = signOfd(pki, minimalOfd(), { layout })
      const edited = String(signed[SIGNATURE]).replace('Lantai test', 'Lantai tesT')
      const sig = (await verifyOfd(await writeOfd(t, { ...signed, [SIGNATURE]: edited }), { trust: pki.trust })).signatures[0]!
      t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })
      // detached: the messageDigest attribute no longer matches; attached: the signed digest is another file's
      t.match(sig.reasons[0], layout === 'detached-attributes' ? /over Doc_0\/Signs\/Sign_0\/Signature.xml: the content does not match the message-digest/ : /neither Doc_0\/Signs\/Sign_0\/Signature.xml nor its SM3 digest/)
    })

    t.test(`${layout}: a signature by another key is TOTAL_FAILED/SIG_CRYPTO_FAILURE`, async t => {
      const sig = (await verifyOfd(await writeOfd(t, signOfd(pki, minimalOfd(), { layout, signWith: pki.rogueMaker })), { trust: pki.trust })).signatures[0]!
      t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' })
    })
  }

  t.test('a changed byte in a referenced page is TOTAL_FAILED/HASH_FAILURE naming the page', async t => {
    const signed = signOfd(pki, minimalOfd())
    const sig = (await verifyOfd(await writeOfd(t, { ...signed, [PAGE]: flipByte(signed[PAGE]!, 60) }), { trust: pki.trust })).signatures[0]!
    t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', reasons: [new RegExp(PAGE)] })
  })

  t.test('a signer without a path to a trusted root is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async t => {
    const sig = (await verifyOfd(await writeOfd(t, signOfd(pki, minimalOfd())), { trust: { ...pki.trust, anchors: [] } })).signatures[0]!
    t.match(sig, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' })
  })

  t.test('a SignedValue.dat that is no SignedData is TOTAL_FAILED/FORMAT_FAILURE', async t => {
    const signed = signOfd(pki, minimalOfd())
    for (const value of [Buffer.from('not DER'), Buffer.from(sealOfd(pki, minimalOfd())[SIGNED_VALUE]!)]) {
      const sig = (await verifyOfd(await writeOfd(t, { ...signed, [SIGNED_VALUE]: value }), { trust: pki.trust })).signatures[0]!
      t.match(sig, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' })
      t.ok(sig.reasons.length > 0)
    }
  })
})
