import type { Clearance, Principal, Role } from '../auth/roles.js'
import type { CredentialRequest } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { actorOf } from '../auth/roles.js'

// Separation of duties (三员分立, issue 15 item 3). The one place that decides what a caller may hand
// out: nobody grants a role outside their duty or a clearance above their own, and the security officer's
// and the auditor's credentials are made, changed and revoked only through a request another security
// officer approves. Before this, an admin refused the access log could mint an auditor token and read it,
// and could revoke the auditor's token; both now need an officer's approval.

const RANK: Readonly<Record<Clearance, number>> = { 非密: 0, 秘密: 1, 机密: 2 }

export const clearanceAtMost = (c: Clearance, limit: Clearance): boolean => RANK[c] <= RANK[limit]

/** Roles whose credentials change only through an approved credential request. */
export const GUARDED_ROLES: readonly Role[] = ['security-officer', 'auditor']

/** What each role may hand out directly: the admin runs accounts; the officer sets clearances instead. */
const GRANTS: Readonly<Record<Role, readonly Role[]>> = {
  admin: ['admin', 'archivist', 'reader', 'system'],
  'security-officer': [],
  auditor: [],
  archivist: [],
  reader: [],
  system: []
}

/**
 * The clearance a new credential of this role gets unless asked otherwise: the officer labels and
 * approves classified material, so it sees it; everyone else starts at 非密 until an officer raises it.
 */
export const naturalClearance = (role: Role): Clearance => role === 'security-officer' ? '机密' : '非密'

/** The highest clearance a role may hold: the admin and the auditor never read classified content (BRIEF §1). */
export const ceilingOf = (role: Role): Clearance => role === 'admin' || role === 'auditor' ? '非密' : '机密'

export type Decision = { allowed: true } | { allowed: false, code: 'DUTY_FORBIDDEN' | 'APPROVAL_REQUIRED', reason: string }

const allow: Decision = { allowed: true }
const deny = (code: 'DUTY_FORBIDDEN' | 'APPROVAL_REQUIRED', reason: string): Decision => ({ allowed: false, code, reason })

/** May this caller create a credential (account or token) of this role and clearance? */
export function mayGrant (principal: Principal, role: Role, clearance: Clearance): Decision {
  if (GUARDED_ROLES.includes(role)) {
    return GRANTS[principal.role].length > 0 || principal.role === 'security-officer'
      ? deny('APPROVAL_REQUIRED', `a ${role} credential needs a credential request a security officer approves`)
      : deny('DUTY_FORBIDDEN', `role ${principal.role} grants no credentials`)
  }
  if (!GRANTS[principal.role].includes(role)) return deny('DUTY_FORBIDDEN', `role ${principal.role} may not grant role ${role}`)
  if (!clearanceAtMost(clearance, principal.clearance)) return deny('DUTY_FORBIDDEN', `clearance ${clearance} is above the caller's ${principal.clearance}`)
  if (!clearanceAtMost(clearance, ceilingOf(role))) return deny('DUTY_FORBIDDEN', `role ${role} holds at most ${ceilingOf(role)}`)
  return allow
}

/** May this caller revoke, disable or reset a credential of this role (a token, an account, a password)? */
export function mayRevoke (principal: Principal, role: Role): Decision {
  if (GUARDED_ROLES.includes(role)) return deny('APPROVAL_REQUIRED', `a ${role} credential is revoked or changed only through a credential request a security officer approves`)
  if (!GRANTS[principal.role].includes(role)) return deny('DUTY_FORBIDDEN', `role ${principal.role} may not revoke or change a ${role} credential`)
  return allow
}

/** Clearances are the security officer's duty: up to their own, up to the role's ceiling, and not for the guarded roles. */
export function maySetClearance (principal: Principal, role: Role, clearance: Clearance): Decision {
  if (principal.role !== 'security-officer') return deny('DUTY_FORBIDDEN', 'only a security officer sets clearances')
  if (GUARDED_ROLES.includes(role)) return deny('APPROVAL_REQUIRED', `a ${role}'s clearance changes only through an approved credential request`)
  if (!clearanceAtMost(clearance, principal.clearance)) return deny('DUTY_FORBIDDEN', `clearance ${clearance} is above the caller's ${principal.clearance}`)
  if (!clearanceAtMost(clearance, ceilingOf(role))) return deny('DUTY_FORBIDDEN', `role ${role} holds at most ${ceilingOf(role)}`)
  return allow
}

/** The admin asks for officer and auditor credentials; an officer may too (another officer approves). */
export function mayRequest (principal: Principal): Decision {
  return principal.role === 'admin' || principal.role === 'security-officer' ? allow : deny('DUTY_FORBIDDEN', `role ${principal.role} may not request credentials`)
}

/**
 * A security officer approves, never their own request nor one about themselves, and never a clearance
 * above their own. Throws DUTY_FORBIDDEN or SELF_APPROVAL.
 */
export function assertMayDecide (principal: Principal, request: CredentialRequest, targetAccountId: string | null): void {
  assertAllowed(principal.role === 'security-officer' ? allow : deny('DUTY_FORBIDDEN', 'only a security officer decides credential requests'))
  const me = actorOf(principal)
  if (me === request.requestedBy || principal.tokenId === request.requestedBy || (targetAccountId !== null && me === targetAccountId)) {
    throw new LantaiError('SELF_APPROVAL', `${me} asked for ${request.id} or is its subject`, { id: request.id, approver: me, requestedBy: request.requestedBy })
  }
  const clearance = request.detail.clearance
  if (typeof clearance === 'string' && clearance in RANK && !clearanceAtMost(clearance as Clearance, principal.clearance)) {
    assertAllowed(deny('DUTY_FORBIDDEN', `clearance ${clearance} is above the approver's ${principal.clearance}`))
  }
}

/** Throws the decision's code when it refuses. */
export function assertAllowed (d: Decision): void {
  if (!d.allowed) throw new LantaiError(d.code, d.reason, { reason: d.reason })
}
