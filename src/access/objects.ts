import type { Principal } from '../auth/roles.js'
import type { AcceptanceApplication, AcceptanceDocument, Catalogue, Package, Submission } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { authorize, type AccessObject } from './gate.js'
import type { Action } from './actions.js'
import { highest, isTier, type Tier } from './labels.js'
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

/** The highest of a record's labels; a label the catalogue holds that is no tier counts as the highest, never as the lowest. */
const highestOf = (labels: readonly string[]): Tier => labels.every(isTier) ? highest(labels) : '机密'

/** Authorizes `object`; a hidden refusal is `missing`, word for word, the error of a record that does not exist. */
function admit (principal: Principal, action: Action, object: AccessObject, missing: () => LantaiError): void {
  const decision = authorize(principal, action, object)
  if (!decision.allowed) throw decision.hide ? missing() : new LantaiError('FORBIDDEN', `${principal.role} may not ${action}`)
}

/**
 * A submission for a caller (issue 15 item 4): it takes its project's and its package's tier, and above
 * the caller's clearance it is the SUBMISSION_NOT_FOUND of an id never issued, for it, its report and
 * the decision on it.
 */
export async function submissionFor (catalogue: Pick<Catalogue, 'submissions'>, principal: Principal, id: string, action: Action): Promise<Submission> {
  const missing = (): LantaiError => new LantaiError('SUBMISSION_NOT_FOUND', id, { id })
  const labels = await catalogue.submissions.tiersOf(id)
  if (labels === null) throw missing()
  admit(principal, action, { kind: 'submission', id, tier: highestOf(labels) }, missing)
  const sub = await catalogue.submissions.get(id, tiersFor(principal))
  if (sub === null) throw missing()
  return sub
}

/** An acceptance application for a caller: it is its project's tier; above the caller's clearance, APPLICATION_NOT_FOUND as for an unknown id. */
export async function applicationFor (catalogue: Pick<Catalogue, 'reviews' | 'projects'>, principal: Principal, id: string, action: Action): Promise<AcceptanceApplication> {
  const missing = (): LantaiError => new LantaiError('APPLICATION_NOT_FOUND', id, { id })
  const application = await catalogue.reviews.getApplication(id, tiersFor(principal))
  if (application === null) throw missing()
  const tier = await catalogue.projects.tierOf(application.projectCode)
  admit(principal, action, { kind: 'application', id, tier: tier === null ? '机密' : highestOf([tier]) }, missing)
  return application
}

/**
 * A rectification notice or acceptance opinion for a caller: it is its submission's tier (the project's
 * and the package's); above the caller's clearance, DOCUMENT_NOT_FOUND as for a number never issued.
 */
export async function documentFor (catalogue: Pick<Catalogue, 'reviews' | 'submissions'>, principal: Principal, number: string, action: Action): Promise<AcceptanceDocument> {
  const missing = (): LantaiError => new LantaiError('DOCUMENT_NOT_FOUND', number, { number })
  const doc = await catalogue.reviews.document(number, tiersFor(principal))
  if (doc === null) throw missing()
  admit(principal, action, { kind: 'document', number, tier: highestOf(await catalogue.submissions.tiersOf(doc.submissionId) ?? ['机密']) }, missing)
  return doc
}
