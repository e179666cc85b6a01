import type { FileVerification, SignatureReport } from './report.js'

// The paper decision per file (notice clause 五; research-seals.md §6, rules R0–R6). Paper is waived only
// when the file is born digital, in an archival format, and carries a seal or signature that verified
// completely over the final document — never on a seal Lantai could not verify.

export type PaperOutcome = 'paper_waived' | 'dual_set' | 'paper_required'

export interface PaperDecision {
  outcome: PaperOutcome
  /** The rule that decided: R0 origin, R1 waiver, R3 failure, R4 indeterminate, R5 unsigned. */
  rule: 'R0' | 'R1' | 'R3' | 'R4' | 'R5'
  reason: string
  /** R4: to be re-run when trust or revocation data arrives; the outcome may still become paper_waived. */
  provisional: boolean
  /** R3: a signature failed — the file may have been changed after signing. */
  integrityAlert: boolean
}

export interface DecisionInput {
  verification: FileVerification
  /** What the submitter declared, when it did (metadata: 数字化 / scanned). */
  declaredOrigin?: 'born-digital' | 'digitized'
  /** PDF/A or OFD: formats the center accepts for single-set (单套制) archiving. */
  archivalFormat: boolean
}

// A document timestamp proves when the bytes existed, not who sealed them: it never waives paper alone.
const passedWhole = (s: SignatureReport): boolean => s.indication === 'TOTAL_PASSED' && s.scope.wholeDocument && s.documentTimestamp !== true

export function decidePaper (input: DecisionInput): PaperDecision {
  const { verification: v } = input
  const failed = v.signatures.filter(s => s.indication === 'TOTAL_FAILED')
  const alert = failed.length > 0
  const failedText = failed.map(s => `${s.id}: ${s.subIndication ?? 'failed'}`).join('; ')

  // R0: origin first. A signature made when a scan was taken proves the scan, not a born-digital record.
  const digitized = input.declaredOrigin === 'digitized' || (input.declaredOrigin === undefined && v.originHints.length > 0)
  if (digitized) {
    const why = input.declaredOrigin === 'digitized' ? 'declared as digitized (数字化副本)' : `looks scanned: ${v.originHints.join('; ')}`
    return { outcome: 'dual_set', rule: 'R0', reason: `${why}; scans of paper are kept with their paper originals (双套制)${alert ? `; and a signature failed: ${failedText}` : ''}`, provisional: false, integrityAlert: alert }
  }
  // R3: any failed signature. The electronic copy cannot stand as the record; the paper original must.
  if (alert) {
    return { outcome: 'paper_required', rule: 'R3', reason: `a signature failed verification (${failedText}); the file may have been changed after signing`, provisional: false, integrityAlert: true }
  }
  if (v.signatures.every(s => s.documentTimestamp === true)) {
    return { outcome: 'dual_set', rule: 'R5', reason: v.signatures.length === 0 ? 'no electronic seal or signature; the paper original is kept with the file (双套制)' : 'only a document timestamp, no seal or signature; the paper original is kept with the file (双套制)', provisional: false, integrityAlert: false }
  }
  // R1: waived only with a complete pass over the final document in an archival format.
  const whole = v.signatures.find(passedWhole)
  if (whole !== undefined && input.archivalFormat) {
    return { outcome: 'paper_waived', rule: 'R1', reason: `${whole.kind} ${whole.id} (${whole.format}) verified TOTAL_PASSED over the whole document${whole.signer === null ? '' : `, signed by ${whole.signer.subject}`}; electronic only (单套制)`, provisional: false, integrityAlert: false }
  }
  const indeterminate = v.signatures.filter(s => s.indication === 'INDETERMINATE')
  if (indeterminate.length > 0) {
    const text = indeterminate.map(s => `${s.id}: ${s.subIndication ?? 'indeterminate'}`).join('; ')
    return { outcome: 'dual_set', rule: 'R4', reason: `the seal could not be verified yet (${text}); provisional until trust or revocation data arrives`, provisional: true, integrityAlert: false }
  }
  // Passed, but not over the whole final document, or not in an archival format.
  const why = whole === undefined
    ? 'the verified signatures do not cover the final document (changes after signing)'
    : 'the file is not in an archival format (PDF/A or OFD)'
  return { outcome: 'dual_set', rule: 'R5', reason: `${why}; the paper original is kept with the file (双套制)`, provisional: false, integrityAlert: false }
}
