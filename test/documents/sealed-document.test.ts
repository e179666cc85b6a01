import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { acceptanceOpinion, rectificationNotice } from '../../src/acceptance/index.js'
import type { AcceptanceFinding } from '../../src/acceptance/report.js'
import { DEFAULT_DOCUMENT_FONT } from '../../src/config.js'
import { DocumentSealer, documentSealerOf, loadCenterSigner, verifySealedDocument } from '../../src/documents/index.js'
import { flipSignedByte, makeCenterPki, toUnicodeText, type CenterKind } from '../fixtures/documents.js'
import { lantai } from '../fixtures/cli.js'

// The documents Lantai issues as PDFs sealed by the center (issue 14 item 6): Chinese text in an embedded
// font subset, a PAdES-B seal that Lantai's own verifier passes against the center's root for each kind
// of key, and one changed byte that it does not.

const center = makeCenterPki(t)
const FONT = { path: DEFAULT_DOCUMENT_FONT.path, family: DEFAULT_DOCUMENT_FONT.family }

const context = {
  number: '整改〔2026〕第0007号',
  issuedAt: '2026-12-03T02:00:00.000Z',
  issuedOn: '2026-12-03',
  issuer: { zh: '示例市城市建设档案馆', en: 'Example City Construction Archives' },
  project: { code: '2026-310104-47-01-000311', name: '滨江综合楼' },
  application: { id: 'app-1', number: '验申〔2026〕第0003号', jointDueDate: '2027-01-15' },
  submission: { id: 'sub-1', sha256: null },
  decidedBy: 'archivist-1',
  resubmission: null
}
const findings: AcceptanceFinding[] = [
  { code: 'BAG_CHECKSUM_MISMATCH', source: 'bagit', severity: 'error', key: 'bagit:1', path: 'data/结构施工图.pdf', message: 'sha256 does not match the manifest', messageZh: '文件摘要与清单不符', responsible: { role: 'construction', name: '示例建设有限公司' } },
  { code: 'SCOPE_ITEM_MISSING', source: 'scope', severity: 'error', key: 'scope:A1-1', item: 'A1-1', message: 'Project approval documents are missing', messageZh: '缺少立项审批文件' },
  { code: 'ARCHIVIST_ITEM', source: 'archivist', severity: 'error', key: 'archivist:1', message: 'Add the as-built drawings of the structure', messageZh: '补充结构竣工图' }
]
const notice = rectificationNotice(context, findings)

const sealer = (kind: CenterKind, now?: () => Date): DocumentSealer => {
  const env = center.env(kind)
  return new DocumentSealer({ signer: loadCenterSigner({ key: env.LANTAI_CENTER_KEY as string, cert: env.LANTAI_CENTER_CERT as string }), font: FONT, now })
}

t.test('a rectification notice with Chinese findings is a PDF whose Chinese text is in an embedded font subset and its ToUnicode map', async t => {
  const pdf = await sealer('ec').pdf(notice)
  const text = pdf.toString('latin1')
  t.ok(text.startsWith('%PDF-1.7'))
  t.match(text, /\/BaseFont \/[A-Z]{6}\+WenQuanYiMicroHei/, 'the font is a subset (six-letter tag)')
  t.match(text, /\/FontFile2 \d+ 0 R/, 'and embedded as TrueType')
  t.notMatch(text, /\/BaseFont \/Helvetica/, 'no font that is not embedded')
  const mapped = toUnicodeText(pdf)
  for (const s of ['整改通知书', '滨江综合楼', '文件摘要与清单不符', '补充结构竣工图', '示例建设有限公司', '示例市城市建设档案馆']) {
    t.ok([...s].every(c => mapped.includes(c)), `ToUnicode maps ${s}`)
  }
  t.ok([...'BAG_CHECKSUM_MISMATCH'].every(c => mapped.includes(c)), 'and the codes')
  t.match(text, /<pdfaid:part>2<\/pdfaid:part>/, 'it declares PDF/A-2 in its XMP')
})

for (const kind of ['sm2', 'ec', 'rsa'] as const) {
  t.test(`sealed with the center's ${kind} key, it verifies TOTAL_PASSED as PAdES baseline B against the center's root`, async t => {
    const pdf = await sealer(kind).pdf(notice)
    const v = await verifySealedDocument(pdf, center.trust)
    t.equal(v.signatures.length, 1)
    t.match(v.signatures[0], { indication: 'TOTAL_PASSED', subIndication: null, format: 'PAdES-BASELINE-B', scope: { wholeDocument: true } })
    t.match(v.signatures[0]?.signer, { subject: new RegExp(`Archive Center Seal ${kind.toUpperCase()}`, 'i') })
  })
}

