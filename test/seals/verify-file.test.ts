import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { detachedContentPath, sealFormatOf, verifyFile } from '../../src/seals/verify-file.js'
import { emptyTrustStore, type TrustStore } from '../../src/seals/trust.js'
import { makeTestPki, readPki as read, type TestPki } from '../fixtures/pki.js'

// A CMS/PKCS#7 signature is known by its bytes, not its name (issue 11 item 7); a detached one finds what
// it signs next to it, by its own name without the signature extension (src/seals/README.md).

let pki: TestPki
let trust: TrustStore

t.before(async () => {
  pki = await makeTestPki()
  trust = { ...emptyTrustStore(), anchors: [read(pki.certs.root)], crls: [read(pki.crls.inter), read(pki.crls.root)], extraCertificates: [read(pki.certs.inter)] }
})

const dirOf = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'lantai-vf-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
const pem = (der: Buffer, label: string): string => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`

t.test('a detached signature named .pkcs7 beside its file verifies like a .p7s', async t => {
  const dir = dirOf(t)
  copyFileSync(pki.doc, join(dir, 'report.txt'))
  copyFileSync(pki.cms.sealDetached, join(dir, 'report.txt.pkcs7'))
  const r = await verifyFile(join(dir, 'report.txt.pkcs7'), { trust })
  t.match(r, { format: 'p7s', signatures: [{ indication: 'TOTAL_PASSED', scope: { wholeDocument: true } }] })
})

t.test('PEM armour (BEGIN PKCS7, BEGIN CMS) is read as the DER it wraps', async t => {
  const dir = dirOf(t)
  copyFileSync(pki.doc, join(dir, 'report.txt'))
  writeFileSync(join(dir, 'report.txt.p7s'), pem(readFileSync(pki.cms.sealDetached), 'PKCS7'))
  t.match(await verifyFile(join(dir, 'report.txt.p7s'), { trust }), { format: 'p7s', signatures: [{ indication: 'TOTAL_PASSED' }] })
  writeFileSync(join(dir, 'report.txt.cms'), pem(readFileSync(pki.cms.sealDetached), 'CMS'))
  t.match(await verifyFile(join(dir, 'report.txt.cms'), { trust }), { format: 'p7s', signatures: [{ indication: 'TOTAL_PASSED' }] })
})

t.test('an enveloping signature carries its content: recognised and verified under any name, or none', async t => {
  const dir = dirOf(t)
  for (const name of ['contract.p7m', 'contract.bin', 'contract']) {
    copyFileSync(pki.cms.sealAttached, join(dir, name))
    t.match(await verifyFile(join(dir, name), { trust }), { format: 'p7s', signatures: [{ indication: 'TOTAL_PASSED', scope: { description: /enveloped content/ } }] }, name)
  }
})

t.test('a detached signature whose content is not next to it is INDETERMINATE/SIGNED_DATA_NOT_FOUND, naming what was looked for', async t => {
  const dir = dirOf(t)
  copyFileSync(pki.cms.sealDetached, join(dir, 'report.txt.p7s'))
  const missing = await verifyFile(join(dir, 'report.txt.p7s'), { trust })
  t.match(missing.signatures, [{ indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND' }])
  t.match(missing.signatures[0]!.reasons, [/detached/, /the signed content report\.txt was not found next to the signature/])
  t.match(missing.decision, { outcome: 'dual_set', rule: 'R4', provisional: true })
  // no signature extension: nothing to strip, nothing to look for
  copyFileSync(pki.cms.sealDetached, join(dir, 'signature'))
  const bare = await verifyFile(join(dir, 'signature'), { trust })
  t.match(bare, { format: 'p7s', signatures: [{ indication: 'INDETERMINATE', subIndication: 'SIGNED_DATA_NOT_FOUND' }] })
  t.match(bare.signatures[0]!.reasons, [/detached/, /the file name signature has no signature extension/])
})

t.test('a certificate bundle (.p7b, SignedData without signers) is an unsigned file, not a failed signature', async t => {
  const dir = dirOf(t)
  const bundle = join(dir, 'chain.p7b')
  execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', pki.chainPem, '-outform', 'DER', '-out', bundle])
  t.equal(sealFormatOf(readFileSync(bundle), 'chain.p7b'), 'p7s', 'it is SignedData by its bytes')
  t.match(await verifyFile(bundle, { trust }), { format: 'other', signatures: [], decision: { rule: 'R5', integrityAlert: false } })
})

t.test('sniffing: the signedData OID after a DER or BER SEQUENCE header, or PEM; other SEQUENCEs are not CMS', async t => {
  const oid = Buffer.from('06092a864886f70d010702', 'hex')
  const gm = Buffer.from('060a2a811ccf550601040202', 'hex')
  t.equal(sealFormatOf(Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), oid, Buffer.alloc(8)]), 'x'), 'p7s', 'DER, two length octets')
  t.equal(sealFormatOf(Buffer.concat([Buffer.from([0x30, 0x80]), oid, Buffer.alloc(8)]), 'x'), 'p7s', 'BER, indefinite length')
  t.equal(sealFormatOf(Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), gm]), 'x'), 'p7s', 'GB/T 35275 signedData')
  t.equal(sealFormatOf(Buffer.from('-----BEGIN PKCS7-----\nMIAG\n'), 'x'), 'p7s')
  t.equal(sealFormatOf(readFileSync(pki.certs.root), 'root.der'), 'other', 'a certificate is a SEQUENCE, not CMS')
  t.equal(sealFormatOf(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), 'x.bin'), 'other')
  t.equal(sealFormatOf(Buffer.from('not a signature'), 'x.p7s'), 'p7s', 'a file named as a signature is checked, and fails as one')
})

t.test('the conventional name of the signed content: the signature extension stripped', async t => {
  t.equal(detachedContentPath('/a/report.pdf.p7s'), '/a/report.pdf')
  t.equal(detachedContentPath('/a/report.pdf.PKCS7'), '/a/report.pdf')
  t.equal(detachedContentPath('/a/report.pdf.p7m'), '/a/report.pdf')
  t.equal(detachedContentPath('/a/signature'), undefined)
  t.equal(detachedContentPath('/a/.p7s'), undefined)
})
