import type { Finding, PackageReport } from '../bagit/index.js'
import { formatBytes } from './progress.js'

// The human report; the JSON one (src/bagit/report-json.ts) is the other view of the same findings.
export { bagReportJson } from '../bagit/report-json.js'

export type Lang = 'en' | 'zh' | 'both'

export function bagReportText (target: string, report: PackageReport, lang: Lang): string {
  const s = report.stats
  const head = report.valid ? 'VALID 有效' : 'INVALID 无效'
  const en = [
    report.version === null ? 'BagIt version unknown' : `BagIt ${report.version}`,
    report.serialization,
    `${s.payloadFiles} payload files`,
    formatBytes(s.payloadBytes),
    s.payloadAlgorithms.length > 0 ? s.payloadAlgorithms.join('+') : 'no manifest'
  ].join(', ')
  const zh = [
    report.version === null ? 'BagIt 版本未知' : `BagIt ${report.version}`,
    report.serialization === 'directory' ? '目录' : report.serialization,
    `${s.payloadFiles} 个载荷文件`,
    formatBytes(s.payloadBytes),
    s.payloadAlgorithms.length > 0 ? s.payloadAlgorithms.join('+') : '无清单'
  ].join('，')
  const lines = [`${head}  ${target}  (${lang === 'zh' ? zh : en})`]
  if (lang === 'both') lines.push(`  （${zh}）`)
  const section = (title: string, items: readonly Finding[]): void => {
    if (items.length === 0) return
    lines.push('', `${title} (${items.length}):`)
    for (const f of items) {
      const where = f.path === undefined ? '' : ` ${f.path}`
      if (lang !== 'zh') lines.push(`  ${f.code}${where}: ${f.message}  [${f.rule}]`)
      if (lang === 'zh') lines.push(`  ${f.code}${where}: ${f.messageZh}  [${f.rule}]`)
      if (lang === 'both') lines.push(`    ${f.messageZh}`)
    }
  }
  section('errors 错误', report.errors)
  section('warnings 警告', report.warnings)
  if (report.errors.length > 0) {
    if (lang !== 'zh') lines.push('', 'Every problem is listed above at once (一次性告知); codes are explained in docs/errors.md.')
    if (lang !== 'en') lines.push(...(lang === 'zh' ? [''] : []), '以上一次性列出了全部问题（一次性告知）；各代码的含义见 docs/errors.md。')
  }
  return lines.join('\n')
}
