import { CLEARANCES, ROLES, type Clearance, type Role } from '../catalogue/index.js'

// Roles (BRIEF §1, 三员分立): the admin runs the system but is not the security officer, and the auditor
// reads everyone's trail, admins' included. The list lives with the tokens that carry it. 'system' is
// for other systems' tokens only (issue 14 item 11), never an account's role.
export { CLEARANCES, ROLES, type Clearance, type Role }

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s)
export const isClearance = (s: string): s is Clearance => (CLEARANCES as readonly string[]).includes(s)

/** Who is calling, once the bearer token or the session cookie has been checked. */
export interface Principal {
  /** the token's id, or the session's ('ses_…') for a console session */
  readonly tokenId: string
  readonly role: Role
  readonly label: string
  /** 密级 the caller may read (BRIEF §5) */
  readonly clearance: Clearance
  /** the person behind the call; null for a token that belongs to no account (a system, an operator) */
  readonly accountId: string | null
  readonly via: 'token' | 'session'
}

/** The caller as events and approvals name them: the person when there is one, else the token. */
export const actorOf = (p: Principal): string => p.accountId ?? p.tokenId
