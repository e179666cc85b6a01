import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { secretProblem, urlProblem, type WebhookDispatcher } from '../../integration/index.js'
import { Page, Problem, ProblemResponses } from '../schemas/common.js'
import { DeliveryDetailView, DeliveryState, DeliveryView, SubscriberBody, SubscriberView } from '../schemas/integration.js'
import { pageOf } from '../schemas/views.js'

// The admin's window on interconnection (issue 14 item 11): who gets webhooks, and every delivery with
// its attempts, so a partner's outage is visible and a failed delivery can be sent again.

export interface IntegrationRoutesOptions {
  catalogue: Catalogue
  /** the LANTAI_* variable's value, to refuse a subscriber whose secret is not set */
  secretOf: (name: string) => string | undefined
  /** poked after a retry, so it is tried now rather than at the next poll; absent in an API-only process */
  dispatcher?: WebhookDispatcher | null
}

const Name = Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'the subscriber' }) })
const DeliveryId = Type.Object({ id: Type.String({ pattern: '^dlv_[0-9A-Z]{26}$', description: 'the delivery' }) })

export const integrationRoutes: FastifyPluginAsyncTypebox<IntegrationRoutesOptions> = async (app, { catalogue, secretOf, dispatcher }) => {
  app.get('/subscribers', {
    config: { action: 'integration.manage' },
    schema: { summary: 'Systems that receive webhooks', tags: ['integration'], response: { 200: Type.Array(SubscriberView), ...ProblemResponses } }
  }, async () => await catalogue.subscribers.list())

  app.get('/subscribers/:name', {
    config: { action: 'integration.manage', objectParam: 'name' },
    schema: { summary: 'One subscriber', tags: ['integration'], params: Name, response: { 200: SubscriberView, ...ProblemResponses } }
  }, async req => {
    const found = await catalogue.subscribers.get(req.params.name)
    if (found === null) throw new LantaiError('SUBSCRIBER_NOT_FOUND', req.params.name, { name: req.params.name })
    return found
  })

  app.put('/subscribers/:name', {
    config: { action: 'integration.manage', objectParam: 'name' },
    schema: {
      summary: 'Create or change a subscriber (one the policy file declares is changed there)', tags: ['integration'],
      description: 'The signing secret is never sent here: `secretEnv` names the LANTAI_* environment variable that holds it on the Lantai host, which must be set (at least 32 characters) for an active subscriber.',
      params: Name, body: SubscriberBody,
      response: { 200: SubscriberView, 201: SubscriberView, 409: Type.Ref(Problem), 422: Type.Ref(Problem), ...ProblemResponses }
    }
  }, async (req, reply) => {
    const b = req.body
    const active = b.active ?? true
    const badUrl = urlProblem(b.url)
    if (badUrl !== null) throw new LantaiError('REQUEST_INVALID', badUrl, { name: req.params.name })
    // an inactive subscriber may be declared before its secret is set
    const noSecret = active ? secretProblem(b.secretEnv, secretOf) : null
    if (noSecret !== null) throw new LantaiError('SUBSCRIBER_SECRET_MISSING', noSecret, { name: req.params.name, secretEnv: b.secretEnv })
    const { subscriber, created } = await catalogue.subscribers.put(
      { name: req.params.name, url: b.url, eventTypes: b.events, secretEnv: b.secretEnv, algorithm: b.algorithm ?? 'hmac-sha256', active },
      req.principal?.tokenId ?? 'system')
    return await reply.code(created ? 201 : 200).send(subscriber)
  })

  app.get('/outbox', {
    config: { action: 'integration.manage' },
    schema: {
      summary: 'Webhook deliveries, newest first', tags: ['integration'],
      querystring: Type.Composite([Page, Type.Object({
        state: Type.Optional(DeliveryState), subscriber: Type.Optional(Type.String({ description: 'only this subscriber\'s' })), type: Type.Optional(Type.String({ description: 'only this event type' }))
      })]),
      response: { 200: pageOf(DeliveryView), ...ProblemResponses }
    }
  }, async req => {
    const { limit, offset, state, subscriber, type } = req.query
    return { ...await catalogue.outbox.list({ state, subscriber, type, limit, offset }), limit, offset }
  })

  app.get('/outbox/:id', {
    config: { action: 'integration.manage', objectParam: 'id' },
    schema: { summary: 'One delivery with its message, every attempt and the last error', tags: ['integration'], params: DeliveryId, response: { 200: DeliveryDetailView, ...ProblemResponses } }
  }, async req => {
    const found = await catalogue.outbox.get(req.params.id)
    if (found === null) throw new LantaiError('DELIVERY_NOT_FOUND', req.params.id, { id: req.params.id })
    return found
  })

  app.post('/outbox/:id/retry', {
    config: { action: 'integration.manage', objectParam: 'id' },
    schema: {
      summary: 'Send a failed delivery again: due now, with a new round of attempts', tags: ['integration'],
      params: DeliveryId, response: { 200: DeliveryView, 409: Type.Ref(Problem), ...ProblemResponses }
    }
  }, async req => {
    const delivery = await catalogue.outbox.retry(req.params.id, req.principal?.tokenId ?? 'system')
    dispatcher?.poke()
    return delivery
  })
}
