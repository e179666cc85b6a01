import type { Text } from './policy-schema.js'
import type { AcceptanceDocumentBody } from './document.js'
import type { AcceptanceFinding } from './report.js'

// A decision's document as a page to print and sign: Chinese first, English after, self-contained (no
// network at print time), every value escaped (paths, names and the archivist's items are user input).

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
const both = (t: Text): string => `<span class="zh">${escapeHtml(t.zh)}</span><span class="en">${escapeHtml(t.en)}</span>`

const SOURCE_TEXT: Record<AcceptanceFinding['source'], Text> = {
  bagit: { zh: '数据包', en: 'BagIt' },
  scope: { zh: '归档范围', en: 'filing scope' },
  metadata: { zh: '元数据', en: 'metadata' },
  'four-properties': { zh: '四性检测', en: 'four properties' },
  seals: { zh: '电子签章', en: 'seals' },
  archivist: { zh: '档案员意见', en: 'archivist' }
}

const SEVERITY_TEXT: Record<AcceptanceFinding['severity'], Text> = { error: { zh: '错误', en: 'error' }, warning: { zh: '提示', en: 'warning' } }

const CSS = `
  @page { size: A4; margin: 20mm 18mm; }
  body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt; margin: 0 auto; max-width: 180mm; line-height: 1.5; }
  h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; }
  h1 .en { font-size: 11pt; font-weight: normal; }
  .number { text-align: center; margin-bottom: 5mm; }
  h2 { font-size: 12.5pt; border-bottom: 1px solid #000; margin: 6mm 0 2mm; break-after: avoid; }
  .zh { display: block; }
  .en { display: block; color: #333; font-size: 0.88em; }
  p { margin: 2mm 0; text-indent: 0; }
  table { width: 100%; border-collapse: collapse; margin: 2mm 0; }
  th, td { border: 1px solid #555; padding: 1.2mm 1.6mm; vertical-align: top; text-align: left; }
  th { background: #eee; }
  tr { break-inside: avoid; }
  td.code { font-family: monospace; white-space: nowrap; }
  .signature { margin-top: 14mm; text-align: right; }
  @media print { th { background: none; } }
`

function findingRow (f: AcceptanceFinding, i: number): string {
  return `<tr data-key="${escapeHtml(f.key)}"><td>${i + 1}</td><td>${both(SOURCE_TEXT[f.source])}</td><td>${both(SEVERITY_TEXT[f.severity])}</td>` +
    `<td class="code">${escapeHtml(f.code)}</td><td class="code">${escapeHtml(f.path ?? '')}</td><td>${both({ zh: f.messageZh, en: f.message })}</td></tr>`
}

const table = (findings: readonly AcceptanceFinding[]): string => findings.length === 0
  ? `<p>${both({ zh: '无', en: 'none' })}</p>`
  : '<table><thead><tr><th>#</th><th>' + both({ zh: '来源', en: 'source' }) + '</th><th>' + both({ zh: '性质', en: 'severity' }) + '</th><th>' + both({ zh: '代码', en: 'code' }) +
    '</th><th>' + both({ zh: '文件', en: 'file' }) + '</th><th>' + both({ zh: '问题', en: 'defect' }) + `</th></tr></thead><tbody>${findings.map(findingRow).join('')}</tbody></table>`

export function renderDocumentHtml (doc: AcceptanceDocumentBody): string {
  const notice = doc.kind === 'rectification-notice'
  const r = doc.resubmission
  const resub = r === null
    ? ''
    : `<h2>${both({ zh: `与整改通知书 ${r.notice} 对照`, en: `Compared with rectification notice ${r.notice}` })}</h2>` +
      `<p>${both({ zh: `已整改 ${r.resolved.length} 项，仍存在 ${r.remaining.length} 项。`, en: `${r.resolved.length} resolved, ${r.remaining.length} remaining.` })}</p>`
  const rows: Array<[Text, string]> = [
    [{ zh: '项目', en: 'Project' }, escapeHtml(doc.project.name === null ? doc.project.code : `${doc.project.name}（${doc.project.code}）`)],
    [{ zh: '验收申请', en: 'Acceptance application' }, doc.application === null ? '—' : escapeHtml(`${doc.application.number}（${doc.application.jointDueDate}）`)],
    [{ zh: '提交编号', en: 'Submission' }, escapeHtml(doc.submission.id)],
    [{ zh: '签发日期', en: 'Issued on' }, escapeHtml(doc.issuedOn)]
  ]
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(doc.title.zh)} ${escapeHtml(doc.number)}</title><style>${CSS}</style></head>
<body>
<h1>${both(doc.title)}</h1>
<div class="number">${escapeHtml(doc.number)}</div>
<table class="meta"><tbody>${rows.map(([k, v]) => `<tr><th>${both(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>
${doc.paragraphs.map(p => `<p>${both(p)}</p>`).join('\n')}
${resub}
<h2>${both(notice ? { zh: '问题清单（一次性告知）', en: 'Every defect (told once)' } : { zh: '验收时的提示', en: 'Warnings at acceptance' })}</h2>
${table(doc.findings)}
<div class="signature">${both(doc.issuer)}<span>${escapeHtml(doc.issuedOn)}</span></div>
</body></html>
`
}
