import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { AggregationGuard, ApprovalEngine } from '../../access/index.js'
import { Problem, ProblemResponses } from '../schemas/common.js'
import { ApprovalKind, ApprovalState, ApprovalView, Decision, NewApproval, UsageView } from '../schemas/approvals.js'
import { principal } from './accounts.js'

// Two-person requests and the aggregation usage (issue 15 items 5, 6; docs/approvals.md): a thin shell
// over src/access; who may ask and decide each kind is src/access/approvals-rules.ts's to say.

export interface ApprovalRoutesOptions { approvals: ApprovalEngine, guard: AggregationGuard }

const Id = Type.Object({ id: Type.String({ maxLength: 64, description: "the request's id ('apr_…')" }) })
const Conflict = { 409: Type.Ref(Problem) }

export const approvalRoutes: FastifyPluginAsyncTypebox<ApprovalRoutesOptions> = async (app, { approvals, guard }) => {
  app.post('/approvals', {
    config: { action: 'approval.create' },
    schema: {
      summary: 'Ask for something only two people may do: export classified material, delete a package, declassify, change the access policy, lift the aggregation cap',
      tags: ['approvals'], body: NewApproval, response: { 201: ApprovalView, ...Conflict, ...ProblemResponses }
    }
  }, async (req, reply) => reply.code(201).send(await approvals.request(principal(req.principal), req.body)))

  app.get('/approvals', {
    config: { action: 'approval.read' },
    schema: {
      summary: 'Requests, newest first: every one for security officers and auditors, one\'s own for anyone else', tags: ['approvals'],
      querystring: Type.Object({ state: Type.Optional(ApprovalState), kind: Type.Optional(ApprovalKind) }),
      response: { 200: Type.Array(ApprovalView), ...ProblemResponses }
    }
  }, async req => await approvals.list(principal(req.principal), req.query))

  app.get('/approvals/:id', {
    config: { action: 'approval.read', objectParam: 'id' },
    schema: { summary: 'One request', tags: ['approvals'], params: Id, response: { 200: ApprovalView, ...ProblemResponses } }
  }, async req => await approvals.get(principal(req.principal), req.params.id))

  app.post('/approvals/:id/approve', {
    config: { action: 'approval.decide', objectParam: 'id' },
    schema: {
      summary: 'Approve (another person than the requester, of the kind\'s approver role); a deletion, declassification or policy change is carried out now',
      tags: ['approvals'], params: Id, body: Decision, response: { 200: ApprovalView, ...Conflict, ...ProblemResponses }
    }
  }, async req => await approvals.approve(principal(req.principal), req.params.id, req.body?.reason ?? null))

  app.post('/approvals/:id/refuse', {
    config: { action: 'approval.decide', objectParam: 'id' },
    schema: { summary: 'Refuse (another person than the requester)', tags: ['approvals'], params: Id, body: Decision, response: { 200: ApprovalView, ...Conflict, ...ProblemResponses } }
  }, async req => await approvals.refuse(principal(req.principal), req.params.id, req.body?.reason ?? null))

  app.post('/approvals/:id/cancel', {
    config: { action: 'approval.cancel', objectParam: 'id' },
    schema: { summary: 'Withdraw one\'s own request before it is carried out', tags: ['approvals'], params: Id, response: { 200: ApprovalView, ...Conflict, ...ProblemResponses } }
  }, async req => await approvals.cancel(principal(req.principal), req.params.id))

  app.post('/approvals/:id/execute', {
    config: { action: 'approval.decide', objectParam: 'id' },
    schema: { summary: 'Carry out an approved request again after its execution failed (pending work has ended)', tags: ['approvals'], params: Id, response: { 200: ApprovalView, ...Conflict, ...ProblemResponses } }
  }, async req => await approvals.execute(principal(req.principal), req.params.id))

  app.get('/aggregation/usage', {
    config: { action: 'aggregation.usage' },
    schema: {
      summary: 'Pipeline-survey data read, searched or exported in the current window: one\'s own; security officers and auditors see everyone\'s', tags: ['approvals'],
      querystring: Type.Object({ person: Type.Optional(Type.String({ maxLength: 64, description: 'one person (officers and auditors only)' })) }),
      response: { 200: UsageView, ...ProblemResponses }
    }
  }, async req => {
    const { since, people } = await guard.usageFor(principal(req.principal), req.query.person)
    const { windowHours, caps } = await guard.settings()
    return { windowHours, since, caps, people }
  })
}
