import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { phaseStatus } from '../../acceptance/index.js'
import { tiersFor } from '../../access/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import type { CommitmentService } from '../../commitments/index.js'
import { callerOf } from '../plugins/auth.js'
import { ProblemResponses } from '../schemas/common.js'
import { CommitmentView, PhaseStatusView, SweepView } from '../schemas/commitments.js'
import { ProjectCode } from '../schemas/views.js'
import { gateProject } from './projects.js'

// Commitments (验收+承诺, issue 14 item 7) and the phase view (item 8) over HTTP: a thin shell over
// CommitmentService. A letter is written with the accepting decision (POST /v1/submissions/{id}/decision).

export interface CommitmentRoutesOptions { catalogue: Catalogue, commitments: CommitmentService }

export const commitmentRoutes: FastifyPluginAsyncTypebox<CommitmentRoutesOptions> = async (app, { catalogue, commitments }) => {
  // a project's phase status: the project through the gate first (issue 15 item 4)
  app.addHook('preHandler', gateProject(catalogue))

  app.get('/commitments', {
    config: { action: 'commitment.read' },
    schema: {
      summary: 'Commitment letters (承诺书), newest first', tags: ['commitments'],
      querystring: Type.Object({
        project: Type.Optional(ProjectCode),
        state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('overdue'), Type.Literal('fulfilled')], { description: 'open | overdue | fulfilled' }))
      }),
      response: { 200: Type.Object({ items: Type.Array(CommitmentView) }), ...ProblemResponses }
    }
  }, async req => ({ items: await commitments.list({ projectCode: req.query.project, state: req.query.state, tiers: tiersFor(callerOf(req)) }) }))

  app.get('/commitments/:id', {
    config: { action: 'commitment.read', objectParam: 'id' },
    schema: { summary: 'A commitment letter with each item\'s state and the version that fulfilled it', tags: ['commitments'], params: Type.Object({ id: Type.String() }), response: { 200: CommitmentView, ...ProblemResponses } }
  }, async req => await commitments.get(req.params.id, tiersFor(callerOf(req))))

  app.post('/commitments/sweep', {
    config: { action: 'commitment.sweep' },
    schema: {
      summary: 'Run the daily overdue job now', tags: ['commitments'],
      description: 'What the node-cron schedule (acceptance.yaml timeLimits.commitment.overdueSchedule) runs each day: items owed past their due date are marked overdue, a credit record is written against the builder and its persons in charge, and commitment.overdue is published to the outbox, in one transaction per commitment. Running it again the same day changes nothing.',
      response: { 200: SweepView, ...ProblemResponses }
    }
  }, async () => await commitments.sweep())

  app.get('/projects/:code/phases/status', {
    config: { action: 'commitment.read', objectParam: 'code' },
    schema: {
      summary: 'Where each phase stands: applications, opinion, commitments, transfer', tags: ['commitments'],
      description: 'One entry per phase (分阶段验收、移交), in order, and one for the whole project when an application names no phase or the project has none.',
      params: Type.Object({ code: ProjectCode }),
      response: { 200: Type.Object({ projectCode: ProjectCode, phases: Type.Array(PhaseStatusView) }), ...ProblemResponses }
    }
  }, async req => ({ projectCode: req.params.code, phases: await phaseStatus(catalogue, req.params.code, tiersFor(callerOf(req))) }))
}
