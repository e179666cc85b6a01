// The public face of credit (失信行为记录, issue 14 item 10): records, appeals and corrections, the CSV
// export and the evaluation of a unit (docs/credit.md).
export { CreditService, type CorrectionOutcome } from './service.js'
export { creditCsv } from './csv.js'
export { evaluateUnit, PENALTY, WINDOW_DAYS, type CreditGrade, type UnitEvaluation } from './evaluation.js'
