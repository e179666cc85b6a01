import type { Finding } from './findings.js'
import type { PackageReport } from './package.js'

// The report as JSON: what `lantai validate --json` prints and what a submission's report holds, so a
// builder sees the same findings whichever way the package went in.

export interface FindingJson {
  code: string
  severity: string
  path: string | null
  message: string
  messageZh: string
  rule: string
  source?: string
  line?: number
  algorithm?: string
  expected?: string
  actual?: string
}

export interface BagReportJson {
  valid: boolean
  complete: boolean
  version: string | null
  serialization: string
  errors: FindingJson[]
  warnings: FindingJson[]
  stats: PackageReport['stats']
}

export function findingJson (f: Finding): FindingJson {
  return {
    code: f.code,
    severity: f.severity,
    path: f.path ?? null,
    message: f.message,
    messageZh: f.messageZh,
    rule: f.rule,
    ...(f.source === undefined ? {} : { source: f.source }),
    ...(f.line === undefined ? {} : { line: f.line }),
    ...(f.algorithm === undefined ? {} : { algorithm: f.algorithm }),
    ...(f.expected === undefined ? {} : { expected: f.expected }),
    ...(f.actual === undefined ? {} : { actual: f.actual })
  }
}

export function bagReportJson (report: PackageReport): BagReportJson {
  return {
    valid: report.valid,
    complete: report.complete,
    version: report.version,
    serialization: report.serialization,
    errors: report.errors.map(findingJson),
    warnings: report.warnings.map(findingJson),
    stats: report.stats
  }
}
