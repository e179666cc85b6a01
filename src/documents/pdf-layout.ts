import PDFDocument from 'pdfkit'
import { PRODUCER_TEXT, type AcceptanceDocumentBody } from '../acceptance/index.js'
import type { Text } from '../acceptance/policy-schema.js'
import type { AcceptanceFinding } from '../acceptance/report.js'
import type { DocumentFont } from './font.js'

// A decision's document laid out as the printable HTML page is (src/acceptance/document-html.ts): title,
// number, the facts, the body, every finding with its code, file and unit answerable, then the issuer and
// date. Chinese first, English under it, in the one embedded CJK font (pdfkit subsets it: only the glyphs
// used travel, with a ToUnicode map so the text can be searched and copied). The same document gives the
// same page: the creation date is the issue time, so only the seal differs between two renderings.

const SOURCE_TEXT: Record<AcceptanceFinding['source'], Text> = {
  bagit: { zh: '数据包', en: 'BagIt' },
  scope: { zh: '归档范围', en: 'filing scope' },
  metadata: { zh: '元数据', en: 'metadata' },
  'four-properties': { zh: '四性检测', en: 'four properties' },
  seals: { zh: '电子签章', en: 'seals' },
  archivist: { zh: '档案员意见', en: 'archivist' }
}
const SEVERITY_TEXT: Record<AcceptanceFinding['severity'], Text> = { error: { zh: '错误', en: 'error' }, warning: { zh: '提示', en: 'warning' } }

// A4 with the HTML page's margins (20 mm × 18 mm), in points
const MARGIN = { top: 57, bottom: 57, left: 51, right: 51 }
const GREY = '#333333'
const FONT = 'document'

export interface LayoutOptions {
  /** the line under the signature block naming who sealed it (the certificate's subject) */
  sealedBy: string
}

export type PdfDocument = InstanceType<typeof PDFDocument>

/** The document's pages in a pdfkit document that is not yet ended: the caller adds the seal, then ends it. */
export function layoutDocument (doc: AcceptanceDocumentBody, font: DocumentFont, options: LayoutOptions): PdfDocument {
  const pdf = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    pdfVersion: '1.7',
    // PDF/A-2b (ISO 19005-2): what an archive keeps, and what rule R1 asks of a file to waive paper
    subset: 'PDF/A-2b',
    lang: 'zh-CN',
    displayTitle: true,
    info: {
      Title: `${doc.title.zh} ${doc.number}`,
      Author: doc.issuer.zh,
      Subject: doc.title.en,
      Keywords: doc.number,
      Creator: 'Lantai',
      Producer: 'Lantai',
      CreationDate: new Date(doc.issuedAt)
    }
  })
  pdf.registerFont(FONT, font.data, font.family ?? undefined)
  pdf.font(FONT)
  const width = pdf.page.width - MARGIN.left - MARGIN.right

  const both = (t: Text, size: number, opts: PDFKit.Mixins.TextOptions = {}): void => {
    pdf.fillColor('black').fontSize(size).text(t.zh, opts)
    pdf.fillColor(GREY).fontSize(size * 0.85).text(t.en, opts)
    pdf.fillColor('black')
  }
  const heading = (t: Text): void => {
    pdf.moveDown(0.8)
    both(t, 12.5)
    const y = pdf.y + 2
    pdf.moveTo(MARGIN.left, y).lineTo(MARGIN.left + width, y).lineWidth(0.8).stroke()
    pdf.moveDown(0.5)
  }

  both(doc.title, 18, { align: 'center' })
  pdf.moveDown(0.3)
  pdf.fontSize(12).text(doc.number, { align: 'center' })
  pdf.moveDown(0.8)

  const facts: Array<[Text, string]> = [
    [{ zh: '项目', en: 'Project' }, doc.project.name === null ? doc.project.code : `${doc.project.name}（${doc.project.code}）`],
    [{ zh: '验收申请', en: 'Acceptance application' }, doc.application === null ? '—' : `${doc.application.number}（${doc.application.jointDueDate}）`],
    [{ zh: '提交编号', en: 'Submission' }, doc.submission.id],
    [{ zh: '签发日期', en: 'Issued on' }, doc.issuedOn]
  ]
  for (const [label, value] of facts) {
    const top = pdf.y
    pdf.fontSize(10).text(`${label.zh} ${label.en}`, MARGIN.left, top, { width: 150 })
    const labelBottom = pdf.y
    pdf.text(value, MARGIN.left + 155, top, { width: width - 155 })
    pdf.x = MARGIN.left
    pdf.y = Math.max(labelBottom, pdf.y) + 3
  }
  pdf.moveDown(0.5)
  for (const p of doc.paragraphs) { both(p, 10.5, { width }); pdf.moveDown(0.4) }

  const r = doc.resubmission
  if (r !== null) {
    heading({ zh: `与整改通知书 ${r.notice} 对照`, en: `Compared with rectification notice ${r.notice}` })
    both({ zh: `已整改 ${r.resolved.length} 项，仍存在 ${r.remaining.length} 项。`, en: `${r.resolved.length} resolved, ${r.remaining.length} remaining.` }, 10.5, { width })
  }

  heading(doc.kind === 'rectification-notice' ? { zh: '问题清单（一次性告知）', en: 'Every defect (told once)' } : { zh: '验收时的提示', en: 'Warnings at acceptance' })
  if (doc.findings.length === 0) both({ zh: '无', en: 'none' }, 10.5)
  doc.findings.forEach((f, i) => { finding(pdf, f, i, width) })

  pdf.moveDown(2)
  both(doc.issuer, 11, { align: 'right', width })
  pdf.fontSize(11).text(doc.issuedOn, { align: 'right', width })
  pdf.moveDown(0.5)
  pdf.fillColor(GREY).fontSize(8).text(`电子印章 Electronic seal: ${options.sealedBy}`, { align: 'right', width }).fillColor('black')
  return pdf
}

function finding (pdf: PdfDocument, f: AcceptanceFinding, i: number, width: number): void {
  const head = [`${i + 1}.`, `${SEVERITY_TEXT[f.severity].zh} ${SEVERITY_TEXT[f.severity].en}`, `${SOURCE_TEXT[f.source].zh} ${SOURCE_TEXT[f.source].en}`, f.code, ...(f.path === undefined ? [] : [f.path])]
  pdf.moveDown(0.3)
  pdf.fillColor('black').fontSize(10).text(head.join('  ·  '), { width })
  pdf.fontSize(10).text(f.messageZh, MARGIN.left + 14, pdf.y, { width: width - 14 })
  pdf.fillColor(GREY).fontSize(8.5).text(f.message, { width: width - 14 })
  if (f.responsible !== undefined) {
    const unit = PRODUCER_TEXT[f.responsible.role]
    const who = [f.responsible.name, f.responsible.uscc === undefined ? undefined : `统一社会信用代码 USCC ${f.responsible.uscc}`].filter(x => x !== undefined).join('，')
    pdf.fillColor('black').fontSize(9).text(`责任单位 Unit answerable: ${unit.zh} ${unit.en}${who === '' ? '' : `（${who}）`}`, { width: width - 14 })
  }
  pdf.fillColor('black')
  pdf.x = MARGIN.left
}
