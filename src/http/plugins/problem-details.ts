import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ERROR_CODES, isLantaiError, type ErrorCode } from '../../errors.js'

// One place maps codes to HTTP statuses and writes RFC 9457 bodies (STYLE.md "Errors"). Schema errors
// become REQUEST_INVALID; only 5xx are logged as errors.
//
// Language (issue 11 item 16): `title` and `detail` follow Accept-Language, Chinese for zh, English
// otherwise; `titleEn` and `titleZh` are always both there, so a client can show either without asking
// again. A Chinese detail is the code's Chinese meaning followed by the specifics (ids, paths, values),
// which stay as they are; a LantaiError whose details carry `detailZh` gives its own Chinese specifics.

const STATUS: Partial<Record<string, number>> = {
  UPLOAD_EMPTY: 400, UPLOAD_NOT_AN_ARCHIVE: 415, PACKAGE_LIMIT_EXCEEDED: 413,
  USAGE: 400, REQUEST_INVALID: 400, PROFILE_INVALID: 400, CONFIG_INVALID: 500, PROJECT_CODE_INVALID: 400, PROJECT_RECORD_INVALID: 400, UNIT_USCC_INVALID: 400,
  UNAUTHENTICATED: 401, FORBIDDEN: 403,
  NOT_FOUND: 404, PATH_NOT_FOUND: 404, PROJECT_NOT_FOUND: 404, SUBMISSION_NOT_FOUND: 404, PACKAGE_NOT_FOUND: 404, FILE_NOT_FOUND: 404, STORAGE_NOT_FOUND: 404, TOKEN_NOT_FOUND: 404, UNIT_NOT_FOUND: 404, PHASE_NOT_FOUND: 404,
  PROJECT_EXISTS: 409, UNIT_EXISTS: 409, PERMIT_EXISTS: 409, PHASE_EXISTS: 409, STATE_CONFLICT: 409, OCFL_HEAD_MOVED: 409, REVALIDATION_RUNNING: 409,
  PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, RANGE_NOT_SATISFIABLE: 416,
  UPLOAD_INCOMPLETE: 400, STAGING_FAILED: 507, SHUTTING_DOWN: 503, ABORTED: 503,
  FILE_DAMAGED: 409, VERSION_NOT_FOUND: 404,
  SUBSCRIBER_NOT_FOUND: 404, DELIVERY_NOT_FOUND: 404, SUBSCRIBER_FROM_POLICY: 409, SUBSCRIBER_SECRET_MISSING: 422,
  NODE_NOT_FOUND: 404, NODE_EXISTS: 409, NODE_FROM_POLICY: 409, NODE_INVALID: 400, NODE_CREDENTIAL_MISSING: 422, NODE_UNREACHABLE: 422,
  IDEMPOTENCY_KEY_INVALID: 400, IDEMPOTENCY_KEY_REUSED: 422, IDEMPOTENCY_IN_PROGRESS: 409,
  WEBHOOK_UNSIGNED: 401, WEBHOOK_SIGNATURE_INVALID: 401, WEBHOOK_STALE: 401, WEBHOOK_REPLAYED: 409,
  ACCOUNT_NOT_FOUND: 404, ACCOUNT_EXISTS: 409, LOGIN_FAILED: 401, PASSWORD_WEAK: 400, CSRF_INVALID: 403, SESSION_NOT_FOUND: 404, DUTY_FORBIDDEN: 403, APPROVAL_REQUIRED: 403,
  SELF_APPROVAL: 403, CREDENTIAL_REQUEST_NOT_FOUND: 404, CREDENTIAL_REQUEST_DECIDED: 409, CREDENTIAL_REQUEST_INVALID: 400,
  APPLICATION_NOT_FOUND: 404, DOCUMENT_NOT_FOUND: 404, ACCEPTANCE_APPLICATION_DUPLICATE: 409, ACCEPTANCE_APPLICATION_CLOSED: 409, DECISION_NOT_AWAITED: 409,
  ACCEPTANCE_APPLICATION_MISMATCH: 422, ACCEPTANCE_BAG_INVALID: 422, ACCEPTANCE_OVERRIDE_REQUIRED: 422, DECISION_INVALID: 400,
  DOCUMENT_SEAL_NOT_CONFIGURED: 501, DOCUMENT_FONT_MISSING: 503,
  APPROVAL_NOT_FOUND: 404, APPROVAL_CLOSED: 409, APPROVAL_INVALID: 400, APPROVAL_ROLE: 403, APPROVAL_REQUIRED_FOR: 403, PACKAGE_DELETION_BLOCKED: 409, AGGREGATION_CAP_EXCEEDED: 403,
  EXPORT_APPROVAL_REQUIRED: 403,
  COMMITMENT_INVALID: 400, COMMITMENT_DUE_TOO_LATE: 422, COMMITMENT_NOT_FOUND: 404, COMMITMENT_ITEM_UNKNOWN: 422, COMMITMENT_MISMATCH: 422, COMMITMENT_BUILDER_UNKNOWN: 422,
  CREDIT_RECORD_NOT_FOUND: 404, CREDIT_STATE_CONFLICT: 409,
  DRILL_NOT_FOUND: 404, KEY_NOT_FOUND: 404, PRIMARY_LOST: 503,
  ACCESS_TIER_REFUSED: 422, ACCESS_LABEL_INVALID: 400, ACCESS_LABEL_NOT_HIGHER: 409, ACCESS_DECLASSIFY_UNAPPROVED: 409, ACCESS_PATH_INVALID: 400
}

