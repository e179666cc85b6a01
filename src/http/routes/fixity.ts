import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { tiersFor } from '../../access/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import type { FixityService } from '../../fixity/index.js'
import { callerOf } from '../plugins/auth.js'
import { ProblemResponses } from '../schemas/common.js'

export interface FixityRoutesOptions { catalogue: Catalogue, fixity: FixityService }

export const fixityRoutes: FastifyPluginAsyncTypebox<FixityRoutesOptions> = async (app, { catalogue, fixity }) => {
  app.get('/fixity', {
    config: { action: 'report.fixity' },
    schema: {
      summary: 'Fixity summary: files checked, mismatches, missing files, damaged packages, every damaged file, the policy, the last round and the one going on', tags: ['fixity'],
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
          policy: Type.Unknown({ description: 'storage-policies/fixity.yaml as loaded' }),
          lastRound: Type.Union([Type.Object({
            round: Type.String({ description: 'the round\'s name: its job id, or the id a CLI run gave it' }),
            eventId: Type.Integer({ description: 'its fixity.round summary event (GET /v1/events?type=fixity.round)' }),
            startedAt: Type.String(), finishedAt: Type.String(),
            mode: Type.String({ description: 'all: every file (of one package); due: a scheduled batch of overdue files' }),
            packageId: Type.Union([Type.String(), Type.Null()], { description: 'the one package checked, or null for the whole store' }),
            algorithm: Type.String({ description: 'the digest compared (the policy\'s, sha512 by default), or all: every digest kept' }),
            state: Type.String({ description: 'finished: every file in scope checked; stopped: a shutdown, a stop signal or the batch limit ended it first' }),
            checked: Type.Integer(), bytes: Type.Integer(), ok: Type.Integer(), mismatches: Type.Integer(), missing: Type.Integer(),
            drift: Type.Integer({ description: 'mismatches that are metadata drift (the catalogue disagrees with an inventory the bytes match), not damage' }),
            damagedFiles: Type.Integer({ description: 'files found damaged or missing (each has a content.damaged event of its package)' }),
            ms: Type.Integer()
          }), Type.Null()], { description: 'the last round\'s summary; null before the first' }),
          running: Type.Union([Type.Object({
            jobId: Type.String(), state: Type.String({ description: 'queued | running' }),
            progress: Type.Integer({ description: 'percent of the files checked so far' })
          }), Type.Null()], { description: 'the whole-store round queued or going on now, null when none' })
        }),
        ...ProblemResponses
      }
    }
  }, async req => await fixity.summary(tiersFor(callerOf(req))))

  app.post('/fixity/runs', {
    config: { action: 'fixity.run' },
    schema: {
      summary: 'Queue a fixity run now: every file, or one package\'s', tags: ['fixity'],
      body: Type.Object({
        packageId: Type.Optional(Type.String({ description: 'only this package' })),
        allDigests: Type.Optional(Type.Boolean({ description: 'compare every digest kept (sha512, sm3 and each algorithm the bag declared), not only the policy\'s one' }))
      }),
      response: { 202: Type.Object({ jobId: Type.Union([Type.String(), Type.Null()], { description: 'null when a run for the same scope is already queued or running' }) }), ...ProblemResponses }
    }
  }, async (req, reply) => {
    if (req.body.packageId !== undefined && await catalogue.packages.get(req.body.packageId) === null) throw new LantaiError('PACKAGE_NOT_FOUND', req.body.packageId)
    const job = await fixity.enqueue('all', req.body.packageId, req.body.allDigests === true)
    return reply.code(202).send({ jobId: job?.id ?? null })
  })
}
