// The public face of commitments (验收+承诺, issue 14 item 7): the letter's rules, the supplementary
// submissions that fulfil it, the daily overdue job, and who may do what.
export { checkLetter, type CommitmentLetter, type CommitmentRule } from './letter.js'
export { addMonths, isDate } from './period.js'
export { CommitmentService, DEFAULT_OVERDUE_SCHEDULE, checkOverdueSchedule, OVERDUE_CREDIT_TYPE, type CommitmentDeps, type SweepResult } from './service.js'
