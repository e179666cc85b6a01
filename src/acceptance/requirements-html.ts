import { UNIT_ROLE_TEXT } from '../projects/index.js'
import type { Property, Text } from './policy-schema.js'
import type { RequiredItem, RequirementsNotice } from './requirements.js'

// The requirements notice as a page a builder can print and keep: Chinese first, English after, every
// style inside the page (no network at print time), every value escaped (unit and project names are
// user input), tables that do not break a row across pages.

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)

/** Chinese above, English below, both escaped. */
const both = (t: Text): string => `<span class="zh">${escapeHtml(t.zh)}</span><span class="en">${escapeHtml(t.en)}</span>`

const PROPERTY_TEXT: Record<Property, Text> = {
  authenticity: { zh: '真实性', en: 'authenticity' },
  integrity: { zh: '完整性', en: 'integrity' },
  usability: { zh: '可用性', en: 'usability' },
  security: { zh: '安全性', en: 'security' }
}

const requiredText = (required: boolean | 'conditional', when: Text | null): string =>
  required === true
    ? both({ zh: '必须归档', en: 'required' })
    : required === 'conditional' && when !== null
      ? both({ zh: `视情况归档：${when.zh}`, en: `required for ${when.en}` })
      : both({ zh: '选择归档', en: 'optional' })

const CSS = `
  @page { size: A4; margin: 18mm 15mm; }
  body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 190mm; line-height: 1.45; }
  h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; }
  h1 .en { font-size: 11pt; font-weight: normal; }
  h2 { font-size: 12.5pt; border-bottom: 1px solid #000; margin: 6mm 0 2mm; page-break-after: avoid; break-after: avoid; }
  .zh { display: block; }
  .en { display: block; color: #333; font-size: 0.88em; }
  table { width: 100%; border-collapse: collapse; margin: 2mm 0; }
  th, td { border: 1px solid #555; padding: 1.2mm 1.6mm; vertical-align: top; text-align: left; }
  th { background: #eee; }
  tr { page-break-inside: avoid; break-inside: avoid; }
  td.code { white-space: nowrap; font-family: monospace; }
  tr.required td.req { font-weight: bold; }
  .meta td:first-child { width: 32%; }
  footer { margin-top: 8mm; font-size: 9pt; border-top: 1px solid #000; padding-top: 2mm; }
  @media print { a { color: inherit; text-decoration: none; } th { background: none; } }
`

function itemRow (item: RequiredItem): string {
  const units = item.responsibleUnits.length === 0
    ? ''
    : `<span class="units">${item.responsibleUnits.map(u => `${escapeHtml(u.name)}（${escapeHtml(u.uscc)}）`).join('<br>')}</span>`
  return `<tr class="${item.required === true ? 'required' : item.required === 'conditional' ? 'conditional' : 'optional'}" data-item="${escapeHtml(item.code)}">` +
    `<td class="code">${escapeHtml(item.code)}</td><td>${both(item)}</td><td>${both(item.producer)}${units}</td>` +
    `<td>${item.retention === null ? both({ zh: '按馆要求', en: 'as the center decides' }) : both(item.retention)}</td><td class="req">${requiredText(item.required, item.when)}</td></tr>`
}

