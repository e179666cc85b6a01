import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import type { FixityService } from '../../fixity/index.js'
import { ProblemResponses } from '../schemas/common.js'

export interface FixityRoutesOptions { catalogue: Catalogue, fixity: FixityService }

export const fixityRoutes: FastifyPluginAsyncTypebox<FixityRoutesOptions> = async (app, { catalogue, fixity }) => {
  app.get('/fixity', {
    config: { roles: ['admin', 'archivist', 'auditor', 'security-officer'] },
    schema: {
      summary: 'Fixity summary: files checked, mismatches, missing files, damaged packages, every damaged file, the policy', tags: ['fixity'],
      response: {
        200: Type.Object({
          contents: Type.Integer({ description: 'stored content files' }),
          checkedLast90Days: Type.Integer(), neverChecked: Type.Integer(), mismatches: Type.Integer(), missing: Type.Integer(),
          damagedPackages: Type.Integer(), oldestCheckAt: Type.Union([Type.String(), Type.Null()]),
          damagedFiles: Type.Array(Type.Object({
            packageId: Type.String(),
            contentPath: Type.String({ description: 'the stored content file (v1/content/…)' }),
            sha512: Type.String({ description: 'what its bytes should digest to' }),
            logicalPaths: Type.Array(Type.String(), { description: 'every logical path, of any version, that names it' }),
            eventId: Type.Integer({ description: 'the package\'s content.damaged event (GET /v1/packages/{id}/events)' }),
            at: Type.String({ description: 'when the damage was found' }),
            outcome: Type.String({ description: 'mismatch | missing' }),
            source: Type.String({ description: 'fixity | download: what found it' })
          }), { description: 'every file known damaged or missing now, until a resubmission repairs it' }),
          policy: Type.Unknown({ description: 'storage-policies/fixity.yaml as loaded' })
        }),
        ...ProblemResponses
      }
    }
  }, async () => await fixity.summary())

  app.post('/fixity/runs', {
    config: { roles: ['admin'] },
    schema: {
      summary: 'Queue a fixity run now: every file, or one package\'s', tags: ['fixity'],
      body: Type.Object({ packageId: Type.Optional(Type.String({ description: 'only this package' })) }),
      response: { 202: Type.Object({ jobId: Type.Union([Type.String(), Type.Null()], { description: 'null when a run for the same scope is already queued or running' }) }), ...ProblemResponses }
    }
  }, async (req, reply) => {
    if (req.body.packageId !== undefined && await catalogue.packages.get(req.body.packageId) === null) throw new LantaiError('PACKAGE_NOT_FOUND', req.body.packageId)
    const job = await fixity.enqueue('all', req.body.packageId)
    return reply.code(202).send({ jobId: job?.id ?? null })
  })
}
