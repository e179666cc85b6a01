import type { Catalogue } from '../catalogue/index.js'
import type { ApprovalEngine } from './approvals.js'
import { applyPolicyChanges, checkedPolicy, policyChangeOf, type PolicyInForce } from './policy-change.js'

// Changing the access policy (issue 15 item 6) is a two-person change: an access-policy-change request
// names a section of approvals.yaml (objectId "aggregation" or "requests") and its new values
// (parameters, src/access/policy-change.ts); a security officer other than the requester approves it,
// and the approval carries it out here: the executed request, an access-policy.changed event and an
// audit row naming both persons commit together, and the guard and the engine read it at their next
// decision. The result is checked when the request is filed and again at approval, since another
// change may have landed in between.

export interface PolicyChangeDeps { catalogue: Catalogue, inForce: PolicyInForce }

/** Plugs access-policy changes into the engine. */
export function registerPolicyChange (engine: ApprovalEngine, { catalogue, inForce }: PolicyChangeDeps): void {
  const outcome = async (section: string, parameters: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const change = policyChangeOf(section, parameters)
    const before = await inForce.current()
    const after = checkedPolicy(applyPolicyChanges(before, [change]))
    return { section: change.section, change: change.change, from: before[change.section], to: after[change.section] }
  }
  engine.registerExecutor('access-policy-change', async (request, ctx) => {
    const result = await outcome(request.objectId, request.parameters)
    return await catalogue.approvals.changePolicy(request.id, ctx.agent, ctx.role, result, ctx.note)
  }, {
    // stored normalised, so the policy in force is rebuilt from the requests as they were checked
    parameters: (parameters, _principal, objectId) => policyChangeOf(objectId, parameters).change,
    precheck: async request => { await outcome(request.objectId, request.parameters) }
  })
}
