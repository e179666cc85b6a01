import type { AuditTrail } from '../audit/index.js'
import { actorOf, type Principal } from '../auth/roles.js'
import type { Package } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import type { AggregationGuard } from './aggregation.js'
import type { ApprovalEngine } from './approvals.js'
import { rank, type PipelineRead } from './labels.js'

// What must hold before the first byte of an export leaves (issue 15 items 5 and 6). Export of
// classified material is a two-person rule: the caller needs an approved, unexpired export-classified
// request of their own for the package, decided by another person (a security officer, KIND_RULES).
// The pipeline-survey files an export carries count against the aggregation guard like reads. Order:
// the approval is looked for first and used last, so a refusal by the guard leaves it unused, and a
// caller without one adds nothing to their aggregation window. Refusals and exports are audit rows; an
// export's names both persons.

export interface ExportGateDeps {
  audit: AuditTrail
  /** absent: no approval can exist, so nothing classified leaves */
  approvals?: ApprovalEngine
  /** absent: no caps are kept */
  guard?: AggregationGuard
}

export interface ExportRequest {
  version: number
  files: number
  bytes: number
  /** the pipeline-survey files the export carries */
  pipeline: readonly PipelineRead[]
  requestId?: string | null
}

export interface ExportGrant {
  /** the export-classified request used, with both persons; null for a package of 非密 */
  approval: { id: string, requestedBy: string, approvedBy: string | null } | null
}

export class ExportGate {
  constructor (private readonly deps: ExportGateDeps) {}

  /** Allows the export (and records it) or throws EXPORT_APPROVAL_REQUIRED or AGGREGATION_CAP_EXCEEDED (both 403). */
  async admit (principal: Principal, pkg: Package, request: ExportRequest): Promise<ExportGrant> {
    const { audit, approvals, guard } = this.deps
    const person = actorOf(principal)
    const classified = rank(pkg.tier) > 0
    const row = (outcome: string, detail: Record<string, unknown>): Parameters<AuditTrail['record']>[0] => ({
      actor: { id: person, role: principal.role, label: principal.label }, action: 'package.export', objectType: 'package', objectId: pkg.id,
      tier: pkg.tier, outcome, requestId: request.requestId ?? null, detail: { version: request.version, files: request.files, bytes: request.bytes, ...detail }
    })
    if (classified && await approvals?.approved(principal, 'export-classified', pkg.id) == null) {
      const why = `${pkg.id} is ${pkg.tier}: exporting classified material is a two-person rule; ${person} needs an export-classified request for it approved by a security officer (POST /v1/approvals)`
      await audit.record(row('refused', { rule: 'two-person', kind: 'export-classified', why }))
      throw new LantaiError('EXPORT_APPROVAL_REQUIRED', why, { rule: 'two-person', kind: 'export-classified', packageId: pkg.id, tier: pkg.tier })
    }
    await guard?.enforce(principal, request.pipeline, 'export', { requestId: request.requestId })
    let approval: ExportGrant['approval'] = null
    if (classified && approvals !== undefined) {
      const used = await approvals.use(principal, 'export-classified', pkg.id, { version: request.version, files: request.files, bytes: request.bytes })
      approval = { id: used.id, requestedBy: used.requestedBy, approvedBy: used.decidedBy }
    }
    await audit.record(row('success', approval === null ? {} : { request: approval.id, requestedBy: approval.requestedBy, approvedBy: approval.approvedBy }))
    return { approval }
  }
}
