import { Type, type Static } from '@sinclair/typebox'

/** RFC 9457 problem details with Lantai's stable `code` (docs/errors.md) and, for bad packages, findings. */
export const Problem = Type.Object({
  type: Type.String({ description: '/docs/errors#CODE: the code explained, in English and Chinese' }),
  title: Type.String({ description: 'the meaning of the code, in the language Accept-Language asks for (zh or en; en by default)' }),
  titleEn: Type.String({ description: 'the meaning of the code in English' }),
  titleZh: Type.String({ description: 'the meaning of the code in Chinese (含义)' }),
  status: Type.Integer({ description: 'HTTP status' }),
  detail: Type.String({ description: 'what happened in this request, in the language of `title`' }),
  instance: Type.String({ description: 'the request id, as in the x-request-id header and the log' }),
  code: Type.String({ description: 'stable code, explained in docs/errors.md' }),
  findings: Type.Optional(Type.Array(Type.Unknown(), { description: 'every problem found, when the request carried a package' }))
}, { $id: 'Problem', description: 'application/problem+json (RFC 9457)' })
export type Problem = Static<typeof Problem>

// Bounded, so that a huge offset is a 400 and not a 500 from the catalogue (issue 11 item 17).
export const Page = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'items per page (1 to 1000)' }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'items to skip (at most 1,000,000)' })
})

export const ProblemResponses = {
  400: Type.Ref(Problem), 401: Type.Ref(Problem), 403: Type.Ref(Problem), 404: Type.Ref(Problem)
} as const
