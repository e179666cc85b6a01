import type { Catalogue } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import type { ApprovalEngine } from './approvals.js'
import { isTier, rank, type Tier } from './labels.js'

// Declassification (解密, issue 15 items 2 and 6) is a two-person change: a `declassify` request names the
// package and the lower tier (`parameters.tier`), and a security officer other than the requester approves
// it. The approval carries it out here, with both names in the package.label.lowered event. The checks
// run when the request is filed and again at approval, because the label may have moved in between.

export interface DeclassifyDeps { catalogue: Catalogue }

const tierOf = (parameters: Record<string, unknown>): Tier => {
  const tier = parameters.tier
  if (typeof tier !== 'string' || !isTier(tier)) throw new LantaiError('APPROVAL_INVALID', 'a declassify request names parameters.tier: 非密 or 秘密', { field: 'parameters.tier' })
  return tier
}

async function lowerable (catalogue: Catalogue, packageId: string, to: Tier): Promise<void> {
  const pkg = await catalogue.packages.get(packageId)
  if (pkg === null) throw new LantaiError('PACKAGE_NOT_FOUND', packageId, { id: packageId })
  if (rank(to) >= rank(pkg.tier)) throw new LantaiError('ACCESS_LABEL_NOT_HIGHER', `${packageId} is ${pkg.tier}; declassifying means a lower tier than that, not ${to}`)
}

/** Plugs declassification into the engine. */
export function registerDeclassify (engine: ApprovalEngine, { catalogue }: DeclassifyDeps): void {
  engine.registerExecutor('declassify', async (request, ctx) => {
    const to = tierOf(request.parameters)
    await lowerable(catalogue, request.objectId, to)
    const approval = { id: request.id, requestedBy: request.requestedBy, approvedBy: request.decidedBy ?? ctx.agent }
    const { from } = await catalogue.packages.setTier(request.objectId, { tier: to, agent: ctx.agent, reason: request.reason, approval })
    return await ctx.complete({ packageId: request.objectId, from, to })
  }, {
    parameters: parameters => ({ tier: tierOf(parameters) }),
    precheck: async request => { await lowerable(catalogue, request.objectId, tierOf(request.parameters)) }
  })
}
