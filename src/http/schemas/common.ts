import { Type, type Static } from '@sinclair/typebox'

/** RFC 9457 problem details with Lantai's stable `code` (docs/errors.md) and, for bad packages, findings. */
export const Problem = Type.Object({
  type: Type.String({ description: 'docs/errors.md#CODE' }),
  title: Type.String({ description: 'the meaning of the code' }),
  status: Type.Integer({ description: 'HTTP status' }),
  detail: Type.String({ description: 'what happened in this request' }),
  instance: Type.String({ description: 'the request id, as in the x-request-id header and the log' }),
  code: Type.String({ description: 'stable code, explained in docs/errors.md' }),
  findings: Type.Optional(Type.Array(Type.Unknown(), { description: 'every problem found, when the request carried a package' }))
}, { $id: 'Problem', description: 'application/problem+json (RFC 9457)' })
export type Problem = Static<typeof Problem>

export const Page = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'items per page' }),
  offset: Type.Integer({ minimum: 0, default: 0, description: 'items to skip' })
})

export const ProblemResponses = {
  400: Type.Ref(Problem), 401: Type.Ref(Problem), 403: Type.Ref(Problem), 404: Type.Ref(Problem)
} as const
