import { Type, type TNull, type TString, type TUnion } from '@sinclair/typebox'
import { APPROVAL_KINDS, APPROVAL_STATES } from '../../catalogue/index.js'

// Two-person requests and aggregation usage (issue 15 items 5, 6; docs/approvals.md).

export const ApprovalKind = Type.Union(APPROVAL_KINDS.map(k => Type.Literal(k)), { description: 'export-classified | delete-package | declassify | access-policy-change | aggregation-scope' })
export const ApprovalState = Type.Union(APPROVAL_STATES.map(s => Type.Literal(s)), { description: 'requested → approved | refused | expired | cancelled; approved → executed | expired' })

const Nullable = (description: string): TUnion<[TString, TNull]> => Type.Union([Type.String(), Type.Null()], { description })

export const ApprovalView = Type.Object({
  id: Type.String({ description: "the request's id ('apr_…')" }),
  kind: ApprovalKind,
  objectType: Type.String({ description: 'package, policy or person (an aggregation scope is about its requester)' }),
  objectId: Type.String({ description: 'the object the request is about' }),
  parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'what the kind needs: a scope\'s from, until, raised caps and packageIds; a declassification\'s new tier …' }),
  reason: Type.String({ description: 'why the requester asks' }),
  state: ApprovalState,
  requestedBy: Type.String({ description: 'the person (account id, else token id) who asked' }),
  requesterRole: Type.String({ description: 'their role when they asked' }),
  requestedAt: Type.String({ description: 'when' }),
  expiresAt: Type.String({ description: 'an undecided request, or an unused approval, expires then' }),
  decidedBy: Nullable('the other person who approved or refused'),
  approverRole: Nullable('their role'),
  decidedAt: Nullable('when they decided'),
  decisionReason: Nullable('why, as the approver gave it'),
  executedAt: Nullable('when the approved request was carried out'),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'what the execution did, or the error of a failed attempt' }),
  updatedAt: Type.String({ description: 'last change' })
})

export const NewApproval = Type.Object({
  kind: ApprovalKind,
  objectId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the package (export, delete, declassify) or policy name; not for an aggregation scope' })),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'aggregation-scope: from?, until?, files?, mapSheets?, areaKm2?, packageIds?; declassify: tier; access-policy-change: the new values of the section objectId names (aggregation: windowHours?, caps?: {files?, mapSheets?, areaKm2?}, maxScopeHours?; requests: ttlHours?: {<kind>?}, grantHours?), see docs/export.md' })),
  reason: Type.String({ minLength: 1, maxLength: 2000, description: 'why; recorded and shown to the approver' })
}, { additionalProperties: false })

export const Decision = Type.Optional(Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 2000, description: 'why, for the requester and the trail' }))
}, { additionalProperties: false }))

const Measures = {
  files: Type.Number({ description: 'distinct pipeline-survey files' }),
  mapSheets: Type.Number({ description: 'distinct map sheets' }),
  areaKm2: Type.Number({ description: 'km² of the distinct files' })
}

export const UsageView = Type.Object({
  windowHours: Type.Number({ description: 'the sliding window of the policy' }),
  since: Type.String({ description: 'the window\'s start' }),
  caps: Type.Object({
    files: Type.Union([Type.Number(), Type.Null()], { description: 'null: no cap' }),
    mapSheets: Type.Union([Type.Number(), Type.Null()], { description: 'null: no cap' }),
    areaKm2: Type.Union([Type.Number(), Type.Null()], { description: 'null: no cap' })
  }),
  people: Type.Array(Type.Object({
    person: Type.String({ description: 'account id, else token id' }),
    ...Measures,
    reads: Type.Integer({ description: 'ledger rows (reads, searches, exports) in the window' }),
    lastAt: Type.Union([Type.String(), Type.Null()], { description: 'the latest of them' })
  }), { description: 'the caller only, unless a security officer or auditor asks' })
})
