import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { AcceptanceReview } from '../../acceptance/index.js'
import { projectCodeMatcher, UNIFIED_PROJECT_CODE } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import type { ProjectService } from '../../projects/index.js'
import { ApplicationView } from '../schemas/acceptance.js'
import { ProblemResponses } from '../schemas/common.js'
import { Classification, PermitInput, PhaseInput, UnitInput } from '../schemas/projects.js'
import { ProjectCode } from '../schemas/views.js'

// The inbound contract of the construction-project approval management system (工程建设项目审批管理系统),
// version 1 (issue 14 item 11): project and permit events in, acceptance applications in and withdrawn.
// Only `system` tokens call it, and every call carries the caller's own request id in Idempotency-Key:
// a retry gets the first answer again (docs/integration.md). The opinions and notices go back out as
// webhooks (the OpenAPI document's `webhooks`). A thin shell over the same services the center uses.

export interface SystemRoutesOptions { projects: ProjectService, review?: AcceptanceReview, codePattern?: string | null }

const Conflicts = { 409: ProblemResponses[400], 422: ProblemResponses[400] }
const BASE = '/systems/approval/v1'

export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (app, { projects, review, codePattern = null }) => {
  const pattern = codePattern ?? UNIFIED_PROJECT_CODE
  const matcher = projectCodeMatcher(pattern)
  const config = { action: 'system.approval' as const, idempotency: 'required' as const }
  const agent = (req: { principal?: { tokenId: string } | null }): string => req.principal?.tokenId ?? 'system'

  app.post(`${BASE}/projects`, {
    config,
    schema: {
      summary: 'Approval system v1: a project was approved (立项): register it with its units, permits and phases', tags: ['interconnection v1'],
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'required: the caller\'s own id of this request; a retry sends the same' })) }),
      body: Type.Object({
        code: Type.String({ minLength: 1, maxLength: 64, description: 'unified project code (统一项目代码)' }),
        name: Type.String({ minLength: 1, maxLength: 500 }),
        unit: Type.Optional(Type.String({ maxLength: 500, description: 'construction unit (建设单位)' })),
        location: Type.Optional(Type.String({ maxLength: 500 })),
        classification: Type.Optional(Classification),
        units: Type.Optional(Type.Array(UnitInput, { maxItems: 100 })),
        permits: Type.Optional(Type.Array(PermitInput, { maxItems: 50 })),
        phases: Type.Optional(Type.Array(PhaseInput, { maxItems: 50 }))
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ code: ProjectCode, name: Type.String() }), ...ProblemResponses, ...Conflicts }
    }
  }, async (req, reply) => {
    const b = req.body
    if (!matcher.test(b.code)) throw new LantaiError('PROJECT_CODE_INVALID', `${b.code} does not match the pattern ${pattern}`, { code: b.code, pattern })
    const project = await projects.register({ code: b.code, name: b.name, unit: b.unit ?? null, location: b.location ?? null, classification: b.classification, units: b.units, permits: b.permits, phases: b.phases }, agent(req))
    return reply.code(201).send({ code: project.code, name: project.name })
  })

  app.post(`${BASE}/projects/:code/permits`, {
    config: { ...config, objectParam: 'code' },
    schema: {
      summary: 'Approval system v1: a permit was issued (planning or construction permit)', tags: ['interconnection v1'],
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'required: the caller\'s own id of this request' })) }),
      params: Type.Object({ code: ProjectCode }), body: PermitInput,
      response: { 201: Type.Object({ projectCode: ProjectCode, kind: Type.String(), number: Type.String(), issuedOn: Type.String() }), ...ProblemResponses, ...Conflicts }
    }
  }, async (req, reply) => {
    const permit = await projects.addPermit(req.params.code, req.body, agent(req))
    return reply.code(201).send({ projectCode: req.params.code, kind: permit.kind, number: permit.number, issuedOn: permit.issuedOn })
  })

  if (review === undefined) return

  app.post(`${BASE}/applications`, {
    config,
    schema: {
      summary: 'Approval system v1: the builder applied for archive acceptance (验收申请), for the project or one phase', tags: ['interconnection v1'],
      description: 'A second open application for the same project and phase is 409 ACCEPTANCE_APPLICATION_DUPLICATE (and an event). The package follows as POST /v1/submissions?project=…&application=… .',
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'required: the caller\'s own id of this request' })) }),
      body: Type.Object({ project: ProjectCode, phase: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]{1,32}$' })) }, { additionalProperties: false }),
      response: { 201: ApplicationView, ...ProblemResponses, ...Conflicts }
    }
  }, async (req, reply) => reply.code(201).send(await review.apply({ projectCode: req.body.project, phaseCode: req.body.phase ?? null, principal: req.principal })))

  app.post(`${BASE}/applications/:id/withdraw`, {
    config: { ...config, objectParam: 'id' },
    schema: {
      summary: 'Approval system v1: the builder withdrew an application', tags: ['interconnection v1'],
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'required: the caller\'s own id of this request' })) }),
      params: Type.Object({ id: Type.String() }),
      body: Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, { additionalProperties: false }),
      response: { 200: ApplicationView, ...ProblemResponses, ...Conflicts }
    }
  }, async req => await review.withdraw(req.params.id, req.body.reason ?? null, req.principal))
}
