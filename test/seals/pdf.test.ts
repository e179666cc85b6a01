import t from 'tap'
import { X509Certificate } from 'node:crypto'
import { truncateSync, readFileSync } from 'node:fs'
import { verifyPdf } from '../../src/seals/pdf/verify-pdf.js'
import { verifyFile } from '../../src/seals/verify-file.js'
import type { SignatureReport } from '../../src/seals/report.js'
import { TestPdf, makeTestPki, pdfWithCatalogExtra, writePdf } from '../fixtures/pdf.js'

// research-seals.md §2 end to end: PDFs written and signed here (openssl cms / openssl ts with the
// scripts/make-test-pki.sh PKI), verified by verifyPdf with the real cms.ts and timestamp.ts.
const pki = makeTestPki(t)
const trust = pki.trust

// The seal certificate is valid for 825 days from the PKI's creation; validating one day after it
// expired is what the archive does when it re-checks a decision years later (rule R6).
const sealExpiry = new Date(new X509Certificate(pki.der('certs/seal.der')).validTo)
const afterExpiry = new Date(sealExpiry.getTime() + 86_400_000)

const only = (sigs: SignatureReport[], id: string): SignatureReport => {
  const found = sigs.filter(s => s.id === id)
  if (found.length !== 1) throw new Error(`expected one report ${id}, got ${sigs.map(s => s.id).join(', ')}`)
  return found[0]!
}

t.test('a PDF signed once: TOTAL_PASSED over the whole document, PAdES-BASELINE-B', async t => {
  const file = new TestPdf().sign(pki).write(t)
  const v = await verifyPdf(file, { trust })
  t.equal(v.format, 'pdf')
  t.equal(v.signatures.length, 1)
  const s = v.signatures[0]!
  t.match(s, { kind: 'pades', id: 'Signature1', format: 'PAdES-BASELINE-B', indication: 'TOTAL_PASSED', subIndication: null })
  t.match(s.scope, { wholeDocument: true, laterChanges: [] })
  t.match(s.scope.description, /^bytes 0–\d+ and \d+–\d+ of \d+ \(revision 2 of 2\)$/)
  t.match(s.signer?.subject, /Project Seal/)
  t.same(v.originHints, [])
  t.ok(v.evidence.certificates.length > 0, 'the signer certificate is kept as evidence')
})

t.test('xref streams with a PNG predictor and object streams read the same as classic xref tables', async t => {
  const file = new TestPdf({ xrefStream: true, objectStream: true, producer: 'ScanSnap Manager #iX1600' }).sign(pki).write(t)
  const v = await verifyPdf(file, { trust })
  t.match(v.signatures, [{ id: 'Signature1', indication: 'TOTAL_PASSED', scope: { wholeDocument: true } }])
  // the Info dictionary sits in the object stream
  t.match(v.originHints, [/Producer names scanning software: "ScanSnap Manager #iX1600"/])
})

t.test('an annotation added after signing is a later change: the signature no longer covers the final document', async t => {
  const file = new TestPdf().sign(pki).addAnnotation().write(t)
  const s = only((await verifyPdf(file, { trust })).signatures, 'Signature1')
  // an approval signature stays valid for the revision it signed (ISO 32000-1 §12.8.1)
  t.equal(s.indication, 'TOTAL_PASSED')
  t.match(s.scope, { wholeDocument: false, laterChanges: ['annotation'] })
  t.match(s.scope.description, /revision 2 of 3/)
  t.match(s.warnings, [/changed after signing \(annotation\)/])
})

