import type { TimeLimits } from './policy-schema.js'

// Document numbers and dates as the center writes them. Chinese official documents number by year with
// the year in 六角括号 and a zero-padded sequence (文号: 整改〔2026〕第0001号). The center works on Beijing
// time, so a notice issued at 23:30 UTC on 31 December belongs to the next year.

const BEIJING_OFFSET_MS = 8 * 3600_000

const PREFIX = { 'rectification-notice': '整改', 'acceptance-opinion': '验收', application: '验申' } as const
export type NumberedKind = keyof typeof PREFIX

/** The calendar date (YYYY-MM-DD) in Beijing at this instant. */
export const beijingDate = (at: Date): string => new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10)

/** The year the instant counts in (Beijing time). */
export const beijingYear = (at: Date): number => Number(beijingDate(at).slice(0, 4))

/** 整改〔2026〕第0001号; the sequence widens past 9999 rather than wrapping. */
export const documentNumber = (kind: NumberedKind, year: number, sequence: number): string =>
  `${PREFIX[kind]}〔${year}〕第${String(sequence).padStart(4, '0')}号`

/**
 * The joint-completion-acceptance limit: `days` after the application, counting working days (Monday to
 * Friday) or calendar days as the policy says. Public holidays and their make-up working weekends (调休)
 * are not modelled: a limit across one comes out early, never late.
 */
export function jointAcceptanceDue (appliedAt: Date, limit: TimeLimits['jointAcceptance']): string {
  const d = new Date(`${beijingDate(appliedAt)}T00:00:00.000Z`)
  let left = limit.days
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1)
    const weekday = d.getUTCDay()
    if (limit.calendar === 'calendar' || (weekday !== 0 && weekday !== 6)) left--
  }
  return d.toISOString().slice(0, 10)
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
