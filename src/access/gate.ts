import type { Principal, Role } from '../auth/roles.js'
import { ACTIONS, isAction, type Action } from './actions.js'
import { clears, type Tier } from './labels.js'

// The one access decision (issue 15 item 1): every read and change of a project, package, file, report,
// notice or event is decided here, once at the route (who may call it at all) and again with the loaded
// object (may this caller see this object). Routes and CLI commands act on the answer; none decide.

/** What is being touched: nothing yet (the route-level check), or an object with its label. */
export type AccessObject =
  | { kind: 'route' }
  | { kind: 'project', code: string, tier: Tier }
  | { kind: 'package', id: string, tier: Tier }
  | { kind: 'file', packageId: string, path: string, tier: Tier }
  /** records without a label of their own take the highest of their project's and package's */
  | { kind: 'submission', id: string, tier: Tier }
  | { kind: 'application', id: string, tier: Tier }
  | { kind: 'document', number: string, tier: Tier }

export type RefusalReason =
  /** the action is not one of the table's (a route declaring an unknown action never starts) */
  | 'ACTION_UNKNOWN'
  /** the caller's role is not in the action's row */
  | 'ROLE_NOT_ALLOWED'
  /** the object's tier is above the caller's clearance: answered as if it did not exist */
  | 'ABOVE_CLEARANCE'
  /** a route still declaring `roles` (merging) whose list does not hold the caller's role */
  | 'ROUTE_ROLE_NOT_ALLOWED'

export type Decision =
  | { readonly allowed: true, readonly action: string }
  | { readonly allowed: false, readonly action: string, readonly reason: RefusalReason, /** refusals of this reason must look like a missing object */ readonly hide: boolean }

export function authorize (principal: Principal, action: Action | string, object: AccessObject = { kind: 'route' }): Decision {
  if (!isAction(action)) return { allowed: false, action, reason: 'ACTION_UNKNOWN', hide: false }
  const rule = ACTIONS[action]
  if (!(rule.roles as readonly Role[]).includes(principal.role)) return { allowed: false, action, reason: 'ROLE_NOT_ALLOWED', hide: false }
  if (object.kind !== 'route' && !clears(principal.clearance, object.tier)) return { allowed: false, action, reason: 'ABOVE_CLEARANCE', hide: true }
  return { allowed: true, action }
}

/**
 * Routes other work added this session still declare `config: { roles }`; until the integrator gives each
 * an action (docs/access.md, "moving a route onto the gate"), the gate decides them from that list, so
 * they still pass through here and carry the gate's mark.
 */
export function authorizeRoles (principal: Principal, route: string, roles: readonly Role[]): Decision {
  return roles.includes(principal.role) ? { allowed: true, action: route } : { allowed: false, action: route, reason: 'ROUTE_ROLE_NOT_ALLOWED', hide: false }
}
