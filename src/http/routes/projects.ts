import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { projectFor, tiersFor } from '../../access/index.js'
import { projectCodeMatcher, UNIFIED_PROJECT_CODE, type Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import type { ProjectService } from '../../projects/index.js'
import { callerOf } from '../plugins/auth.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import {
  Classification, PermitInput, PermitView, PhaseCode, PhaseInput, PhaseView, ProjectPatchBody, ProjectRecordView, UnitInput, UnitPatch, UnitRole, UnitView, Uscc
} from '../schemas/projects.js'
import { pageOf, ProjectCode, ProjectView } from '../schemas/views.js'

export interface ProjectRoutesOptions {
  catalogue: Catalogue
  projects: ProjectService
  /** LANTAI_PROJECT_CODE_PATTERN, matched against the whole code; null: the unified project code. */
  codePattern?: string | null
}

const Conflict = { 409: ProblemResponses[400] }
const agentOf = (req: { principal?: { tokenId: string } | null }): string => req.principal?.tokenId ?? 'system'

/**
 * Issue 15 item 4: every route on one project loads it through the gate before its handler, so a project
 * above the caller's clearance is PROJECT_NOT_FOUND, word for word as one never registered.
 */
export const gateProject = (catalogue: Pick<Catalogue, 'projects'>) => async (req: FastifyRequest): Promise<void> => {
  const { code } = req.params as { code?: string }
  const action = req.routeOptions.config.action
  if (code !== undefined && action !== undefined) await projectFor(catalogue, callerOf(req), code, action)
}

export const projectRoutes: FastifyPluginAsyncTypebox<ProjectRoutesOptions> = async (app, { catalogue, projects, codePattern = null }) => {
  const pattern = codePattern ?? UNIFIED_PROJECT_CODE
  const matcher = projectCodeMatcher(pattern)
  app.addHook('preHandler', gateProject(catalogue))

  app.post('/projects', {
    config: { action: 'project.create' },
    schema: {
      summary: 'Register a construction project', tags: ['projects'],
      body: Type.Object({
        // The format is checked in the handler, so that a wrong one is PROJECT_CODE_INVALID naming the pattern.
        code: Type.String({ minLength: 1, maxLength: 64, description: `unified project code (统一项目代码), matching ${pattern} whole (LANTAI_PROJECT_CODE_PATTERN)` }),
        name: Type.String({ minLength: 1, maxLength: 500, description: 'project name' }), unit: Type.Optional(Type.String({ maxLength: 500, description: 'construction unit (建设单位)' })),
        location: Type.Optional(Type.String({ maxLength: 500, description: 'project location (项目地点)' })),
        classification: Type.Optional(Classification),
        units: Type.Optional(Type.Array(UnitInput, { maxItems: 100, description: 'the units that build it (参建单位), with their unified social credit codes and persons in charge' })),
        permits: Type.Optional(Type.Array(PermitInput, { maxItems: 50, description: 'permits issued so far' })),
        phases: Type.Optional(Type.Array(PhaseInput, { maxItems: 50, description: 'phases (分期), in order' }))
      }),
      response: { 201: ProjectView, ...ProblemResponses, 409: ProblemResponses[400] }
    }
  }, async (req, reply) => {
    const { code } = req.body
    if (!matcher.test(code)) {
      throw new LantaiError('PROJECT_CODE_INVALID', `${code} does not match the pattern ${pattern}`, { code, pattern, detailZh: `${code} 不符合格式 ${pattern}` })
    }
    const { name, unit, location, classification, units, permits, phases } = req.body
    const project = await projects.register({ code, name, unit: unit ?? null, location: location ?? null, classification, units, permits, phases }, agentOf(req))
    return reply.code(201).header('location', `/v1/projects/${encodeURIComponent(project.code)}`).send(project)
  })

  app.get('/projects', {
    config: { action: 'project.list' },
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
    return { ...await catalogue.projects.search({ ...filter, limit, offset, tiers: tiersFor(callerOf(req)) }), limit, offset }
  })

  const Code = Type.Object({ code: ProjectCode })

  app.get('/projects/:code', {
    config: { action: 'project.read', objectParam: 'code' },
    schema: { summary: 'One project with its units, permits and phases', tags: ['projects'], params: Code, response: { 200: ProjectRecordView, ...ProblemResponses } }
  }, async req => await projects.record(req.params.code, tiersFor(callerOf(req))))

  app.patch('/projects/:code', {
    config: { action: 'project.update', objectParam: 'code' },
    schema: {
      summary: 'Change a project\'s name, location, classification or construction unit name (event project.updated)', tags: ['projects'],
      params: Code, body: ProjectPatchBody, response: { 200: ProjectView, ...ProblemResponses }
    }
  }, async req => await projects.update(req.params.code, req.body, agentOf(req)))

  app.post('/projects/:code/units', {
    config: { action: 'project.update', objectParam: 'code' },
    schema: {
      summary: 'Add a unit in a role (event project.unit-added); the unified social credit code is checked, check character included', tags: ['projects'],
      params: Code, body: UnitInput, response: { 201: UnitView, ...ProblemResponses, ...Conflict }
    }
  }, async (req, reply) => {
    const unit = await projects.addUnit(req.params.code, req.body, agentOf(req))
    return reply.code(201).header('location', `/v1/projects/${encodeURIComponent(req.params.code)}/units/${unit.role}/${unit.uscc}`).send(unit)
  })

  app.patch('/projects/:code/units/:role/:uscc', {
    config: { action: 'project.update', objectParam: 'code' },
    schema: {
      summary: 'Change a unit\'s name or persons in charge (event project.unit-updated)', tags: ['projects'],
      params: Type.Object({ code: ProjectCode, role: UnitRole, uscc: Uscc }), body: UnitPatch, response: { 200: UnitView, ...ProblemResponses }
    }
  }, async req => await projects.updateUnit(req.params.code, req.params.role, req.params.uscc, req.body, agentOf(req)))

  app.post('/projects/:code/permits', {
    config: { action: 'project.update', objectParam: 'code' },
    schema: {
      summary: 'Record a planning or construction permit (event project.permit-added)', tags: ['projects'],
      params: Code, body: PermitInput, response: { 201: PermitView, ...ProblemResponses, ...Conflict }
    }
  }, async (req, reply) => reply.code(201).send(await projects.addPermit(req.params.code, req.body, agentOf(req))))

  app.post('/projects/:code/phases', {
    config: { action: 'project.update', objectParam: 'code' },
    schema: {
      summary: 'Add a phase after the last (event project.phase-added)', tags: ['projects'],
      params: Code, body: PhaseInput, response: { 201: PhaseView, ...ProblemResponses, ...Conflict }
    }
  }, async (req, reply) => reply.code(201).send(await projects.addPhase(req.params.code, req.body, agentOf(req))))

  app.patch('/projects/:code/phases/:phase', {
    config: { action: 'project.update', objectParam: 'code' },
    schema: {
      summary: 'Rename a phase (event project.phase-updated)', tags: ['projects'],
      params: Type.Object({ code: ProjectCode, phase: PhaseCode }),
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, description: 'phase name' }) }, { additionalProperties: false }),
      response: { 200: PhaseView, ...ProblemResponses }
    }
  }, async req => await projects.renamePhase(req.params.code, req.params.phase, req.body.name, agentOf(req)))
}
