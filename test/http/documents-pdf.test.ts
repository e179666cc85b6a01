import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { verifySealedDocument } from '../../src/documents/index.js'
import { makeBag } from '../fixtures/bags.js'
import { flipSignedByte, makeCenterPki, toUnicodeText } from '../fixtures/documents.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// The documents Lantai issues, as PDFs sealed by the center (issue 14 item 6): GET /v1/documents/:number.pdf
// with the same roles as the JSON and the page, sealed with LANTAI_CENTER_KEY, verified against the center's
// root; without the key the PDF is a problem and everything else works.

const CODE = '2026-310104-47-01-000411'
const center = makeCenterPki(t)

// Bodies are read as the JSON the client gets and checked with t.match, field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

async function post (s: TestService, url: string, headers: Record<string, string>, payload: Record<string, unknown>): Promise<Json> {
  return (await s.app.inject({ method: 'POST', url, headers, payload })).json()
}

/** A project, an archivist, an application, and a bag with a changed file returned for rectification. */
async function noticeOf (t: Test, s: TestService): Promise<{ number: string, archivist: Record<string, string> }> {
  await post(s, '/v1/projects', s.auth(), { code: CODE, name: '滨江综合楼' })
  const archivist = s.auth((await post(s, '/v1/tokens', s.auth(), { role: 'archivist', label: '档案员 王' })).secret as string)
  const app = (await post(s, `/v1/projects/${CODE}/applications`, archivist, {})).id as string
  const dir = makeBag(t, { '结构施工图.txt': 'v1', 'b.txt': 'b' })
  writeFileSync(join(dir, 'data/b.txt'), 'changed after bagging')
  const up = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${CODE}&application=${app}`, headers: { ...archivist, 'content-type': 'application/x-tar' }, payload: tarOf(t, dir) })
  const sub = await s.settle(up.json().id as string)
  const decided = await post(s, `/v1/submissions/${sub.id as string}/decision`, archivist, { decision: 'rectification_required', items: [{ message: 'Add the as-built drawings of the structure', messageZh: '补充结构竣工图' }] })
  return { number: decided.document.number as string, archivist }
}

const pdfUrl = (number: string): string => `/v1/documents/${encodeURIComponent(number)}.pdf`

t.test('a rectification notice as a PDF sealed with the center\'s SM2 key: Chinese in the embedded subset, TOTAL_PASSED against the center root', async t => {
  const s = await buildTestApp(t, center.env('sm2'), { decision: true })
  const { number, archivist } = await noticeOf(t, s)
  const res = await s.app.inject({ method: 'GET', url: pdfUrl(number), headers: archivist })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.headers['content-type'], /^application\/pdf/)
  const pdf = res.rawPayload
  t.match(pdf.toString('latin1'), /\/BaseFont \/[A-Z]{6}\+WenQuanYiMicroHei/, 'a subset of the CJK font')
  const mapped = toUnicodeText(pdf)
  for (const text of ['建设工程档案整改通知书', '补充结构竣工图', '滨江综合楼', number]) t.ok([...text].every(c => mapped.includes(c)), `its ToUnicode map has ${text}`)
  const v = await verifySealedDocument(pdf, center.trust)
  t.match(v.signatures, [{ indication: 'TOTAL_PASSED', format: 'PAdES-BASELINE-B', signer: { subject: /Archive Center Seal SM2/ } }])
  t.not((await verifySealedDocument(flipSignedByte(pdf), center.trust)).signatures[0]?.indication, 'TOTAL_PASSED', 'one flipped byte and it does not pass')
  t.equal((await s.app.inject({ method: 'GET', url: pdfUrl(number) })).statusCode, 401, 'a token is needed, as for the JSON')
  t.equal((await s.app.inject({ method: 'GET', url: pdfUrl('整改〔2026〕第9999号'), headers: archivist })).json().code, 'DOCUMENT_NOT_FOUND')
})

t.test('sealed with the center\'s ECDSA key, the PDF verifies TOTAL_PASSED too', async t => {
  const s = await buildTestApp(t, center.env('ec'), { decision: true })
  const { number, archivist } = await noticeOf(t, s)
  const res = await s.app.inject({ method: 'GET', url: pdfUrl(number), headers: archivist })
  t.equal(res.statusCode, 200)
  t.match((await verifySealedDocument(res.rawPayload, center.trust)).signatures, [{ indication: 'TOTAL_PASSED', signer: { subject: /Archive Center Seal ec/i } }])
})

t.test('without the center\'s key the PDF is a problem naming the settings, and the JSON and the page still answer', async t => {
  const s = await buildTestApp(t, {}, { decision: true })
  const { number, archivist } = await noticeOf(t, s)
  const res = await s.app.inject({ method: 'GET', url: pdfUrl(number), headers: { ...archivist, 'accept-language': 'zh-CN' } })
  t.equal(res.statusCode, 501)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { code: 'DOCUMENT_SEAL_NOT_CONFIGURED', status: 501, titleEn: /LANTAI_CENTER_KEY/, titleZh: /档案馆签章密钥/ })
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/documents/${encodeURIComponent(number)}`, headers: archivist })).statusCode, 200)
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/documents/${encodeURIComponent(number)}.html`, headers: archivist })).statusCode, 200)
})

t.test('a font that cannot be read is DOCUMENT_FONT_MISSING, not a crash', async t => {
  const s = await buildTestApp(t, { ...center.env('ec'), LANTAI_DOCUMENT_FONT: join(t.testdir(), 'no-such-font.ttf') }, { decision: true })
  const { number, archivist } = await noticeOf(t, s)
  const res = await s.app.inject({ method: 'GET', url: pdfUrl(number), headers: archivist })
  t.match({ status: res.statusCode, body: res.json() }, { status: 503, body: { code: 'DOCUMENT_FONT_MISSING', titleEn: /fonts-wqy-microhei/ } })
})
