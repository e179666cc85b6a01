import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type {} from '@fastify/cookie'
import type { Principal, Role } from '../../auth/roles.js'
import { authorize, authorizeRoles, isAction, type Action, type Decision } from '../../access/index.js'
import type { Catalogue, FinalOutcome } from '../../catalogue/index.js'
import { csrfMatches } from '../../people/index.js'
import type { AuditTrail } from '../../audit/index.js'
import { auditRequest, type RequestCaller } from './audit-request.js'
import { problemBody, sendProblem } from './problem-details.js'
import { storable } from './input.js'
import { LantaiError } from '../../errors.js'

// Every route needs a bearer token or a console session, and a role allowed for it, except the few marked public (health,
// docs). A route that declares neither is refused at start-up, so no route can be forgotten.
//
// Every request, allowed or not, becomes a row of the access log (who, what, when, from where). The row
// goes in here, in onRequest, before any parser or handler can touch data, and if it cannot be written
// the request fails; it is completed when the response finishes or the connection closes, so a download
// cut short or an upload the client dropped ends 'aborted' instead of leaving no trace (issue 11
// item 1). Requests the HTTP parser refuses before routing (431, 400) get a 'refused' row from
// `recordRefused`, wired as fastify's clientErrorHandler.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No token needed (health, docs). */
    public?: boolean
    /** What the route does, a row of the access table (src/access/actions.ts); the gate decides who may. */
    action?: Action
    /** Roles allowed, for routes not yet moved onto an action (docs/access.md); the gate decides these too. */
    roles?: readonly Role[]
    /** Route param naming the object, for the access log. */
    objectParam?: string
  }
  interface FastifyRequest {
    principal: Principal | null
    /** the access gate's route-level decision; null for public routes and unauthenticated calls */
    gate: Decision | null
  }
}

export interface AuthOptions {
  catalogue: Catalogue
  /** each request's final row is also a row of the hash-chained audit trail */
  audit?: AuditTrail
}

const BEARER = /^Bearer\s+(\S+)$/i

const outcomeOf = (status: number): FinalOutcome => status === 401 || status === 403 ? 'denied' : status >= 400 ? 'error' : 'allowed'

export const auth = fp<AuthOptions>(async (app: FastifyInstance, { catalogue, audit }) => {
  app.decorateRequest('principal', null)
  app.decorateRequest('gate', null)

  app.addHook('onRoute', route => {
    const config = route.config as { public?: boolean, roles?: readonly Role[], action?: string } | undefined
    const isDocs = route.url.startsWith('/docs')
    if (isDocs) { route.config = { ...(route.config ?? {}), public: true } as typeof route.config; return }
    if (config?.action !== undefined && !isAction(config.action)) throw new Error(`route ${route.method} ${route.url} declares action ${config.action}, which is not in the access table`)
    if (config?.public !== true && config?.action === undefined && (config?.roles === undefined || config.roles.length === 0)) {
      throw new Error(`route ${route.method} ${route.url} declares neither public, an action nor roles`)
    }
  })

  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config
    if (config.public === true) return
    // An unknown route (404) is logged without looking at the credentials: it reaches nothing.
    const routed = req.routeOptions.url !== undefined
    const found = routed ? await principalOf(req, catalogue) : { principal: null, presented: false, csrfOk: true }
    const { principal } = found
    if (principal !== null) req.principal = principal
    const row = await catalogue.access.open({
      tokenId: principal?.tokenId ?? null,
      role: principal?.role ?? null,
      method: req.method,
      route: req.routeOptions.url ?? '(none)',
      url: req.url,
      objectId: objectIdOf(req),
      ip: req.ip,
      requestId: req.id
    })
    completeOnEnd(reply, row.id, catalogue, req.log, audit, principal === null ? null : { label: principal.label, accountId: principal.accountId, via: principal.via })
    if (!routed) return
    if (principal === null) {
      reply.header('www-authenticate', 'Bearer realm="lantai"')
      return sendProblem(req, reply, 'UNAUTHENTICATED', 401, !found.presented
        ? { en: 'no bearer token', zh: '需要有效的持有者令牌：请求没有持有者令牌' }
        : { en: 'unknown, expired or revoked token or session', zh: '需要有效的持有者令牌：令牌或会话未知、已过期或已吊销' })
    }
    // Browsers send the cookie with any request to this origin; the CSRF token only the console's own pages hold.
    if (!found.csrfOk) return sendProblem(req, reply, 'CSRF_INVALID', 403, { en: 'missing or wrong x-csrf-token header', zh: '以会话 Cookie 认证的请求须携带该会话的 x-csrf-token 头：缺失或不符' })
    // The route-level check is the access gate's (issue 15 item 1); the header is its mark, which the
    // route walk (test/http/access-gate.test.ts) looks for on every route.
    const what = `${req.method} ${req.routeOptions.url ?? ''}`
    const decision = config.action !== undefined ? authorize(principal, config.action) : authorizeRoles(principal, what, config.roles ?? [])
    req.gate = decision
    reply.header('x-lantai-gate', decision.action)
    if (!decision.allowed) {
      return sendProblem(req, reply, 'FORBIDDEN', 403, { en: `role ${principal.role} may not ${what} (${decision.reason})`, zh: `角色 ${principal.role} 无权执行 ${what}（${decision.reason}）` })
    }
  })
}, { name: 'auth', dependencies: ['problem-details'] })

