import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue, Drill } from '../../catalogue/index.js'
import { verifyReport } from '../../drills/report.js'
import { LantaiError } from '../../errors.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { DrillDetail, DrillsPage, type DrillView } from '../schemas/drills.js'

// Restore drills and their signed reports (issue 16 item 8); drills are run by `lantai drill run` or the schedule.

export interface DrillRoutesOptions { catalogue: Catalogue }

const view = (d: Drill): typeof DrillView.static => ({
  id: d.id, nodeId: d.nodeId, outcome: d.outcome, sampleSize: d.sampleSize, rtoMs: d.rtoMs, rpoMs: d.rpoMs, startedAt: d.startedAt, finishedAt: d.finishedAt,
  agent: d.agent, algorithm: d.algorithm, signatureCheck: verifyReport(d.report, d)
})

export const drillRoutes: FastifyPluginAsyncTypebox<DrillRoutesOptions> = async (app, { catalogue }) => {
  app.get('/drills', {
    config: { action: 'drill.read' },
    schema: { summary: 'Restore drills, newest first, with RTO, RPO and whether each report\'s signature holds', tags: ['drills'], querystring: Page, response: { 200: DrillsPage, ...ProblemResponses } }
  }, async req => {
    const { limit, offset } = req.query
    const page = await catalogue.drills.list({ limit, offset })
    return { items: page.items.map(view), total: page.total, limit, offset }
  })

  app.get('/drills/:id', {
    config: { action: 'drill.read' },
    schema: { summary: 'One drill with its signed report', tags: ['drills'], params: Type.Object({ id: Type.String({ pattern: '^drl_[0-9A-Z]{26}$', description: 'the drill' }) }), response: { 200: DrillDetail, ...ProblemResponses } }
  }, async req => {
    const d = await catalogue.drills.get(req.params.id)
    if (d === null) throw new LantaiError('DRILL_NOT_FOUND', req.params.id, { id: req.params.id })
    return { ...view(d), report: d.report, signature: d.signature, certificate: d.certificate }
  })
}
