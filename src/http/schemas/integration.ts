import { Type } from '@sinclair/typebox'
import { DELIVERY_STATES, SIGNATURE_ALGORITHMS } from '../../catalogue/index.js'
import { SubscriberEntry } from '../../integration/index.js'

// The admin's view of interconnection: subscribers, the outbox's deliveries and their attempts.

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()])

export const DeliveryState = Type.Union(DELIVERY_STATES.map(s => Type.Literal(s)), { description: 'pending (waiting or being tried) | delivered | failed (attempts ran out; an admin may retry)' })

export const SubscriberView = Type.Object({
  name: Type.String({ description: 'the subscriber' }),
  url: Type.String({ description: 'where webhooks are POSTed' }),
  eventTypes: Type.Array(Type.String(), { description: "event types it receives: exact, 'prefix.*' or '*'" }),
  secretEnv: Type.String({ description: 'the LANTAI_* environment variable holding the signing secret; the secret itself is never stored or shown' }),
  algorithm: Type.Union(SIGNATURE_ALGORITHMS.map(a => Type.Literal(a)), { description: 'hmac-sha256 or hmac-sm3' }),
  active: Type.Boolean({ description: 'whether new messages get deliveries for it' }),
  source: Type.Union([Type.Literal('policy'), Type.Literal('api')], { description: 'policy: declared in storage-policies/integration.yaml (change it there); api: made through this API' }),
  createdAt: Type.String({ description: 'when it was first declared' }),
  updatedAt: Type.String({ description: 'when it last changed' })
})

export const SubscriberBody = Type.Object({
  url: SubscriberEntry.properties.url,
  events: SubscriberEntry.properties.events,
  secretEnv: SubscriberEntry.properties.secretEnv,
  algorithm: Type.Optional(Type.Union(SIGNATURE_ALGORITHMS.map(a => Type.Literal(a)), { description: 'default hmac-sha256' })),
  active: Type.Optional(Type.Boolean({ description: 'default true' }))
}, { additionalProperties: false })

const deliveryFields = {
  id: Type.String({ description: "'dlv_' + ULID" }),
  eventId: Type.String({ description: 'the message id every attempt carries in Lantai-Event-Id' }),
  type: Type.String({ description: 'the event type' }),
  subscriber: Type.String({ description: 'who it goes to' }),
  state: DeliveryState,
  attempts: Type.Integer({ description: 'attempts made over its life' }),
  roundAttempts: Type.Integer({ description: 'attempts since it was made or last retried by an admin (what the limit counts)' }),
  nextAttemptAt: Type.String({ description: 'when a pending delivery is next tried' }),
  leaseOwner: Nullable(Type.String({ description: 'the dispatcher trying it now' })),
  leaseUntil: Nullable(Type.String({ description: 'until when that dispatcher holds it' })),
  lastError: Nullable(Type.String({ description: 'why the last attempt did not count as delivered' })),
  deliveredAt: Nullable(Type.String({ description: 'when the receiver answered 2xx' })),
  createdAt: Type.String({ description: 'when the message was published' }),
  updatedAt: Type.String({ description: 'when the delivery last changed' })
}

export const DeliveryView = Type.Object(deliveryFields)

export const DeliveryDetailView = Type.Object({
  ...deliveryFields,
  message: Type.Object({
    id: Type.String({ description: 'the event id' }),
    type: Type.String({ description: 'the event type' }),
    payload: Type.Unknown({ description: 'what the publisher sent, as the body\'s `data`' }),
    createdAt: Type.String({ description: 'when it was published' })
  }),
  attemptLog: Type.Array(Type.Object({
    number: Type.Integer({ description: '1 for the first attempt' }),
    at: Type.String({ description: 'when the attempt ended' }),
    status: Type.Union([Type.Integer(), Type.Null()], { description: 'the receiver\'s HTTP status; null when there was no answer' }),
    error: Nullable(Type.String({ description: 'why it did not count as delivered' }))
  }), { description: 'every attempt, oldest first' })
})
