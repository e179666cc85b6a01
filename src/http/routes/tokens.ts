import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { ROLES } from '../../auth/roles.js'
import { issueToken } from '../../service/tokens.js'
import { ProblemResponses } from '../schemas/common.js'

export interface TokenRoutesOptions { catalogue: Catalogue }

const TokenView = Type.Object({
  id: Type.String(), role: Type.String(), clearance: Type.Union([Type.String(), Type.Null()]), label: Type.String(),
  createdAt: Type.String(), lastUsedAt: Type.Union([Type.String(), Type.Null()]), revokedAt: Type.Union([Type.String(), Type.Null()])
})

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRoutesOptions> = async (app, { catalogue }) => {
  app.post('/tokens', {
    config: { roles: ['admin'] },
    schema: {
      summary: 'Create a bearer token; the secret is shown once, only its hash is kept', tags: ['tokens'],
      body: Type.Object({ role: Type.Union(ROLES.map(r => Type.Literal(r))), label: Type.String({ minLength: 1, maxLength: 200, description: 'who or what holds it' }) }),
      response: { 201: Type.Composite([TokenView, Type.Object({ secret: Type.String({ description: 'the bearer token; store it now, it cannot be shown again' }) })]), ...ProblemResponses }
    }
  }, async (req, reply) => {
    const { token, secret } = await issueToken(catalogue, { role: req.body.role, label: req.body.label, agent: req.principal?.tokenId ?? 'system' })
    return reply.code(201).send({ ...token, secret })
  })

  app.get('/tokens', {
    config: { roles: ['admin', 'security-officer', 'auditor'] },
    schema: { summary: 'List tokens (never their secrets)', tags: ['tokens'], response: { 200: Type.Array(TokenView), ...ProblemResponses } }
  }, async () => await catalogue.tokens.list())

  app.delete('/tokens/:id', {
    config: { roles: ['admin'], objectParam: 'id' },
    schema: { summary: 'Revoke a token', tags: ['tokens'], params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), ...ProblemResponses } }
  }, async (req, reply) => {
    await catalogue.tokens.revoke(req.params.id, req.principal?.tokenId ?? 'system') // throws TOKEN_NOT_FOUND
    return reply.code(204).send(null)
  })
}
