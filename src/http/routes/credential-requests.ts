import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { approveCredential, rejectCredential, requestCredential, type PeopleSettings } from '../../people/index.js'
import { Problem, ProblemResponses } from '../schemas/common.js'
import { Clearance, CredentialRequestView, Login, Password } from '../schemas/people.js'
import { principal } from './accounts.js'

// The security officer's and the auditor's credentials (issue 15 item 3): the admin (or an officer)
// asks, another security officer approves or rejects; src/people/approvals.ts applies the approval.

export interface CredentialRequestRoutesOptions { catalogue: Catalogue, settings: PeopleSettings }

const Id = Type.Object({ id: Type.String({ maxLength: 64, description: "the request's id ('crq_…')" }) })
const Conflict = { 409: Type.Ref(Problem) }

export const credentialRequestRoutes: FastifyPluginAsyncTypebox<CredentialRequestRoutesOptions> = async (app, { catalogue, settings }) => {
  app.post('/credential-requests', {
    config: { action: 'credential-request.create' },
    schema: {
      summary: 'Ask for a security officer\'s or auditor\'s account or token to be created, changed or revoked', tags: ['people'],
      body: Type.Object({
        action: Type.Union([Type.Literal('create'), Type.Literal('change'), Type.Literal('revoke')], { description: 'what to do' }),
        subject: Type.Union([Type.Literal('account'), Type.Literal('token')], { description: 'to an account or a token' }),
        role: Type.Optional(Type.Union([Type.Literal('security-officer'), Type.Literal('auditor')], { description: 'the role of the credential to create' })),
        targetId: Type.Optional(Type.String({ maxLength: 64, description: 'the account or token to change or revoke' })),
        login: Type.Optional(Login),
        displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the person\'s name (create account)' })),
        label: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'who or what holds the token (create token)' })),
        clearance: Type.Optional(Clearance),
        password: Type.Optional(Password)
      }, { additionalProperties: false }),
      response: { 201: CredentialRequestView, ...ProblemResponses }
    }
  }, async (req, reply) => reply.code(201).send(await requestCredential(catalogue, settings, principal(req.principal), req.body)))

  app.get('/credential-requests', {
    config: { action: 'credential-request.read' },
    schema: {
      summary: 'List credential requests, newest first', tags: ['people'],
      querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')], { description: 'only this state' })) }),
      response: { 200: Type.Array(CredentialRequestView), ...ProblemResponses }
    }
  }, async req => await catalogue.credentialRequests.list(req.query.state))

  app.get('/credential-requests/:id', {
    config: { action: 'credential-request.read', objectParam: 'id' },
    schema: { summary: 'One credential request', tags: ['people'], params: Id, response: { 200: CredentialRequestView, ...ProblemResponses } }
  }, async req => {
    const request = await catalogue.credentialRequests.get(req.params.id)
    if (request === null) throw new LantaiError('CREDENTIAL_REQUEST_NOT_FOUND', req.params.id, { id: req.params.id })
    return request
  })

  app.post('/credential-requests/:id/approve', {
    config: { action: 'credential-request.decide', objectParam: 'id' },
    schema: {
      summary: 'Approve (another officer than the requester): the credential is made, changed or revoked now', tags: ['people'], params: Id,
      response: {
        200: Type.Object({
          request: CredentialRequestView,
          secret: Type.Optional(Type.String({ description: 'a created token\'s secret, shown this once: hand it to its holder' }))
        }),
        ...Conflict,
        ...ProblemResponses
      }
    }
  }, async req => {
    const { request, secret } = await approveCredential(catalogue, principal(req.principal), req.params.id)
    return secret === undefined ? { request } : { request, secret }
  })

  app.post('/credential-requests/:id/reject', {
    config: { action: 'credential-request.decide', objectParam: 'id' },
    schema: {
      summary: 'Reject (another officer than the requester)', tags: ['people'], params: Id,
      body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000, description: 'why, for the requester and the trail' })) }, { additionalProperties: false })),
      response: { 200: CredentialRequestView, ...Conflict, ...ProblemResponses }
    }
  }, async req => await rejectCredential(catalogue, principal(req.principal), req.params.id, req.body?.reason ?? null))
}
