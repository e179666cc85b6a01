import type { CreditRecord } from '../catalogue/index.js'

// The credit evaluation of a unit (信用评价, notice (十一); docs/credit.md says the same in words). A unit
// starts at 100; each record that stands (in force, under appeal, upheld, or corrected and so still a
// breach) and occurred within the last three years takes 20 off; a revoked record counts for nothing.
// The grade follows the score: A 100, B 80, C 60 or 40, D below. Three years: the span a commitment
// breach stays relevant in most local credit rules (inferred; a policy can take it over later).

export const WINDOW_DAYS = 3 * 365
export const PENALTY = 20

export type CreditGrade = 'A' | 'B' | 'C' | 'D'

export interface UnitEvaluation {
  uscc: string
  name: string | null
  /** YYYY-MM-DD the evaluation is for */
  on: string
  score: number
  grade: CreditGrade
  /** records that count, within the window */
  counted: string[]
  /** every record of the unit, newest first, and how many of each standing */
  standings: Record<string, number>
  records: CreditRecord[]
}

const COUNTING = new Set(['in_force', 'appealed', 'upheld', 'corrected'])

export function evaluateUnit (uscc: string, records: readonly CreditRecord[], on: string): UnitEvaluation {
  const since = new Date(Date.parse(`${on}T00:00:00Z`) - WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10)
  const counted = records.filter(r => COUNTING.has(r.standing) && r.occurredOn >= since && r.occurredOn <= on).map(r => r.id)
  const score = Math.max(0, 100 - PENALTY * counted.length)
  const grade: CreditGrade = score >= 100 ? 'A' : score >= 80 ? 'B' : score >= 40 ? 'C' : 'D'
  const standings: Record<string, number> = {}
  for (const r of records) standings[r.standing] = (standings[r.standing] ?? 0) + 1
  return { uscc, name: records[0]?.unit.name ?? null, on, score, grade, counted, standings, records: [...records] }
}
