import type { Principal, Role } from '../auth/roles.js'
import type { ApprovalKind, ApprovalRequest } from '../catalogue/index.js'

// Who may ask for what, and who decides (issue 15 item 6; BRIEF §1, 三员分立). The one place these
// decisions live, so the access gate can take them over whole. The approver is always a security officer
// (安全保密管理员: "approves exports of classified material", BRIEF §1) and never the requester; the
// admin runs the system but never reads classified content, so never asks to export or aggregate it.

export interface KindRule {
  /** roles that may file a request of this kind */
  requesters: readonly Role[]
  /** roles that may approve or refuse it */
  approvers: readonly Role[]
  /** what the request names: its object type (the objectId is that object's id) */
  objectType: 'package' | 'project' | 'file' | 'policy' | 'person'
  /** carried out when approved (deletion, declassification, policy change), or used later by the requester (export, scope) */
  executesOnApproval: boolean
}

export const KIND_RULES: Readonly<Record<ApprovalKind, KindRule>> = {
  'export-classified': { requesters: ['archivist', 'reader'], approvers: ['security-officer'], objectType: 'package', executesOnApproval: false },
  'delete-package': { requesters: ['archivist', 'admin'], approvers: ['security-officer'], objectType: 'package', executesOnApproval: true },
  declassify: { requesters: ['security-officer', 'archivist'], approvers: ['security-officer'], objectType: 'package', executesOnApproval: true },
  'access-policy-change': { requesters: ['security-officer', 'admin'], approvers: ['security-officer'], objectType: 'policy', executesOnApproval: true },
  'aggregation-scope': { requesters: ['archivist', 'reader', 'security-officer'], approvers: ['security-officer'], objectType: 'person', executesOnApproval: false }
}

/** Every role that may file some request, for the route's role list. */
export const REQUESTER_ROLES: readonly Role[] = [...new Set(Object.values(KIND_RULES).flatMap(r => r.requesters))]

export type Verdict = { ok: true } | { ok: false, code: 'APPROVAL_ROLE' | 'SELF_APPROVAL', why: string, roles?: readonly Role[] }

export function mayRequest (p: Principal, kind: ApprovalKind): Verdict {
  const rule = KIND_RULES[kind]
  return rule.requesters.includes(p.role) ? { ok: true } : { ok: false, code: 'APPROVAL_ROLE', why: `${kind} is asked for by ${rule.requesters.join(' or ')}, not ${p.role}`, roles: rule.requesters }
}

/** A different person, of the approver role. `person` is who the principal is (account, else token). */
export function mayDecide (p: Principal, person: string, request: ApprovalRequest): Verdict {
  if (person === request.requestedBy) return { ok: false, code: 'SELF_APPROVAL', why: `${person} asked for ${request.id}; another person must decide it` }
  const rule = KIND_RULES[request.kind]
  return rule.approvers.includes(p.role) ? { ok: true } : { ok: false, code: 'APPROVAL_ROLE', why: `${request.kind} is decided by ${rule.approvers.join(' or ')}, not ${p.role}`, roles: rule.approvers }
}

/** Officers and auditors see every request; anyone else their own. */
export const seesAll = (p: Principal): boolean => p.role === 'security-officer' || p.role === 'auditor'
