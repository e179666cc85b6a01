import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { ROLES } from '../../auth/roles.js'
import { issueTokenAs, revokeTokenAs } from '../../service/tokens.js'
import { Clearance } from '../schemas/people.js'
import { principal } from './accounts.js'
import { ProblemResponses } from '../schemas/common.js'

export interface TokenRoutesOptions { catalogue: Catalogue }

const TokenView = Type.Object({
  id: Type.String(), role: Type.String(), clearance: Type.Union([Type.String(), Type.Null()]), accountId: Type.Union([Type.String(), Type.Null()]), label: Type.String(),
  createdAt: Type.String(), lastUsedAt: Type.Union([Type.String(), Type.Null()]), revokedAt: Type.Union([Type.String(), Type.Null()])
})

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (app, { catalogue }) => {
  app.post('/tokens', {
    config: { action: 'token.create' },
    schema: {
      summary: 'Create a bearer token; the secret is shown once, only its hash is kept', tags: ['tokens'],
      body: Type.Object({
        role: Type.Union(ROLES.map(r => Type.Literal(r))),
        label: Type.String({ minLength: 1, maxLength: 200, description: 'who or what holds it' }),
        clearance: Type.Optional(Clearance),
        accountId: Type.Optional(Type.String({ maxLength: 64, description: 'the account the token acts for; the token takes its role' }))
      }),
      response: { 201: Type.Composite([TokenView, Type.Object({ secret: Type.String({ description: 'the bearer token; store it now, it cannot be shown again' }) })]), ...ProblemResponses }
    }
  }, async (req, reply) => {
    // duties.ts: an admin grants only the roles of its duty, at most its own clearance (issue 15)
    const { token, secret } = await issueTokenAs(catalogue, principal(req.principal), req.body)
    return reply.code(201).send({ ...token, secret })
  })

  app.get('/tokens', {
    config: { action: 'token.list' },
    schema: { summary: 'List tokens (never their secrets)', tags: ['tokens'], response: { 200: Type.Array(TokenView), ...ProblemResponses } }
  }, async () => await catalogue.tokens.list())

  app.delete('/tokens/:id', {
    config: { action: 'token.revoke', objectParam: 'id' },
    schema: { summary: 'Revoke a token', tags: ['tokens'], params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), ...ProblemResponses } }
  }, async (req, reply) => {
    await revokeTokenAs(catalogue, principal(req.principal), req.params.id) // throws TOKEN_NOT_FOUND, APPROVAL_REQUIRED
    return reply.code(204).send(null)
  })
}
