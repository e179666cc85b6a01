import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import type { ReplicationWorker } from '../../replication/index.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { ReplicateResult, TaskQuery, TasksPage } from '../schemas/replication-tasks.js'

// The replication queue as the admin sees it (issue 16 item 4): each copy's progress (files and bytes
// read back and verified on the node), attempts, backoff and last error; and a package put back in the
// queue by hand after a node was fixed.

export interface ReplicationTaskRoutesOptions { catalogue: Catalogue, queue: ReplicationWorker }

const PackageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'the package id (pkg_…)' }) })

export const replicationTaskRoutes: FastifyPluginAsyncTypebox<ReplicationTaskRoutesOptions> = async (app, { catalogue, queue }) => {
  app.get('/replication/tasks', {
    config: { action: 'replication.manage' },
    schema: {
      summary: 'Replication tasks with their progress', tags: ['replication'],
      description: 'One task per package version and node. A copy counts (its replica is `verified`) only after every file was read back from the node and matched the catalogue.',
      querystring: Type.Composite([Page, TaskQuery]), response: { 200: TasksPage, ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset, state, node, package: packageId } = req.query
    const page = await catalogue.replicationTasks.list({ limit, offset, ...(state === undefined ? {} : { state }), ...(node === undefined ? {} : { nodeId: node }), ...(packageId === undefined ? {} : { packageId }) })
    return { ...page, limit, offset }
  })

  app.post('/packages/:id/replicate', {
    config: { action: 'replication.manage', objectParam: 'id' },
    schema: {
      summary: 'Put a package back in the replication queue', tags: ['replication'],
      description: 'Places every version of the package again, queues its failed, held, finished and backing-off tasks now (attempts reset) and any copy newly planned. Files already verified on a node are not copied again.',
      params: PackageParams, response: { 202: ReplicateResult, ...ProblemResponses }
    }
  }, async (req, reply) => await reply.code(202).send(await queue.replicate(req.params.id, req.principal?.tokenId ?? 'system')))
}
