import { findingKey, type AcceptanceFinding, type FindingSource } from './report.js'
import type { ArchivistItem } from '../catalogue/index.js'

// Everything the automatic checks found in one submission, as AcceptanceFindings: the raw list the
// rectification notice prints (notice (六): every defect, once) and a resubmission is compared by `key`.
// Read from the submission's stored report, so a decision taken after a restart sees what check() saw.

interface ReportFinding { code: string, severity: 'error' | 'warning', path?: string | null, message: string, messageZh?: string, expected?: unknown, actual?: unknown, algorithm?: string }
interface SealFile { path: string, decision: { rule: string, reason: string, provisional: boolean, integrityAlert: boolean, outcome: string } }
/** The parts of a submission report this module reads (BagReportJson + seals + H5's acceptance report). */
export interface ReviewableReport {
  valid?: boolean
  errors?: ReportFinding[]
  warnings?: ReportFinding[]
  seals?: { files?: SealFile[] }
  acceptance?: { findings?: AcceptanceFinding[] }
}

const finding = (source: FindingSource, f: Omit<AcceptanceFinding, 'key' | 'source'>): AcceptanceFinding =>
  ({ ...f, source, key: findingKey({ source, code: f.code, path: f.path }) })

const fromBagit = (f: ReportFinding): AcceptanceFinding => finding('bagit', {
  code: f.code,
  severity: f.severity,
  ...(f.path === null || f.path === undefined ? {} : { path: f.path }),
  message: f.message,
  messageZh: f.messageZh ?? f.message,
  ...(f.expected === undefined && f.actual === undefined ? {} : { evidence: { ...(f.algorithm === undefined ? {} : { algorithm: f.algorithm }), expected: f.expected, actual: f.actual } })
})

/** A seal decision that needs attention: a failed signature (R3) is an error, a provisional one (R4) a warning. */
function fromSeal (f: SealFile): AcceptanceFinding[] {
  if (f.decision.integrityAlert) {
    return [finding('seals', { code: 'SEAL_INTEGRITY_ALERT', severity: 'error', path: f.path, message: f.decision.reason, messageZh: `电子签章验证失败，文件可能在签章后被修改（${f.decision.rule}）`, evidence: { rule: f.decision.rule, outcome: f.decision.outcome } })]
  }
  if (f.decision.provisional) {
    return [finding('seals', { code: 'SEAL_PROVISIONAL', severity: 'warning', path: f.path, message: f.decision.reason, messageZh: `电子签章暂无法验证，须保留纸质原件（${f.decision.rule}）`, evidence: { rule: f.decision.rule, outcome: f.decision.outcome } })]
  }
  return []
}

export function automaticFindings (report: unknown): AcceptanceFinding[] {
  const r = (report ?? {}) as ReviewableReport
  // The acceptance checks already carry the BagIt findings and the seal decisions, placed at their file
  // and its unit: take them whole, or the notice would list each of those twice.
  if (r.acceptance?.findings !== undefined) return [...r.acceptance.findings]
  return [
    ...(r.errors ?? []).map(fromBagit),
    ...(r.warnings ?? []).map(fromBagit),
    ...(r.seals?.files ?? []).flatMap(fromSeal)
  ]
}

/** The archivist's own items as findings of source 'archivist' (each an error: it must be put right). */
export const archivistFindings = (items: readonly ArchivistItem[]): AcceptanceFinding[] => items.map((item, i) => finding('archivist', {
  code: 'ARCHIVIST_ITEM',
  severity: 'error',
  ...(item.path === undefined ? {} : { path: item.path }),
  message: item.message,
  messageZh: item.messageZh ?? item.message,
  evidence: { item: i + 1 }
})).map(f => ({ ...f, key: findingKey({ source: 'archivist', code: f.code, path: f.path, item: f.message }) }))

/**
 * Whether the bytes are as the manifests say: BagIt found no error but the center's profile's
 * (BAG_PROFILE_…, which an override may pass). Any other BagIt error means the package can never be accepted.
 */
export function bagValid (report: unknown): boolean {
  const r = report as ReviewableReport | null
  if (r === null || typeof r.valid !== 'boolean') return false
  return r.valid || (r.errors ?? []).every(e => e.code.startsWith('BAG_PROFILE_'))
}
