import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Principal, Role } from '../../auth/roles.js'
import type { Catalogue } from '../../catalogue/index.js'
import { sendProblem } from './problem-details.js'

// Every route needs a bearer token and a role allowed for it, except the few marked public (health,
// docs). A route that declares neither is refused at start-up, so no route can be forgotten. Every
// request, allowed or not, becomes a row of the insert-only access log (who, what, when, from where).

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No token needed (health, docs). */
    public?: boolean
    /** Roles allowed; required unless `public`. */
    roles?: readonly Role[]
    /** Route param naming the object, for the access log. */
    objectParam?: string
  }
  interface FastifyRequest { principal: Principal | null }
}

export interface AuthOptions { catalogue: Catalogue }

const BEARER = /^Bearer\s+(\S+)$/i

export const auth = fp<AuthOptions>(async (app: FastifyInstance, { catalogue }) => {
  app.decorateRequest('principal', null)

  app.addHook('onRoute', route => {
    const config = route.config as { public?: boolean, roles?: readonly Role[] } | undefined
    const isDocs = route.url.startsWith('/docs')
    if (isDocs) { route.config = { ...(route.config ?? {}), public: true } as typeof route.config; return }
    if (config?.public !== true && (config?.roles === undefined || config.roles.length === 0)) {
      throw new Error(`route ${route.method} ${route.url} declares neither public nor roles`)
    }
  })

  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config
    if (config.public === true || req.routeOptions.url === undefined) return
    const m = BEARER.exec(req.headers.authorization ?? '')
    const token = m?.[1] === undefined ? null : catalogue.tokens.authenticate(m[1])
    if (token === null) {
      reply.header('www-authenticate', 'Bearer realm="lantai"')
      return sendProblem(req, reply, 'UNAUTHENTICATED', 401, m === null ? 'no bearer token' : 'unknown or revoked token')
    }
    req.principal = { tokenId: token.id, role: token.role, label: token.label }
    if (!(config.roles ?? []).includes(token.role)) {
      return sendProblem(req, reply, 'FORBIDDEN', 403, `role ${token.role} may not ${req.method} ${req.routeOptions.url}`)
    }
  })

  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.config.public === true) return
    catalogue.access.append({
      tokenId: req.principal?.tokenId ?? null,
      role: req.principal?.role ?? null,
      method: req.method,
      route: req.routeOptions.url ?? '(none)',
      url: req.url,
      objectId: objectIdOf(req),
      ip: req.ip,
      status: reply.statusCode,
      outcome: reply.statusCode === 401 || reply.statusCode === 403 ? 'denied' : reply.statusCode >= 400 ? 'error' : 'allowed',
      requestId: req.id
    })
  })
}, { name: 'auth', dependencies: ['problem-details'] })

function objectIdOf (req: FastifyRequest): string | null {
  const param = req.routeOptions.config.objectParam
  const params = req.params as Record<string, string> | undefined
  if (param !== undefined && params?.[param] !== undefined) return params[param]
  const query = req.query as Record<string, string> | undefined
  return query?.project ?? null
}
