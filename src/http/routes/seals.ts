import { packageFor } from '../../access/index.js'
import { callerOf } from '../plugins/auth.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import type { Revalidation } from '../../preservation/revalidate.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { pageOf, SealDecisionView } from '../schemas/views.js'

// The paper decisions of stored packages (notice clause 五) and their re-validation: a thin shell over
// the catalogue's seal decisions and preservation/revalidate.ts.

export interface SealRoutesOptions { catalogue: Catalogue, revalidation: Revalidation }

const Id = Type.Object({ id: Type.String({ description: 'package id' }) })
const Outcome = Type.Union([Type.Literal('paper_waived'), Type.Literal('dual_set'), Type.Literal('paper_required')])

export const sealRoutes: FastifyPluginAsyncTypebox<SealRoutesOptions> = async (app, { catalogue, revalidation }) => {
  app.get('/packages/:id/seals', {
    config: { action: 'package.read', objectParam: 'id' },
    schema: {
      summary: 'The current paper decision of each payload file (paper waived, dual set, paper required), with filters', tags: ['seals'], params: Id,
      querystring: Type.Composite([Page, Type.Object({
        outcome: Type.Optional(Outcome),
        provisional: Type.Optional(Type.Boolean({ description: 'true: only decisions waiting for trust or revocation data (rule R4)' }))
      })]),
      response: { 200: pageOf(SealDecisionView), ...ProblemResponses }
    }
  }, async req => {
    await packageFor(catalogue, callerOf(req), req.params.id, 'package.read')
    const { limit, offset, outcome, provisional } = req.query
    return { ...await catalogue.sealDecisions.list(req.params.id, { limit, offset, ...(outcome === undefined ? {} : { outcome }), ...(provisional === undefined ? {} : { provisional }) }), limit, offset }
  })

  app.get('/seals/evidence/:sha256', {
    config: { action: 'seal.evidence.read' },
    schema: {
      summary: 'A certificate, CRL, OCSP response or timestamp token a re-validation relied on (DER), by its sha256 as the seals.revalidated event names it', tags: ['seals'],
      params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
      response: { 200: Type.Unknown({ description: 'DER bytes' }), ...ProblemResponses }
    }
  }, async (req, reply) => {
    const der = await catalogue.sealDecisions.evidence(req.params.sha256)
    if (der === null) throw new LantaiError('NOT_FOUND', `no evidence ${req.params.sha256}`)
    return reply.type('application/octet-stream').header('x-lantai-sha256', req.params.sha256).send(der)
  })

  app.post('/packages/:id/revalidate', {
    config: { action: 'package.revalidate', objectParam: 'id' },
    schema: {
      summary: 'Re-check the seals of the latest version against today\'s trust store; the result lands in /seals and the package events', tags: ['seals'], params: Id,
      response: { 202: Type.Object({ jobId: Type.String() }), ...ProblemResponses }
    }
  }, async (req, reply) => {
    await packageFor(catalogue, callerOf(req), req.params.id, 'package.revalidate')
    const job = await revalidation.enqueue(req.params.id, `requested by ${req.principal?.tokenId ?? 'unknown'}`)
    return reply.code(202).send({ jobId: job.id })
  })

  app.post('/seals/review', {
    config: { action: 'package.revalidate' },
    schema: {
      summary: 'Re-run the review queue: re-validate every package with a provisional decision against certs/ as it is now (after new roots, CRLs or OCSP responses arrived; a start with a changed certs/ does this by itself)',
      tags: ['seals'],
      response: { 202: Type.Object({ queued: Type.Array(Type.String({ description: 'package id' })) }), ...ProblemResponses }
    }
  }, async (req, reply) => reply.code(202).send({ queued: await revalidation.enqueueReviewQueue(`requested by ${req.principal?.tokenId ?? 'unknown'}`) }))
}