/** The printable page of a requirements notice. */
export function renderRequirementsHtml (notice: RequirementsNotice): string {
  const p = notice.project
  const t = notice.timeLimits
  const rows: Array<[Text, string]> = [
    [{ zh: '统一项目代码', en: 'Unified project code' }, escapeHtml(p.code)],
    [{ zh: '项目名称', en: 'Project name' }, escapeHtml(p.name)],
    [{ zh: '项目地点', en: 'Location' }, escapeHtml(p.location ?? '—')],
    [{ zh: '密级', en: 'Classification' }, escapeHtml(p.classification)],
    ...p.units.map((u): [Text, string] => [UNIT_ROLE_TEXT[u.role], `${escapeHtml(u.name)}<br><span class="en">${escapeHtml(u.uscc)}</span>`]),
    ...p.permits.map((permit): [Text, string] => [permit, `${escapeHtml(permit.number)}<br><span class="en">${escapeHtml(permit.issuedOn)}</span>`])
  ]
  const limits: Array<[Text, Text]> = [
    [{ zh: '联合竣工验收时限', en: 'Joint completion acceptance limit' },
      { zh: `${t.jointAcceptance.days} 个${t.jointAcceptance.calendar === 'working' ? '工作日' : '自然日'}`, en: `${t.jointAcceptance.days} ${t.jointAcceptance.calendar === 'working' ? 'working' : 'calendar'} days` }],
    [{ zh: '档案移交期限', en: 'Transfer of the archive' },
      { zh: `竣工验收后 ${t.transferAfterCompletionMonths} 个月内移交一套完整档案`, en: `one complete set within ${t.transferAfterCompletionMonths} months after completion acceptance` }],
    [{ zh: '承诺补交期限', en: 'Items owed under a commitment' },
      { zh: `自${t.commitmentStart.zh}起不超过 ${t.commitment.maxMonths} 个月`, en: `due at most ${t.commitment.maxMonths} months after ${t.commitmentStart.en}` }],
    [{ zh: '验收决定', en: 'Acceptance decision' },
      notice.decisionRequired
        ? { zh: '提交的档案经自动检测后由档案员作出验收决定，合格后方予入库', en: 'after the automatic checks an archivist decides; nothing is stored before acceptance' }
        : { zh: '自动检测合格即予入库', en: 'stored once the automatic checks pass' }]
  ]
  const c = notice.counts
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>建设工程档案归档要求告知书 ${escapeHtml(p.code)} — Notice of filing requirements</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1><span class="zh">建设工程档案归档要求告知书</span><span class="en">Notice of filing requirements for construction project archives</span></h1>
<p>${both({
    zh: `${notice.center.zh}依据《关于进一步做好建设工程档案归档管理工作的通知》一次性告知本项目的归档要求：共 ${c.required} 项必须归档、${c.conditional} 项视情况归档、${c.optional} 项选择归档。`,
    en: `${notice.center.en} tells the builder, once and in full, what this project must file: ${c.required} required items, ${c.conditional} required when they apply, ${c.optional} optional.`
  })}</p>
</header>
<section>
<h2>${both({ zh: '一、项目信息', en: '1. Project' })}</h2>
<table class="meta"><tbody>
${rows.map(([label, value]) => `<tr><th>${both(label)}</th><td>${value}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section>
<h2>${both({ zh: '二、时限要求', en: '2. Time limits' })}</h2>
<table class="meta"><tbody>
${limits.map(([label, value]) => `<tr><th>${both(label)}</th><td>${both(value)}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section>
<h2>${both({ zh: '三、归档范围', en: '3. Filing scope' })}</h2>
${notice.categories.map(cat => `<h3>${escapeHtml(cat.code)} ${both(cat)}</h3>
<table class="scope"><thead><tr><th>${both({ zh: '编号', en: 'Code' })}</th><th>${both({ zh: '文件名称', en: 'Document' })}</th><th>${both({ zh: '形成单位', en: 'Formed by' })}</th><th>${both({ zh: '保管期限', en: 'Retention' })}</th><th>${both({ zh: '要求', en: 'Requirement' })}</th></tr></thead>
<tbody>
${cat.items.map(itemRow).join('\n')}
</tbody></table>`).join('\n')}
</section>
<section>
<h2>${both({ zh: '四、每份文件须著录的元数据', en: '4. Metadata every file carries' })}</h2>
<table><thead><tr><th>${both({ zh: '著录项', en: 'Element' })}</th><th>${both({ zh: '键名', en: 'Key' })}</th><th>${both({ zh: '取值', en: 'Values' })}</th><th>${both({ zh: '要求', en: 'Requirement' })}</th></tr></thead>
<tbody>
${notice.metadata.map(m => `<tr data-key="${escapeHtml(m.key)}"><td>${both(m)}</td><td class="code">${escapeHtml(m.key)}</td><td>${escapeHtml(m.values === null ? m.type : m.values.join(' / '))}</td><td>${requiredText(m.required, m.when)}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section>
<h2>${both({ zh: '五、接收的文件格式', en: '5. Formats accepted' })}</h2>
<p>${both({ zh: '格式按文件内容识别，不以扩展名为准。', en: 'A file\'s format is identified by its content, not by its name.' })}</p>
<table><tbody>
${notice.formats.map(f => `<tr data-format="${escapeHtml(f.id)}"><td>${both(f)}</td><td>${f.opens ? both({ zh: '验收时检查能否正常打开', en: 'opened at acceptance' }) : ''}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section>
<h2>${both({ zh: '六、四性检测项目', en: '6. Four-property checks' })}</h2>
<table><thead><tr><th>${both({ zh: '编号', en: 'Code' })}</th><th>${both({ zh: '类别', en: 'Property' })}</th><th>${both({ zh: '检测项目', en: 'Check' })}</th></tr></thead>
<tbody>
${notice.fourProperties.map(check => `<tr data-check="${escapeHtml(check.code)}"><td class="code">${escapeHtml(check.code)}</td><td>${both(PROPERTY_TEXT[check.property])}</td><td>${both(check)}</td></tr>`).join('\n')}
</tbody></table>
</section>
<footer>${both({ zh: `${notice.center.zh} 告知时间：${notice.issuedAt}`, en: `${notice.center.en}, issued ${notice.issuedAt}` })}</footer>
</body>
</html>
`
}
