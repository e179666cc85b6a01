import type { AuditCount, AuditRepository } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'

// The security officer's daily report (issue 15 item 9): classified reads, refusals, approvals and
// aggregation alerts of one day, counted from the trail by action name. Approvals and aggregation
// alerts are written by the access gate and the two-person rules (src/access), by these names:
// actions containing 'approv' ('approval.granted', 'aggregation.approved') and starting 'aggregation.'.

/** The tiers that are state secrets, in the policy's names (security-tiers.yaml) and the catalogue's. */
export const CLASSIFIED_TIERS: readonly string[] = ['SECRET', 'CONFIDENTIAL', 'TOP_SECRET', '秘密', '机密', '绝密']

const READ = /^(GET|HEAD) |(^|\.)(read|download|search|export)(\.|$)/
const REFUSED = new Set(['denied', 'refused'])

export interface ReportLine { total: number, byAction: Record<string, number> }

export interface DailyReport {
  date: string
  /** the day's bounds, ISO-8601 UTC: from inclusive, to exclusive */
  from: string
  to: string
  rows: number
  classifiedReads: ReportLine & { byTier: Record<string, number> }
  refusals: ReportLine
  approvals: ReportLine
  aggregationAlerts: ReportLine
}

const line = (counts: readonly AuditCount[]): ReportLine => {
  const byAction: Record<string, number> = {}
  for (const c of counts) byAction[c.action] = (byAction[c.action] ?? 0) + c.n
  return { total: counts.reduce((s, c) => s + c.n, 0), byAction }
}

/** `date` is YYYY-MM-DD; `utcOffset` ('+08:00', 'Z') says where the day begins (UTC by default). */
export async function dailyReport (repo: AuditRepository, date: string, utcOffset = 'Z'): Promise<DailyReport> {
  const start = Date.parse(`${date}T00:00:00${utcOffset}`)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^(Z|[+-]\d{2}:\d{2})$/.test(utcOffset) || Number.isNaN(start)) {
    throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `a report day is YYYY-MM-DD with an offset such as +08:00, got ${date} ${utcOffset}`, { date, utcOffset })
  }
  const from = new Date(start).toISOString()
  const to = new Date(start + 86_400_000).toISOString()
  const counts = await repo.counts(from, to)
  const reads = counts.filter(c => c.tier !== null && CLASSIFIED_TIERS.includes(c.tier) && READ.test(c.action) && !REFUSED.has(c.outcome))
  const byTier: Record<string, number> = {}
  for (const c of reads) byTier[c.tier ?? ''] = (byTier[c.tier ?? ''] ?? 0) + c.n
  return {
    date,
    from,
    to,
    rows: counts.reduce((s, c) => s + c.n, 0),
    classifiedReads: { ...line(reads), byTier },
    refusals: line(counts.filter(c => REFUSED.has(c.outcome))),
    approvals: line(counts.filter(c => /approv/.test(c.action))),
    aggregationAlerts: line(counts.filter(c => c.action.startsWith('aggregation.')))
  }
}