export const statusOf = (code: string, transient: boolean): number => STATUS[code] ?? (transient ? 503 : 500)

export type Lang = 'en' | 'zh'

/** The detail of one problem in both languages. */
export interface ProblemText { en: string, zh: string }

/** RFC 9110 §12.5.4: the zh or en range with the highest weight wins; anything else, or none, is English. */
export function languageOf (acceptLanguage: string | undefined): Lang {
  let best: Lang = 'en'
  let weight = 0
  for (const part of (acceptLanguage ?? '').split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';')
    const primary = range.trim().split('-')[0]
    if (primary !== 'zh' && primary !== 'en') continue
    const q = params.map(p => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find(v => v !== undefined)
    const w = q === undefined ? 1 : Number(q)
    if (w > weight) { best = primary; weight = w }
  }
  return best
}

const meaningOf = (code: string): ProblemText => (ERROR_CODES as Record<string, ProblemText | undefined>)[code] ?? { en: code, zh: code }

/** Specifics in English only (ids, paths, a schema message): the Chinese detail leads with the code's meaning. */
export function inBoth (code: string, specifics: string): ProblemText {
  return { en: specifics, zh: `${meaningOf(code).zh}：${specifics}` }
}

/** The problem+json body, in `lang`; used for answers sent outside a request too (431 before routing). */
export function problemBody (code: string, status: number, detail: ProblemText, lang: Lang, instance: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const title = meaningOf(code)
  return { type: `/docs/errors#${code}`, title: title[lang], titleEn: title.en, titleZh: title.zh, status, detail: detail[lang], instance, code, ...extra }
}

export function sendProblem (req: FastifyRequest, reply: FastifyReply, code: string, status: number, detail: string | ProblemText, extra: Record<string, unknown> = {}): FastifyReply {
  const lang = languageOf(req.headers['accept-language'])
  const text = typeof detail === 'string' ? inBoth(code, detail) : detail
  return reply.code(status).type('application/problem+json').header('content-language', lang).header('vary', 'accept-language')
    .send(problemBody(code, status, text, lang, req.id, extra))
}

/** A LantaiError's message is `<meaning>: <specifics>`; Chinese swaps in the meaning's zh text. */
function lantaiText (code: ErrorCode, message: string, details: Record<string, unknown>): ProblemText {
  const meaning = ERROR_CODES[code]
  const specifics = message.startsWith(`${meaning.en}: `) ? message.slice(meaning.en.length + 2) : message === meaning.en ? '' : message
  const zhSpecifics = typeof details.detailZh === 'string' ? details.detailZh : specifics
  return { en: message, zh: zhSpecifics === '' ? meaning.zh : `${meaning.zh}：${zhSpecifics}` }
}

export const problemDetails = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (isLantaiError(err)) {
      const status = statusOf(err.code, err.transient)
      if (status >= 500) req.log.error({ err }, 'request failed')
      const extra = Array.isArray(err.details.findings) ? { findings: err.details.findings } : {}
      return sendProblem(req, reply, err.code, status, lantaiText(err.code, err.message, err.details), extra)
    }
    const fe = err as FastifyError
    if (fe.validation !== undefined) return sendProblem(req, reply, 'REQUEST_INVALID', 400, `${fe.validationContext ?? 'request'}: ${fe.message}`)
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(req, reply, 'PAYLOAD_TOO_LARGE', 413, fe.message)
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendProblem(req, reply, 'UNSUPPORTED_MEDIA_TYPE', 415, fe.message)
    if (typeof fe.statusCode === 'number' && fe.statusCode < 500) return sendProblem(req, reply, 'REQUEST_INVALID', fe.statusCode, fe.message)
    req.log.error({ err }, 'request failed')
    return sendProblem(req, reply, 'INTERNAL', 500, { en: 'internal error', zh: '内部错误' })
  })
  app.setNotFoundHandler((req, reply) => sendProblem(req, reply, 'NOT_FOUND', 404, `${req.method} ${req.url}`))
}, { name: 'problem-details' })

export type { ErrorCode }
