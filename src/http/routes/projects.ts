import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { projectCodeMatcher, UNIFIED_PROJECT_CODE, type Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { ROLES } from '../../auth/roles.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { pageOf, ProjectCode, ProjectView } from '../schemas/views.js'

export interface ProjectRoutesOptions {
  catalogue: Catalogue
  /** LANTAI_PROJECT_CODE_PATTERN, matched against the whole code; null: the unified project code. */
  codePattern?: string | null
}

export const projectRoutes: FastifyPluginAsyncTypebox<ProjectRoutesOptions> = async (app, { catalogue, codePattern = null }) => {
  const pattern = codePattern ?? UNIFIED_PROJECT_CODE
  const matcher = projectCodeMatcher(pattern)

  app.post('/projects', {
    config: { roles: ['admin', 'archivist'] },
    schema: {
      summary: 'Register a construction project', tags: ['projects'],
      body: Type.Object({
        // The format is checked in the handler, so that a wrong one is PROJECT_CODE_INVALID naming the pattern.
        code: Type.String({ minLength: 1, maxLength: 64, description: `unified project code (统一项目代码), matching ${pattern} whole (LANTAI_PROJECT_CODE_PATTERN)` }),
        name: Type.String({ minLength: 1, maxLength: 500, description: 'project name' }), unit: Type.Optional(Type.String({ maxLength: 500, description: 'construction unit (建设单位)' }))
      }),
      response: { 201: ProjectView, ...ProblemResponses, 409: ProblemResponses[400] }
    }
  }, async (req, reply) => {
    const { code } = req.body
    if (!matcher.test(code)) {
      throw new LantaiError('PROJECT_CODE_INVALID', `${code} does not match the pattern ${pattern}`, { code, pattern, detailZh: `${code} 不符合格式 ${pattern}` })
    }
    const project = await catalogue.projects.create({ code: req.body.code, name: req.body.name, unit: req.body.unit ?? null }, req.principal?.tokenId ?? 'system')
    return reply.code(201).header('location', `/v1/projects/${encodeURIComponent(project.code)}`).send(project)
  })

  app.get('/projects', {
    config: { roles: ROLES },
    schema: {
      summary: 'Search projects by code, name, unit and registration date', tags: ['projects'],
      querystring: Type.Composite([Page, Type.Object({
        q: Type.Optional(Type.String({ description: 'part of the code or name' })),
        unit: Type.Optional(Type.String({ description: 'construction unit' })),
        createdFrom: Type.Optional(Type.String({ format: 'date', description: 'registered on or after' })),
        createdTo: Type.Optional(Type.String({ format: 'date', description: 'registered on or before' }))
      })]),
      response: { 200: pageOf(ProjectView), ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset, ...filter } = req.query
    return { ...await catalogue.projects.search({ ...filter, limit, offset }), limit, offset }
  })

  app.get('/projects/:code', {
    config: { roles: ROLES, objectParam: 'code' },
    schema: { summary: 'One project', tags: ['projects'], params: Type.Object({ code: ProjectCode }), response: { 200: ProjectView, ...ProblemResponses } }
  }, async req => {
    const project = await catalogue.projects.get(req.params.code)
    if (project === null) throw new LantaiError('PROJECT_NOT_FOUND', req.params.code)
    return project
  })
}
