import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { ReplicationService } from '../../replication/index.js'
import { Page, Problem, ProblemResponses } from '../schemas/common.js'
import { NodeBody, NodePatchBody, NodeView, ViolationsPage } from '../schemas/replication.js'

// The admin's window on where copies go (issue 16 items 2-3): the node registry with each node's
// health, usage and lag, and every package version out of placement policy with why.

export interface ReplicationRoutesOptions { replication: ReplicationService }

const Id = Type.Object({ id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'the node' }) })
const Refused = { 409: Type.Ref(Problem), 422: Type.Ref(Problem) }

export const replicationRoutes: FastifyPluginAsyncTypebox<ReplicationRoutesOptions> = async (app, { replication }) => {
  app.get('/nodes', {
    config: { action: 'replication.manage' },
    schema: { summary: 'Storage nodes with health (probed now), usage and lag', tags: ['replication'], response: { 200: Type.Array(NodeView), ...ProblemResponses } }
  }, async () => await replication.nodes())

  app.get('/nodes/:id', {
    config: { action: 'replication.manage', objectParam: 'id' },
    schema: { summary: 'One storage node', tags: ['replication'], params: Id, response: { 200: NodeView, ...ProblemResponses } }
  }, async req => await replication.node(req.params.id))

  app.post('/nodes', {
    config: { action: 'replication.manage' },
    schema: {
      summary: 'Register a storage node', tags: ['replication'],
      description: 'Keys are never sent: `credentials` names the LANTAI_* variables holding them on the Lantai host, which must be set. An active node must answer its probe. Placement re-runs.',
      body: NodeBody, response: { 201: NodeView, ...Refused, ...ProblemResponses }
    }
  }, async (req, reply) => await reply.code(201).send(await replication.register(req.body, req.principal?.tokenId ?? 'system')))

  app.patch('/nodes/:id', {
    config: { action: 'replication.manage', objectParam: 'id' },
    schema: {
      summary: 'Change a node: its state (active, draining, lost), or the settings of a node made here', tags: ['replication'],
      description: 'Every change is an event (node.changed, node.active, node.draining, node.lost). Placement re-runs.',
      params: Id, body: NodePatchBody, response: { 200: NodeView, ...Refused, ...ProblemResponses }
    }
  }, async req => await replication.change(req.params.id, req.body, req.principal?.tokenId ?? 'system'))

  app.get('/placement/violations', {
    config: { action: 'replication.manage' },
    schema: {
      summary: 'Every package version whose verified copies do not satisfy its tier\'s placement rule, with why', tags: ['replication'],
      querystring: Page, response: { 200: ViolationsPage, ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset } = req.query
    const [page, rules] = await Promise.all([replication.violations({ limit, offset }), replication.ruleProblems()])
    return { ...page, limit, offset, rules }
  })
}
