import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { opensFile } from '../../src/formats/index.js'
import { minimalOfd, writeOfd } from '../fixtures/ofd.js'
import { TestPdf, pdfWithCatalogExtra } from '../fixtures/pdf.js'

// Usability 3-4: a PDF/A or OFD opens when a reader could show its first page.

const write = (name: string, bytes: Buffer): string => {
  const file = join(t.testdir(), name)
  writeFileSync(file, bytes)
  return file
}

t.test('a whole PDF/A opens and counts its pages', async t => {
  t.same(await opensFile(write('a.pdf', new TestPdf({ pdfa: true, xrefStream: true }).bytes), 'pdf-a'), { opens: true, pages: 1 })
})

t.test('a truncated PDF/A does not open, and says why', async t => {
  const bytes = new TestPdf({ pdfa: true }).bytes
  const opened = await opensFile(write('cut.pdf', bytes.subarray(0, Math.floor(bytes.length * 0.6))), 'pdf-a')
  t.equal(opened.opens, false)
  t.match(opened, { reason: /startxref|truncated/ })
})

t.test('a PDF whose page tree has no page does not open', async t => {
  t.same(await opensFile(write('empty-tree.pdf', pdfWithCatalogExtra('1')), 'pdf'), { opens: false, reason: 'the page tree has no page' })
})

t.test('an OFD opens through OFD.xml, its DocRoot and its first page', async t => {
  t.same(await opensFile(await writeOfd(t, minimalOfd()), 'ofd'), { opens: true, pages: 1 })
})

t.test('an OFD whose first page is missing, or whose OFD.xml is broken, does not open', async t => {
  const { 'Doc_0/Pages/Page_0/Content.xml': _page, ...noPage } = minimalOfd()
  t.match(await opensFile(await writeOfd(t, noPage), 'ofd'), { opens: false, reason: /Pages\/Page_0\/Content.xml is not in the package/ })
  t.match(await opensFile(await writeOfd(t, { ...minimalOfd(), 'OFD.xml': '<ofd:OFD><ofd:DocBody>' }), 'ofd'), { opens: false })
  t.match(await opensFile(write('not-a-zip.ofd', Buffer.from('PK\x03\x04 broken', 'latin1')), 'ofd'), { opens: false, reason: /not a zip/ })
})

t.test('formats that are not opened say so instead of passing', async t => {
  t.same(await opensFile(write('photo.jpg', Buffer.from('ffd8ff', 'hex')), 'jpeg'), { opens: null, reason: 'jpeg files are not opened' })
})

t.test('a PDF over the bound is not read, and the outcome says it was not tried', async t => {
  const file = write('big.pdf', new TestPdf().bytes)
  const opened = await opensFile(file, 'pdf', { maxPdfBytes: 100, maxOfdFileBytes: 100, maxXmlBytes: 100 })
  t.equal(opened.opens, null)
  t.match(opened, { reason: /over the 100 bytes/ })
})