t.test('a DSS-only update after signing is allowed: still the whole document', async t => {
  const file = new TestPdf().sign(pki).addDss(pki).write(t)
  const v = await verifyPdf(file, { trust })
  const s = only(v.signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', scope: { wholeDocument: true, laterChanges: ['dss'] } })
  // LT needs T first (ETSI EN 319 142-1 §6): no timestamp, so still B
  t.equal(s.format, 'PAdES-BASELINE-B')
  t.ok(v.evidence.crls.some(c => Buffer.compare(c, pki.der('crl/inter.crl')) === 0), 'the DSS CRLs are kept as evidence')
})

t.test('DSS then a document timestamp: PAdES-BASELINE-LTA, and the timestamp covers the final document', async t => {
  const file = new TestPdf().sign(pki).addDss(pki).timestamp(pki).write(t)
  const v = await verifyPdf(file, { trust })
  const s = only(v.signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', format: 'PAdES-BASELINE-LTA', scope: { wholeDocument: true, laterChanges: ['document-timestamp', 'dss'] } })
  const ts = only(v.signatures, 'DocTS2')
  t.match(ts, { format: 'PDF document timestamp (ETSI.RFC3161)', documentTimestamp: true, signer: null, indication: 'TOTAL_PASSED', scope: { wholeDocument: true, laterChanges: [] } })
  t.match(ts.timestamps, [{ imprintMatches: true, tsa: /Test TSA/ }])
  t.equal(v.evidence.timestamps.length, 1)
})

t.test('a document timestamp alone makes an earlier signature PAdES-BASELINE-T', async t => {
  const file = new TestPdf().sign(pki).timestamp(pki).write(t)
  t.equal(only((await verifyPdf(file, { trust })).signatures, 'Signature1').format, 'PAdES-BASELINE-T')
})

t.test('two signatures in two revisions: the first shows the second as a later change, the second covers all', async t => {
  const file = new TestPdf().sign(pki).sign(pki, { signer: 'sealec' }).write(t)
  const v = await verifyPdf(file, { trust })
  t.same(v.signatures.map(s => s.id), ['Signature1', 'Signature2'])
  t.match(only(v.signatures, 'Signature1'), { indication: 'TOTAL_PASSED', scope: { wholeDocument: false, laterChanges: ['signature'] } })
  t.match(only(v.signatures, 'Signature2'), { indication: 'TOTAL_PASSED', scope: { wholeDocument: true, laterChanges: [] }, signer: { subject: /Design Seal/ } })
})

t.test('one byte changed inside the signed range is HASH_FAILURE', async t => {
  const pdf = new TestPdf().sign(pki)
  pdf.flip(pdf.find('Construction archive') + 3) // the page text, same length: the structure still reads
  const s = only((await verifyPdf(pdf.write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' })
})

t.test('one changed hex digit in the /Contents padding is outside the signed bytes and outside the CMS: valid, with a warning', async t => {
  const pdf = new TestPdf().sign(pki)
  const end = pdf.find('> >>', pdf.find('/Contents <'))
  t.equal(pdf.bytes.toString('latin1', end - 1, end), '0', 'the last hex digit is padding')
  pdf.bytes.write('7', end - 1, 'latin1')
  const s = only((await verifyPdf(pdf.write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', scope: { wholeDocument: true } })
  t.match(s.warnings, [/non-zero bytes follow the CMS inside \/Contents/])
})

t.test('a byte appended after %%EOF is a later change: appended-bytes, not the whole document', async t => {
  const file = new TestPdf().sign(pki).append('X').write(t)
  const s = only((await verifyPdf(file, { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', scope: { wholeDocument: false, laterChanges: ['appended-bytes'] } })
})

t.test('an unsigned page edit fails the signature before it (FORMAT_FAILURE); a signature made after it covers all', async t => {
  const file = new TestPdf().sign(pki).editPageContent('Amended text').sign(pki, { signer: 'sealec' }).write(t)
  const v = await verifyPdf(file, { trust })
  const first = only(v.signatures, 'Signature1')
  t.match(first, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', scope: { wholeDocument: false, laterChanges: ['page-content', 'signature'] } })
  t.match(first.reasons, [/changed after signing in ways no signature, form-fill or annotation rule allows: revision 3: object 4: page-content/])
  t.match(only(v.signatures, 'Signature2'), { indication: 'TOTAL_PASSED', scope: { wholeDocument: true, laterChanges: [] } })
})

t.test('a page added after signing is FORMAT_FAILURE, naming both page counts', async t => {
  const s = only((await verifyPdf(new TestPdf().sign(pki).addPage().write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', scope: { wholeDocument: false } })
  t.match(s.reasons, [/the signed revision has 1 page\(s\), the final document 2: pages were added or removed after signing/, /no signature, form-fill or annotation rule allows/])
})

t.test('a page removed after signing is FORMAT_FAILURE', async t => {
  const s = only((await verifyPdf(new TestPdf().addPage().sign(pki).removeLastPage().write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' })
  t.match(s.reasons, [/the signed revision has 2 page\(s\), the final document 1/])
})

t.test('a catalog entry added after signing (an /OpenAction) is an undefined change: FORMAT_FAILURE', async t => {
  const s = only((await verifyPdf(new TestPdf().sign(pki).setCatalogEntry('/OpenAction [3 0 R /Fit]').write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', scope: { laterChanges: ['other'] } })
  t.match(s.reasons, [/catalog \/OpenAction: other/])
})

t.test('a new object nothing references, added after signing, is no undefined change: still valid, but not the whole document', async t => {
  const pdf = new TestPdf().sign(pki)
  const s = only((await verifyPdf(pdf.put(pdf.alloc(), '<< /Leftover true >>').commit().write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', scope: { wholeDocument: false, laterChanges: ['other'] } })
})

t.test('a PDF/A with a page added after its seal: paper required, with an integrity alert (R3)', async t => {
  const report = await verifyFile(new TestPdf({ pdfa: true }).sign(pki).addPage().write(t), { trust })
  t.match(report.decision, { outcome: 'paper_required', rule: 'R3', integrityAlert: true, reason: /Signature1: FORMAT_FAILURE/ })
})

t.test('a page added before signing is part of what was signed: TOTAL_PASSED', async t => {
  const s = only((await verifyPdf(new TestPdf().addPage().sign(pki).write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', scope: { wholeDocument: true } })
})

t.test('a truncated PDF is FORMAT_FAILURE with a reason, never a crash', async t => {
  const whole = new TestPdf().sign(pki).addAnnotation().bytes
  for (const cut of [whole.length - 3, Math.floor(whole.length / 2), 100, 9]) {
    const v = await verifyPdf(writePdf(t, whole.subarray(0, cut)), { trust })
    t.ok(v.signatures.length > 0, `cut at ${cut}: reported`)
    for (const s of v.signatures) t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', reasons: [/./] }, `cut at ${cut}`)
  }
  // cut inside the last update: the signed revision is intact, the torn update is bytes after its %%EOF
  const torn = await verifyPdf(writePdf(t, whole.subarray(0, whole.length - 200)), { trust })
  t.match(only(torn.signatures, 'Signature1'), { indication: 'TOTAL_PASSED', scope: { wholeDocument: false, laterChanges: ['appended-bytes'] } })
  const empty = writePdf(t, '')
  t.match((await verifyPdf(empty, { trust })).signatures, [{ id: '(document)', subIndication: 'FORMAT_FAILURE', reasons: [/not a PDF/] }])
})

t.test('a ByteRange that does not start at 0 is FORMAT_FAILURE even though its CMS is valid', async t => {
  const file = new TestPdf().sign(pki, { byteRange: ([, b, c, d]) => [10, b - 10, c, d] }).write(t)
  const s = only((await verifyPdf(file, { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', scope: { wholeDocument: false } })
  t.match(s.reasons, [/starts at byte 10, not 0/])
})

t.test('overlapping ByteRange ranges are FORMAT_FAILURE', async t => {
  const file = new TestPdf().sign(pki, { byteRange: ([a, , c, d]) => [a, c + 10, c, d] }).write(t)
  const s = only((await verifyPdf(file, { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' })
  t.match(s.reasons, [/overlap/])
})

t.test('a ByteRange that stops short of its revision is FORMAT_FAILURE: the tail of the file is unsigned', async t => {
  const file = new TestPdf().sign(pki, { byteRange: ([a, b, c, d]) => [a, b, c, d - 20] }).write(t)
  const s = only((await verifyPdf(file, { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', reasons: [/not the end of any revision/] })
})

t.test('DocMDP P=1: an annotation after certification fails the signature; a DSS does not', async t => {
  const bad = only((await verifyPdf(new TestPdf().sign(pki, { docMdp: 1 }).addAnnotation().write(t), { trust })).signatures, 'Signature1')
  t.match(bad, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', scope: { docMdp: 1, wholeDocument: false, laterChanges: ['annotation'] } })
  t.match(bad.reasons, [/P=1 only, but later updates made: annotation/])
  const ok = only((await verifyPdf(new TestPdf().sign(pki, { docMdp: 1 }).addDss(pki).write(t), { trust })).signatures, 'Signature1')
  t.match(ok, { indication: 'TOTAL_PASSED', scope: { docMdp: 1, wholeDocument: true } })
})

t.test('DocMDP P=3 permits annotations and P=2 a later signature, but P=2 not an annotation', async t => {
  const p3 = only((await verifyPdf(new TestPdf().sign(pki, { docMdp: 3 }).addAnnotation().write(t), { trust })).signatures, 'Signature1')
  t.match(p3, { indication: 'TOTAL_PASSED', scope: { docMdp: 3, wholeDocument: false } })
  const p2 = await verifyPdf(new TestPdf().sign(pki, { docMdp: 2 }).sign(pki, { signer: 'sealec' }).write(t), { trust })
  t.match(only(p2.signatures, 'Signature1'), { indication: 'TOTAL_PASSED', scope: { docMdp: 2 } })
  const p2annot = only((await verifyPdf(new TestPdf().sign(pki, { docMdp: 2 }).addAnnotation().write(t), { trust })).signatures, 'Signature1')
  t.equal(p2annot.indication, 'TOTAL_FAILED')
})

t.test('adbe.pkcs7.detached is reported under DSS\'s PKCS7 level names', async t => {
  const s = only((await verifyPdf(new TestPdf().sign(pki, { subFilter: 'adbe.pkcs7.detached' }).write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', format: 'PKCS7-B' })
})

t.test('hostile structures end in FORMAT_FAILURE within the bounds', async t => {
  // 1. nesting far deeper than maxDepth
  const deep = pdfWithCatalogExtra('['.repeat(100_000) + ']'.repeat(100_000))
  t.match((await verifyPdf(writePdf(t, deep), { trust })).signatures, [{ id: '(document)', subIndication: 'FORMAT_FAILURE', reasons: [/nested deeper than 64/] }])
  // 2. a /Prev chain that points back at itself
  const base = pdfWithCatalogExtra('1').toString('latin1')
  const xref = /startxref\n(\d+)/.exec(base)![1]!
  const loop = base.replace('/Root 1 0 R >>', `/Root 1 0 R /Prev ${xref} >>`).replace(/startxref\n\d+/, `startxref\n${xref}`)
  t.match((await verifyPdf(writePdf(t, loop), { trust })).signatures, [{ subIndication: 'FORMAT_FAILURE', reasons: [/\/Prev chain loops/] }])
  // 3. more objects than allowed
  const many = new TestPdf().sign(pki).addAnnotation().write(t)
  t.match((await verifyPdf(many, { trust, pdfLimits: { maxObjects: 5 } })).signatures, [{ subIndication: 'FORMAT_FAILURE', reasons: [/xref table too long|more than 5 objects/] }])
  // 4. a compressed stream that inflates past the limit (a zip bomb in an xref stream)
  const bomb = new TestPdf({ xrefStream: true }).write(t)
  t.match((await verifyPdf(bomb, { trust, pdfLimits: { maxStreamBytes: 8 } })).signatures, [{ subIndication: 'FORMAT_FAILURE', reasons: [/does not inflate/] }])
  // 5. an xref offset outside the file
  const far = base.replace(/startxref\n\d+/, 'startxref\n99999999')
  t.match((await verifyPdf(writePdf(t, far), { trust })).signatures, [{ subIndication: 'FORMAT_FAILURE', reasons: [/outside the file/] }])
})

t.test('a form field tree that loops back on itself is walked once', async t => {
  const pdf = new TestPdf().sign(pki) // objects 7 (signature) and 8 (its field)
  const loop = pdf.alloc()
  pdf.put(loop, `<< /FT /Tx /T (loop) /Kids [${loop} 0 R 8 0 R] >>`)
  pdf.put(1, `<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R ${loop} 0 R] /SigFlags 3 >> >>`).commit()
  const v = await verifyPdf(pdf.write(t), { trust })
  t.match(v.signatures, [{ id: 'Signature1', indication: 'TOTAL_PASSED', scope: { wholeDocument: false, laterChanges: ['form-fill'] } }])
})

t.test('the deadline gives INDETERMINATE; the caller\'s abort rejects', async t => {
  const file = new TestPdf().sign(pki).write(t)
  const limits = { maxFileBytes: 1 << 20, maxSignatures: 8, maxAsn1Depth: 64, timeoutMs: 0 }
  t.match((await verifyPdf(file, { trust, limits })).signatures, [{ id: '(document)', indication: 'INDETERMINATE', reasons: [/longer than 0 ms/] }])
  const small = { ...limits, timeoutMs: 30_000, maxFileBytes: 100 }
  t.match((await verifyPdf(file, { trust, limits: small })).signatures, [{ indication: 'INDETERMINATE', reasons: [/more than the limit of 100/] }])
  await t.rejects(verifyPdf(file, { trust, signal: AbortSignal.abort() }))
})

t.test('origin hints: a scanner producer, and a page that is one full-page image', async t => {
  const cam = await verifyPdf(new TestPdf({ producer: 'CamScanner' }).write(t), { trust })
  t.same(cam.signatures, [])
  t.match(cam.originHints, [/Producer names scanning software: "CamScanner"/])
  const zh = await verifyPdf(new TestPdf({ producer: '\xfe\xff' + Buffer.from('\u626b\u63cf\u4eea', 'utf16le').swap16().toString('latin1') }).write(t), { trust })
  t.match(zh.originHints, [/扫描仪/])
  const image = await verifyPdf(new TestPdf({ imagePage: true }).write(t), { trust })
  t.match(image.originHints, [/every page \(1\) is a single full-page image/])
  const text = await verifyPdf(new TestPdf({ producer: 'LibreOffice 7.6' }).write(t), { trust })
  t.same(text.originHints, [])
})

t.test('an unsigned PDF has no signature reports', async t => {
  const v = await verifyPdf(new TestPdf().addAnnotation().write(t), { trust })
  t.same(v.signatures, [])
})

t.test('a file truncated on disk reads the same as truncated bytes', async t => {
  const file = new TestPdf().sign(pki).write(t)
  truncateSync(file, readFileSync(file).length - 1)
  // "%%EOF\n" lost its newline only: still a complete revision, now signed up to its %%EOF
  const s = only((await verifyPdf(file, { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', reasons: [/past the end of the file/] })
})

t.test('PAdES-T: a signature timestamp proves the signature existed while the certificate was valid, so it passes after expiry', async t => {
  const pdf = new TestPdf().sign(pki, { signatureTimestamp: 'valid' })
  const genTime = pdf.signed[0]!.timestamp!.genTime
  const v = await verifyPdf(pdf.write(t), { trust, validationTime: afterExpiry })
  const s = only(v.signatures, 'Signature1')
  // EN 319 102-1 §5.6.2.4: the certificate is checked at the best signature time, the token's genTime
  t.match(s, { indication: 'TOTAL_PASSED', subIndication: null, format: 'PAdES-BASELINE-T', scope: { wholeDocument: true } })
  t.same(s.reasons, [])
  t.equal(s.bestSignatureTime, genTime.toISOString())
  t.equal(s.validationTime, afterExpiry.toISOString())
  t.match(s.timestamps, [{ indication: 'TOTAL_PASSED', subIndication: null, imprintMatches: true, tsa: /Test TSA/, genTime: genTime.toISOString() }])
  t.ok(v.evidence.timestamps.some(d => Buffer.compare(d, pdf.signed[0]!.timestamp!.token) === 0), 'the token is kept as evidence')
  t.ok(new Date(s.signer!.notAfter) < afterExpiry && new Date(s.signer!.notAfter) > genTime, 'expired now, valid at genTime')

  // the same signature without the token, at the same time: nothing proves it existed before expiry
  const bare = only((await verifyPdf(new TestPdf().sign(pki).write(t), { trust, validationTime: afterExpiry })).signatures, 'Signature1')
  t.match(bare, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE', format: 'PAdES-BASELINE-B', bestSignatureTime: afterExpiry.toISOString() })
})

t.test('PAdES-T at ingest time: TOTAL_PASSED, and a paper decision can rest on it', async t => {
  const s = only((await verifyPdf(new TestPdf().sign(pki, { signatureTimestamp: 'valid' }).write(t), { trust })).signatures, 'Signature1')
  t.match(s, { indication: 'TOTAL_PASSED', format: 'PAdES-BASELINE-T' })
  t.not(s.bestSignatureTime, s.validationTime)
})

t.test('a signature timestamp whose imprint is not the signature value is reported and is no proof of existence', async t => {
  const pdf = new TestPdf().sign(pki, { signatureTimestamp: 'wrong-imprint' })
  const file = pdf.write(t)
  // 1. after expiry: without a valid POE the signature cannot be placed inside the certificate's validity
  const late = only((await verifyPdf(file, { trust, validationTime: afterExpiry })).signatures, 'Signature1')
  t.match(late, { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE', bestSignatureTime: afterExpiry.toISOString() })
  t.match(late.timestamps, [{ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE', imprintMatches: false, genTime: pdf.signed[0]!.timestamp!.genTime.toISOString() }])
  t.ok(late.reasons.some(r => /signature timestamp was not accepted as proof of existence: the timestamp's message imprint does not match/.test(r)), 'the token is named')
  t.ok(late.reasons.some(r => /signing certificate expired at .* no timestamp proves/.test(r)), 'the expiry is named')
  // a token that proves nothing does not make the signature PAdES-T (cms.ts says CAdES-BASELINE-B alike)
  t.equal(late.format, 'PAdES-BASELINE-B')
  // 2. today: the certificate is valid at the validation time, so the signature passes on its own; the
  // discarded token (EN 319 102-1 §5.6.2.1) is still named, so the ingest record shows it
  const now = only((await verifyPdf(file, { trust })).signatures, 'Signature1')
  t.match(now, { indication: 'TOTAL_PASSED', subIndication: null, format: 'PAdES-BASELINE-B' })
  t.equal(now.bestSignatureTime, now.validationTime)
  t.match(now.reasons, [/signature timestamp was not accepted as proof of existence: the timestamp's message imprint does not match/])
})
