import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { renderRequirementsHtml, requirementsNotice, type AcceptancePolicy } from '../../acceptance/index.js'
import type { Catalogue } from '../../catalogue/index.js'
import type { ProjectService } from '../../projects/index.js'
import { ProblemResponses } from '../schemas/common.js'
import { RequirementsNoticeView } from '../schemas/projects.js'
import { ProjectCode } from '../schemas/views.js'
import { gateProject } from './projects.js'

// The requirements notice (一次性告知, notice (一)) of a project, as JSON for the approval management
// system and as a page the builder prints. Both come from one domain function.

export interface RequirementsRoutesOptions {
  catalogue: Pick<Catalogue, 'projects'>
  projects: ProjectService
  policy: AcceptancePolicy
  /** for tests; the notice's issuedAt */
  clock?: () => Date
}

export const requirementsRoutes: FastifyPluginAsyncTypebox<RequirementsRoutesOptions> = async (app, { catalogue, projects, policy, clock = () => new Date() }) => {
  app.addHook('preHandler', gateProject(catalogue))
  const params = Type.Object({ code: ProjectCode })

  app.get('/projects/:code/requirements', {
    config: { action: 'project.read', objectParam: 'code' },
    schema: {
      summary: 'The filing requirements of a project (一次性告知): scope items with the units that form them, metadata, formats, checks and time limits', tags: ['projects'],
      params, response: { 200: RequirementsNoticeView, ...ProblemResponses }
    }
  }, async req => requirementsNotice(policy, await projects.record(req.params.code), clock()))

  app.get('/projects/:code/requirements.html', {
    config: { action: 'project.read', objectParam: 'code' },
    schema: {
      summary: 'The requirements notice as a printable bilingual page (Chinese first, English after)', tags: ['projects'],
      params, produces: ['text/html'], response: { 200: Type.String({ description: 'a self-contained HTML page' }), ...ProblemResponses }
    }
  }, async (req, reply) => {
    const notice = requirementsNotice(policy, await projects.record(req.params.code), clock())
    return await reply.type('text/html; charset=utf-8').header('content-language', 'zh-CN, en').send(renderRequirementsHtml(notice))
  })
}