/** The caller of a route that is not public (auth has already refused a request without one). */
export function callerOf (req: FastifyRequest): Principal {
  if (req.principal === null) throw new LantaiError('UNAUTHENTICATED', 'no caller')
  return req.principal
}

/** The console session's cookie (routes/session.ts sets it). */
export const SESSION_COOKIE = 'lantai_session'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A bearer token, else the session cookie (issue 15 item 3). A bearer header wins: a system that sends
 * one is never judged by a cookie it may also carry. An unsafe request on a session needs its CSRF token;
 * a bearer request does not (no browser adds that header by itself).
 */
async function principalOf (req: FastifyRequest, catalogue: Catalogue): Promise<{ principal: Principal | null, presented: boolean, csrfOk: boolean }> {
  const header = req.headers.authorization
  if (header !== undefined) {
    const m = BEARER.exec(header)
    const token = m?.[1] === undefined ? null : await catalogue.tokens.authenticate(m[1])
    return {
      principal: token === null ? null : { tokenId: token.id, role: token.role, label: token.label, clearance: token.clearance, accountId: token.accountId, via: 'token' },
      presented: true,
      csrfOk: true
    }
  }
  const cookie = req.cookies?.[SESSION_COOKIE]
  if (cookie === undefined || cookie === '') return { principal: null, presented: false, csrfOk: true }
  const match = await catalogue.sessions.authenticate(cookie)
  if (match === null) return { principal: null, presented: true, csrfOk: true }
  const { account, session } = match
  const csrf = req.headers['x-csrf-token']
  return {
    principal: { tokenId: session.id, role: account.role, label: account.displayName, clearance: account.clearance, accountId: account.id, via: 'session' },
    presented: true,
    csrfOk: SAFE_METHODS.has(req.method) || csrfMatches(match, typeof csrf === 'string' ? csrf : undefined)
  }
}

/**
 * 'finish' is the whole answer handed to the socket; a 'close' before it is a connection cut short
 * (fastify's own onResponse never runs then). The first of the two decides, once; the row is written
 * as soon as the catalogue takes it, a moment after the client may have seen the end.
 */
function completeOnEnd (reply: FastifyReply, id: number, catalogue: Catalogue, log: FastifyBaseLogger, audit?: AuditTrail, caller: RequestCaller | null = null): void {
  const res: ServerResponse = reply.raw
  let done = false
  const end = (finished: boolean): void => {
    if (done) return
    done = true
    const status = finished || res.headersSent ? res.statusCode : null
    void catalogue.access.complete(id, { status, outcome: finished ? outcomeOf(res.statusCode) : 'aborted' }).then(async entry => { await auditRequest(audit, entry, caller, log) }).catch((err: unknown) => {
      // Nobody awaits a listener; the pending row stays as the trace of what happened.
      log.error({ err, accessLogId: id }, 'access-log row not completed')
    })
  }
  // The row was opened across awaits: a connection may have ended while it was, and its events are gone.
  if (res.writableFinished) { end(true); return }
  if (res.closed) { end(false); return }
  res.once('finish', () => { end(true) })
  res.once('close', () => { end(false) })
}

