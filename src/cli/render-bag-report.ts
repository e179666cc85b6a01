import type { Finding, PackageReport } from '../bagit/index.js'
import { formatBytes } from './progress.js'

// The human report; the JSON one (src/bagit/report-json.ts) is the other view of the same findings.
export { bagReportJson } from '../bagit/report-json.js'

export type Lang = 'en' | 'zh' | 'both'

export function bagReportText (target: string, report: PackageReport, lang: Lang): string {
  const s = report.stats
  const head = report.valid ? 'VALID 有效' : 'INVALID 无效'
  const about = [
    report.version === null ? 'BagIt version unknown' : `BagIt ${report.version}`,
    report.serialization,
    `${s.payloadFiles} payload files`,
    formatBytes(s.payloadBytes),
    s.payloadAlgorithms.length > 0 ? s.payloadAlgorithms.join('+') : 'no manifest'
  ].join(', ')
  const lines = [`${head}  ${target}  (${about})`]
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
    lines.push('', 'Every problem is listed above at once (一次性告知); codes are explained in docs/errors.md.')
  }
  return lines.join('\n')
}
