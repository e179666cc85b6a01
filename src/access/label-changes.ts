import type { Principal } from '../auth/roles.js'
import { actorOf } from '../auth/roles.js'
import type { Catalogue, Package } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { authorize } from './gate.js'
import { rank, type Tier } from './labels.js'
import { packageFor } from './objects.js'

// Changing a package's label (issue 15 item 2). Raising is immediate: the security officer's word is
// enough, and the package disappears at once for callers below the new tier. Lowering is
// declassification (解密), which needs two people (item 6): it takes an approved request, and refuses
// without one. The two-person request engine (src/access/approvals*) supplies the approval; until it is
// wired the route answers 409 "needs an approved request". Each change is one event, in the same
// transaction (package.label.raised / package.label.lowered).

/** An approved two-person request to lower this package's label, as the approvals engine records it. */
export interface DeclassifyApproval {
  id: string
  /** the action approved: declassification of this package to this tier */
  action: 'declassify'
  packageId: string
  tier: Tier
  requestedBy: string
  approvedBy: string
  state: 'approved'
}

async function visiblePackage (catalogue: Catalogue, principal: Principal, id: string, action: 'package.label.raise' | 'package.label.lower', to: Tier): Promise<Package> {
  const pkg = await packageFor(catalogue, principal, id, action)
  // no one labels above what they may read themselves (no one hands out more than they hold)
  if (!authorize(principal, action, { kind: 'package', id, tier: to }).allowed) throw new LantaiError('DUTY_FORBIDDEN', `${to} is above the caller's clearance ${principal.clearance}`)
  return pkg
}

export async function raiseLabel (catalogue: Catalogue, principal: Principal, packageId: string, to: Tier, reason: string): Promise<Package> {
  const pkg = await visiblePackage(catalogue, principal, packageId, 'package.label.raise', to)
  if (rank(to) <= rank(pkg.tier)) throw new LantaiError('ACCESS_LABEL_NOT_HIGHER', `${packageId} is ${pkg.tier}; ${to} is not higher`)
  return (await catalogue.packages.setTier(packageId, { tier: to, agent: actorOf(principal), reason })).package
}

/** Lowers a label, only with an approval of exactly this change by a second person; ACCESS_DECLASSIFY_UNAPPROVED otherwise. */
export async function declassify (catalogue: Catalogue, principal: Principal, packageId: string, to: Tier, reason: string, approval: DeclassifyApproval | null): Promise<Package> {
  const pkg = await visiblePackage(catalogue, principal, packageId, 'package.label.lower', to)
  if (rank(to) >= rank(pkg.tier)) throw new LantaiError('ACCESS_LABEL_NOT_HIGHER', `${packageId} is ${pkg.tier}; declassifying means a lower tier than that, not ${to}`)
  if (approval === null) throw new LantaiError('ACCESS_DECLASSIFY_UNAPPROVED', `${packageId} ${pkg.tier} → ${to}`)
  if (approval.state !== 'approved' || approval.action !== 'declassify' || approval.packageId !== packageId || approval.tier !== to) {
    throw new LantaiError('ACCESS_DECLASSIFY_UNAPPROVED', `request ${approval.id} does not approve ${packageId} → ${to}`)
  }
  if (approval.requestedBy === approval.approvedBy) throw new LantaiError('SELF_APPROVAL', `request ${approval.id}`)
  return (await catalogue.packages.setTier(packageId, { tier: to, agent: actorOf(principal), reason, approval: { id: approval.id, requestedBy: approval.requestedBy, approvedBy: approval.approvedBy } })).package
}