function objectIdOf (req: FastifyRequest): string | null {
  const param = req.routeOptions.config.objectParam
  const params = req.params as Record<string, string> | undefined
  if (param !== undefined && params?.[param] !== undefined) return storable(params[param])
  const query = req.query as Record<string, unknown> | undefined
  return typeof query?.project === 'string' ? storable(query.project) : null
}

const REQUEST_LINE = /^([A-Z]{1,20}) (\S{1,2048}) HTTP\/\d\.\d\r?\n/

/**
 * fastify's clientErrorHandler: a request the HTTP parser refuses (header block too large, malformed,
 * too slow) never reaches routing, so it is logged here, with the method and URL when the request line
 * was read, and answered with problem+json like everything else. A reset connection sent no request.
 */
export function recordRefused (catalogue: Catalogue, log: FastifyBaseLogger, audit?: AuditTrail): (err: Error & { code?: string, rawPacket?: unknown }, socket: Socket) => void {
  // The parser may report a second error on the socket while the first one's row is being written;
  // one refused request is one row and one answer.
  const refusing = new WeakSet<Socket>()
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed || refusing.has(socket)) return
    refusing.add(socket)
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    const requestId = randomUUID()
    const line = REQUEST_LINE.exec(Buffer.isBuffer(err.rawPacket) ? err.rawPacket.toString('latin1') : '')
    const ip = socket.remoteAddress ?? '-'
    log.debug({ err, status }, 'client error')
    // The row is written before the answer goes out, so the answer's request id always names a row.
    void catalogue.access.append({
      tokenId: null, role: null, method: line?.[1] ?? '-', route: '(refused)', url: storable(line?.[2] ?? '-'), objectId: null,
      ip, status, outcome: 'refused', requestId
    }).then(async entry => { await auditRequest(audit, entry, null, log) }).catch((e: unknown) => {
      log.error({ err: e }, 'access-log row of a refused request not written')
    }).then(() => { answerRefused(err, socket, status, requestId) }).catch((e: unknown) => {
      log.error({ err: e }, 'refused request not answered')
    })
  }
}

function answerRefused (err: Error & { code?: string }, socket: Socket, status: number, requestId: string): void {
  if (socket.writable) {
    const body = JSON.stringify(problemBody('REQUEST_INVALID', status, {
      en: `the HTTP request was refused before routing: ${err.code ?? err.message}`,
      zh: `请求不符合接口格式：HTTP 请求在路由前被拒绝（${err.code ?? err.message}）`
    }, 'en', requestId))
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`)
  }
  socket.destroy(err)
}

/**
 * fastify's frameworkErrors: a URL the router cannot decode (bad percent-escapes, a parameter too long)
 * is answered before any hook runs, so its row is written here, final, before the problem goes out.
 */
export function refuseBeforeRouting (catalogue: Catalogue, audit?: AuditTrail): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
    // The row first, final, then the problem (see recordRefused).
    void catalogue.access.append({ tokenId: null, role: null, method: req.method, route: '(refused)', url: req.url, objectId: null, ip: req.ip, status, outcome: 'refused', requestId: req.id }).then(async entry => { await auditRequest(audit, entry, null, req.log) }).catch((e: unknown) => {
      req.log.error({ err: e }, 'access-log row of a refused request not written')
    }).then(async () => {
      await sendProblem(req, reply, 'REQUEST_INVALID', status, {
        en: `the URL cannot be routed (${err.code}): its percent-escapes are not UTF-8, or a part is too long`,
        zh: `请求不符合接口格式：URL 无法路由（${err.code}）：百分号转义不是 UTF-8，或某一部分过长`
      })
    }).catch((e: unknown) => { req.log.error({ err: e }, 'refused request not answered') })
  }
}
