import type { Principal } from '../auth/roles.js'
import type { Catalogue, Package } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { authorize } from './gate.js'
import type { Action } from './actions.js'
import { tiersFor } from './visibility.js'

// Loading an object for a caller is the gate's second check (issue 15 item 1): the object is read with
// the caller's visible tiers and then authorized with its label. Above the caller's clearance it is the
// same PACKAGE_NOT_FOUND, word for word, as a package that does not exist (item 4).

export async function packageFor (catalogue: Pick<Catalogue, 'packages'>, principal: Principal, id: string, action: Action): Promise<Package> {
  const pkg = await catalogue.packages.get(id, tiersFor(principal))
  if (pkg === null) throw new LantaiError('PACKAGE_NOT_FOUND', id)
  const decision = authorize(principal, action, { kind: 'package', id, tier: pkg.tier })
  if (!decision.allowed) throw decision.hide ? new LantaiError('PACKAGE_NOT_FOUND', id) : new LantaiError('FORBIDDEN', `${principal.role} may not ${action}`)
  return pkg
}

/**
 * The gate's second check for a project (issue 15 item 4): a project above the caller's clearance is the
 * same PROJECT_NOT_FOUND as one that was never registered, for its record, notice and changes alike.
 */
export async function projectFor (catalogue: Pick<Catalogue, 'projects'>, principal: Principal, code: string, action: Action): Promise<void> {
  const tier = await catalogue.projects.tierOf(code)
  if (tier === null) throw new LantaiError('PROJECT_NOT_FOUND', code, { code })
  const decision = authorize(principal, action, { kind: 'project', code, tier })
  if (!decision.allowed) throw decision.hide ? new LantaiError('PROJECT_NOT_FOUND', code, { code }) : new LantaiError('FORBIDDEN', `${principal.role} may not ${action}`)
}
