import { Type, type TSchema } from '@sinclair/typebox'

// The outbound contracts (issue 14 item 11), version 1, as the OpenAPI document's `webhooks`: what the
// approval system receives (opinions, rectification notices) and what the law-enforcement system
// receives (overdue commitments). Every webhook is the envelope below, signed as docs/integration.md says.

const envelope = (type: string, data: TSchema, description: string) => Type.Object({
  id: Type.String({ description: 'the event id (evt_…): the same on every attempt; act on it once' }),
  type: Type.Literal(type),
  createdAt: Type.String({ description: 'when the change happened (ISO 8601, UTC)' }),
  data
}, { description })

const Nullable = (t: TSchema) => Type.Union([t, Type.Null()])

const DecisionMessage = Type.Object({
  document: Nullable(Type.String({ description: 'the document number (文号)' })),
  kind: Nullable(Type.String({ description: 'acceptance-opinion | rectification-notice' })),
  issuedAt: Nullable(Type.String()),
  projectCode: Type.String(),
  submissionId: Type.String(),
  applicationId: Nullable(Type.String()),
  applicationNumber: Nullable(Type.String()),
  decision: Type.String({ description: 'accepted | rectification_required' }),
  url: Type.Optional(Type.String({ description: 'GET it (JSON, or .html for the printable page)' })),
  summary: Type.Unknown(),
  commitment: Nullable(Type.Object({ id: Type.String(), dueDate: Type.String(), items: Type.Array(Type.Object({ code: Type.String(), dueDate: Type.String() })) }, { description: 'the commitment letter an acceptance carries (验收+承诺)' }))
})

const OverdueMessage = Type.Object({
  version: Type.Literal(1),
  commitmentId: Type.String(),
  projectCode: Type.String(),
  phaseCode: Nullable(Type.String()),
  opinion: Nullable(Type.String({ description: 'the acceptance opinion the commitment went with' })),
  signatory: Type.String(),
  detectedOn: Type.String({ description: 'YYYY-MM-DD, Beijing' }),
  builders: Type.Array(Type.Object({ uscc: Type.String(), name: Type.String(), persons: Type.Array(Type.Object({ name: Type.String(), title: Type.Optional(Type.String()) })) })),
  overdueItems: Type.Array(Type.Object({ code: Type.String(), description: Type.String(), dueDate: Type.String() })),
  url: Type.String({ description: 'GET /v1/commitments/{id} with a system token' })
})

const post = (summary: string, schema: TSchema) => ({
  post: {
    summary,
    tags: ['interconnection v1'],
    requestBody: { required: true, content: { 'application/json': { schema } } },
    responses: { 200: { description: 'received; any 2xx counts, anything else is retried with backoff' } }
  }
})

export const OUTBOUND_WEBHOOKS = {
  'acceptance.opinion': post('To the approval system: an acceptance opinion (验收合格意见) was issued', envelope('acceptance.opinion', DecisionMessage, 'approval system, v1')),
  'acceptance.rectification': post('To the approval system: a rectification notice (整改通知书) was issued', envelope('acceptance.rectification', DecisionMessage, 'approval system, v1')),
  'commitment.overdue': post('To the law-enforcement system: a commitment went overdue (credit records were written)', envelope('commitment.overdue', OverdueMessage, 'law-enforcement system, v1')),
  'commitment.fulfilled': post('To whoever subscribes: every item of a commitment was fulfilled', envelope('commitment.fulfilled', Type.Object({ commitmentId: Type.String(), projectCode: Type.String(), phaseCode: Nullable(Type.String()), opinion: Nullable(Type.String()), lateItems: Type.Array(Type.String()) }), 'v1'))
}
