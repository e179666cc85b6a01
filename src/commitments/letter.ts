import type { CommitmentStatements } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { addMonths, isDate } from './period.js'

// The commitment letter (承诺书) an acceptance may carry (issue 14 item 7, notice (七)), checked before
// the decision is written: every one of the four statements affirmed, someone who signs, at least one
// item owed, and no item due later than the policy's months after the start event.

export interface CommitmentLetter {
  statements: CommitmentStatements
  /** who signs for the builder (建设单位负责人) */
  signatory: string
  items: Array<{ code: string, description: string, dueDate: string }>
  /**
   * The date of the start event when the policy counts from completion acceptance or transfer; with the
   * default (opinion-date) the opinion's own date is used and this is ignored.
   */
  startsOn?: string
}

export interface CommitmentRule { maxMonths: number, startEvent: string }

/** The start date and the latest due date allowed, or the refusal (COMMITMENT_INVALID, COMMITMENT_DUE_TOO_LATE). */
export function checkLetter (letter: CommitmentLetter, rule: CommitmentRule, opinionDate: string): { startDate: string, latest: string } {
  const problems: string[] = []
  for (const [key, value] of Object.entries(letter.statements)) if (value !== true) problems.push(`statement ${key} is not affirmed`)
  if (letter.signatory.trim() === '') problems.push('no signatory')
  if (letter.items.length === 0) problems.push('no item owed: an acceptance with nothing owed needs no commitment')
  const codes = letter.items.map(i => i.code)
  for (const dup of new Set(codes.filter((c, i) => codes.indexOf(c) !== i))) problems.push(`item ${dup} is listed twice`)
  const startDate = rule.startEvent === 'opinion-date' ? opinionDate : letter.startsOn ?? ''
  if (!isDate(startDate)) problems.push(`the policy counts from ${rule.startEvent}: give startsOn, its date (YYYY-MM-DD)`)
  for (const item of letter.items) {
    if (!isDate(item.dueDate)) problems.push(`item ${item.code}: dueDate ${item.dueDate} is not a date`)
    else if (isDate(startDate) && item.dueDate < startDate) problems.push(`item ${item.code}: due ${item.dueDate}, before the start ${startDate}`)
  }
  if (problems.length > 0) throw new LantaiError('COMMITMENT_INVALID', problems.join('; '), { problems })
  const latest = addMonths(startDate, rule.maxMonths)
  const late = letter.items.filter(i => i.dueDate > latest)
  if (late.length > 0) {
    throw new LantaiError('COMMITMENT_DUE_TOO_LATE', `${late.map(i => `${i.code} due ${i.dueDate}`).join(', ')}; the latest allowed is ${latest} (${rule.maxMonths} months after ${rule.startEvent} ${startDate})`, {
      items: late.map(i => ({ code: i.code, dueDate: i.dueDate })), latest, startDate, startEvent: rule.startEvent, maxMonths: rule.maxMonths
    })
  }
  return { startDate, latest }
}