t.test('one flipped byte inside the signed range and the seal no longer passes', async t => {
  const pdf = await sealer('sm2').pdf(notice)
  const v = await verifySealedDocument(flipSignedByte(pdf), center.trust)
  t.not(v.signatures[0]?.indication, 'TOTAL_PASSED')
  t.equal((await verifySealedDocument(pdf, center.trust)).signatures[0]?.indication, 'TOTAL_PASSED', 'the original still does')
})

t.test('without the center\'s root the seal is not trusted', async t => {
  const pdf = await sealer('ec').pdf(notice)
  const v = await verifySealedDocument(pdf, { ...center.trust, anchors: [] })
  t.match(v.signatures[0], { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' })
})

t.test('the same document sealed at the same time differs only inside /Contents', async t => {
  const at = (): Date => new Date('2026-12-03T03:00:00Z')
  const [a, b] = [await sealer('ec', at).pdf(notice), await sealer('ec', at).pdf(notice)]
  const outside = (pdf: Buffer): Buffer => {
    const [, start, end] = /\/ByteRange \[0 (\d+) (\d+)/.exec(pdf.toString('latin1')) ?? []
    return Buffer.concat([pdf.subarray(0, Number(start)), pdf.subarray(Number(end))])
  }
  t.equal(a.length, b.length)
  t.ok(outside(a).equals(outside(b)), 'layout, font subset, /M and the file ID are the same')
})

t.test('an acceptance opinion is laid out and sealed too', async t => {
  const opinion = acceptanceOpinion({ ...context, number: '验收〔2026〕第0002号' }, [], { reason: '试点项目，范围外文件另行补交' })
  const pdf = await sealer('sm2').pdf(opinion)
  t.ok([...'建设工程档案验收合格意见试点项目'].every(c => toUnicodeText(pdf).includes(c)))
  t.equal((await verifySealedDocument(pdf, center.trust)).signatures[0]?.indication, 'TOTAL_PASSED')
})

t.test('`lantai seals verify` reports the sealed PDF TOTAL_PASSED against a trust directory holding the center root', async t => {
  const file = join(t.testdir(), 'notice.pdf')
  writeFileSync(file, await sealer('sm2').pdf(notice))
  const r = lantai(['seals', 'verify', file, '--trust', center.trustDir])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /TOTAL_PASSED/)
  t.match(r.stdout, /PAPER_WAIVED \(R1\)/, 'a born-digital PDF/A with a passing seal over the whole document needs no paper')
})

t.test('not configured, a sealed PDF is DOCUMENT_SEAL_NOT_CONFIGURED; a missing font DOCUMENT_FONT_MISSING; a key that is not the certificate\'s CENTER_KEY_INVALID', async t => {
  const none = documentSealerOf({ centerKey: null, centerCert: null, centerChain: null, documentFont: FONT.path, documentFontFamily: FONT.family })
  t.equal(none.configured, false)
  await t.rejects(none.pdf(notice), { code: 'DOCUMENT_SEAL_NOT_CONFIGURED' })
  const env = center.env('ec')
  const noFont = new DocumentSealer({ signer: loadCenterSigner({ key: env.LANTAI_CENTER_KEY as string, cert: env.LANTAI_CENTER_CERT as string }), font: { path: join(t.testdir(), 'no-such-font.ttf'), family: null } })
  await t.rejects(noFont.pdf(notice), { code: 'DOCUMENT_FONT_MISSING' })
  const wrongFace = new DocumentSealer({ signer: loadCenterSigner({ key: env.LANTAI_CENTER_KEY as string, cert: env.LANTAI_CENTER_CERT as string }), font: { path: FONT.path, family: null } })
  await t.rejects(wrongFace.pdf(notice), { code: 'DOCUMENT_FONT_MISSING' }, 'a collection without the face name')
  t.throws(() => loadCenterSigner({ key: center.env('sm2').LANTAI_CENTER_KEY as string, cert: env.LANTAI_CENTER_CERT as string }), { code: 'CENTER_KEY_INVALID' })
  t.throws(() => loadCenterSigner({ key: join(t.testdir(), 'none.key'), cert: env.LANTAI_CENTER_CERT as string }), { code: 'CENTER_KEY_INVALID' })
})
