import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { tiersFor } from '../../access/index.js'
import { callerOf } from '../plugins/auth.js'
import { Page, ProblemResponses } from '../schemas/common.js'
import { EventView, pageOf } from '../schemas/views.js'

export interface AuditRoutesOptions { catalogue: Catalogue }

const AccessView = Type.Object({
  id: Type.Integer(), at: Type.String(), tokenId: Type.Union([Type.String(), Type.Null()]), role: Type.Union([Type.String(), Type.Null()]),
  method: Type.String(), route: Type.String(), url: Type.String(), objectId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.String(),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'null while pending, and when the connection closed before a status was sent' }),
  outcome: Type.String({ description: 'pending (still running) | allowed | denied | error | aborted (the connection closed before the answer was complete) | refused (turned away before routing: 431, 400)' }),
  requestId: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()], { description: 'when the request ended; null while pending' })
})

// The trail is read by those who audit (三员分立): the auditor and the security officer; the admin reads
// the catalogue's events but not the access log of everyone, which would let it watch itself.
export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (app, { catalogue }) => {
  app.get('/events', {
    config: { action: 'event.list' },
    schema: {
      summary: 'Catalogue events (insert-only), newest first', tags: ['audit'],
      querystring: Type.Composite([Page, Type.Object({ type: Type.Optional(Type.String()), objectType: Type.Optional(Type.String()), objectId: Type.Optional(Type.String()) })]),
      response: { 200: pageOf(EventView), ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset, type, objectType, objectId } = req.query
    return { ...await catalogue.events.list({ type, objectType: objectType as never, objectId, limit, offset, order: 'desc', tiers: tiersFor(callerOf(req)) }), limit, offset }
  })

  app.get('/access-log', {
    config: { action: 'audit.read' },
    schema: {
      summary: 'Every request with its token, route, address and outcome, newest first', tags: ['audit'],
      querystring: Type.Composite([Page, Type.Object({ tokenId: Type.Optional(Type.String()) })]),
      response: { 200: pageOf(AccessView), ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset, tokenId } = req.query
    return { ...await catalogue.access.list({ tokenId, limit, offset }), limit, offset }
  })
}
