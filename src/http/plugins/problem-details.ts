import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ERROR_CODES, isLantaiError, type ErrorCode } from '../../errors.js'

// One place maps codes to HTTP statuses and writes RFC 9457 bodies (STYLE.md "Errors"). Schema errors
// become REQUEST_INVALID; only 5xx are logged as errors.

const STATUS: Partial<Record<string, number>> = {
  UPLOAD_EMPTY: 400, UPLOAD_NOT_AN_ARCHIVE: 415, PACKAGE_LIMIT_EXCEEDED: 413,
  USAGE: 400, REQUEST_INVALID: 400, PROFILE_INVALID: 400, CONFIG_INVALID: 500,
  UNAUTHENTICATED: 401, FORBIDDEN: 403,
  NOT_FOUND: 404, PATH_NOT_FOUND: 404, PROJECT_NOT_FOUND: 404, SUBMISSION_NOT_FOUND: 404, PACKAGE_NOT_FOUND: 404, FILE_NOT_FOUND: 404, STORAGE_NOT_FOUND: 404, TOKEN_NOT_FOUND: 404,
  PROJECT_EXISTS: 409, STATE_CONFLICT: 409, OCFL_HEAD_MOVED: 409, REVALIDATION_RUNNING: 409,
  PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, RANGE_NOT_SATISFIABLE: 416,
  UPLOAD_INCOMPLETE: 400, STAGING_FAILED: 507, SHUTTING_DOWN: 503, ABORTED: 503
}

export const statusOf = (code: string, transient: boolean): number => STATUS[code] ?? (transient ? 503 : 500)

export function sendProblem (req: FastifyRequest, reply: FastifyReply, code: string, status: number, detail: string, extra: Record<string, unknown> = {}): FastifyReply {
  const meaning = (ERROR_CODES as Record<string, { en: string } | undefined>)[code]?.en ?? code
  return reply.code(status).type('application/problem+json').send({
    type: `/docs/errors#${code}`, title: meaning, status, detail, instance: req.id, code, ...extra
  })
}

export const problemDetails = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (isLantaiError(err)) {
      const status = statusOf(err.code, err.transient)
      if (status >= 500) req.log.error({ err }, 'request failed')
      const extra = Array.isArray(err.details.findings) ? { findings: err.details.findings } : {}
      return sendProblem(req, reply, err.code, status, err.message, extra)
    }
    const fe = err as FastifyError
    if (fe.validation !== undefined) return sendProblem(req, reply, 'REQUEST_INVALID', 400, `${fe.validationContext ?? 'request'}: ${fe.message}`)
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(req, reply, 'PAYLOAD_TOO_LARGE', 413, fe.message)
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendProblem(req, reply, 'UNSUPPORTED_MEDIA_TYPE', 415, fe.message)
    if (typeof fe.statusCode === 'number' && fe.statusCode < 500) return sendProblem(req, reply, 'REQUEST_INVALID', fe.statusCode, fe.message)
    req.log.error({ err }, 'request failed')
    return sendProblem(req, reply, 'INTERNAL', 500, 'internal error')
  })
  app.setNotFoundHandler((req, reply) => sendProblem(req, reply, 'NOT_FOUND', 404, `${req.method} ${req.url}`))
}, { name: 'problem-details' })

export type { ErrorCode }
