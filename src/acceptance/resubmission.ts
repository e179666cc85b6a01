import type { AcceptanceFinding } from './report.js'

// Re-acceptance (复验, notice (六)): a resubmission's report says which defects of the last notice are put
// right and which remain, by finding key. The archivist's own items cannot be checked by software: they
// stay listed as remaining until the archivist decides, and a new notice repeats them if they still hold.

export interface ResubmissionComparison {
  /** the notice compared with */
  notice: string
  resolved: Array<Pick<AcceptanceFinding, 'key' | 'code' | 'source' | 'message' | 'messageZh'> & { path?: string }>
  remaining: Array<Pick<AcceptanceFinding, 'key' | 'code' | 'source' | 'message' | 'messageZh'> & { path?: string }>
  /** keys found now that the notice did not list */
  added: string[]
}

const brief = (f: AcceptanceFinding): ResubmissionComparison['resolved'][number] =>
  ({ key: f.key, code: f.code, source: f.source, message: f.message, messageZh: f.messageZh, ...(f.path === undefined ? {} : { path: f.path }) })

export function compareWithNotice (notice: { number: string, findings: readonly AcceptanceFinding[] }, now: readonly AcceptanceFinding[]): ResubmissionComparison {
  const current = new Set(now.map(f => f.key))
  const before = new Set(notice.findings.map(f => f.key))
  return {
    notice: notice.number,
    resolved: notice.findings.filter(f => f.source !== 'archivist' && !current.has(f.key)).map(brief),
    remaining: notice.findings.filter(f => f.source === 'archivist' || current.has(f.key)).map(brief),
    added: [...current].filter(k => !before.has(k))
  }
}
