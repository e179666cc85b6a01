import t from 'tap'
import { verifyTimestampToken } from '../../src/seals/timestamp.js'
import { emptyEvidence } from '../../src/seals/report.js'
import { emptyTrustStore, type TrustStore } from '../../src/seals/trust.js'
import { makeTestPki, readPki as read, type TestPki } from '../fixtures/pki.js'

let pki: TestPki
let trust: TrustStore

t.before(async () => {
  pki = await makeTestPki()
  trust = { ...emptyTrustStore(), anchors: [read(pki.certs.root)], crls: [read(pki.crls.inter), read(pki.crls.root)] }
})

t.test('an RFC 3161 token over the signature value is TOTAL_PASSED with TSA name and genTime', async t => {
  const evidence = emptyEvidence()
  const r = await verifyTimestampToken(read(pki.timestamps.seal.token), read(pki.timestamps.seal.sigValue), trust, evidence)
  t.match(r, { indication: 'TOTAL_PASSED', subIndication: null, imprintMatches: true, tsa: 'CN=Test TSA,O=Test Archive PKI,C=CN' })
  t.ok(r.genTimeDate instanceof Date)
  t.equal(r.genTime, r.genTimeDate?.toISOString())
  t.ok(Math.abs(r.genTimeDate!.getTime() - Date.now()) < 3_600_000)
  t.equal(evidence.timestamps.length, 1)
  t.equal(evidence.certificates.length, 3, 'TSA, intermediate, root')
})

t.test('a TimeStampResp with status granted is accepted as well as a bare token', async t => {
  const r = await verifyTimestampToken(read(pki.timestamps.seal.response), read(pki.timestamps.seal.sigValue), trust, emptyEvidence())
  t.match(r, { indication: 'TOTAL_PASSED' })
})

t.test('a token over other bytes is TOTAL_FAILED/HASH_FAILURE', async t => {
  const r = await verifyTimestampToken(read(pki.timestamps.seal.token), read(pki.timestamps.revoked.sigValue), trust, emptyEvidence())
  t.match(r, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', imprintMatches: false })
})

t.test('a TSA that chains to no trusted root is INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND', async t => {
  const r = await verifyTimestampToken(read(pki.timestamps.seal.token), read(pki.timestamps.seal.sigValue), { ...trust, anchors: [] }, emptyEvidence())
  t.match(r, { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', imprintMatches: true })
})

t.test('a token whose TSTInfo was changed fails the TSA signature\'s message digest', async t => {
  const token = read(pki.timestamps.seal.token).slice()
  // genTime is the token's only GeneralizedTime (tag 0x18, 15 bytes YYYYMMDDHHMMSSZ); the CMS signing-time is a UTCTime
  const at = Buffer.from(token).indexOf(Buffer.from([0x18, 0x0f]))
  t.ok(at > 0)
  const digit = at + 2 + 13 // the last digit of the seconds
  token[digit] = token[digit] === 0x30 ? 0x31 : 0x30
  const r = await verifyTimestampToken(token, read(pki.timestamps.seal.sigValue), trust, emptyEvidence())
  t.match(r, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })
})

t.test('garbage is TOTAL_FAILED/FORMAT_FAILURE, never a throw', async t => {
  for (const bytes of [new Uint8Array(), new Uint8Array([0x30, 0x80, 0x30]), read(pki.timestamps.seal.token).subarray(0, 100)]) {
    const r = await verifyTimestampToken(bytes, new Uint8Array([1]), trust, emptyEvidence())
    t.match(r, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', genTimeDate: null })
  }
})
