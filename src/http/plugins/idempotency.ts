import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { ABANDONED_AFTER_MS, IDEMPOTENCY_KEY, requestDigest } from '../../integration/index.js'

// Inbound idempotency (issue 14 item 11; docs/integration.md). A route that other systems call opts in
// with `config: { idempotency: 'required' }` (or 'optional'). The caller's Idempotency-Key, scoped to its
// token, reserves the request; the answer (2xx or 4xx) is kept; the same key and body later gets that
// answer again with `Idempotent-Replayed: true`, and the same key with another body is refused with
// IDEMPOTENCY_KEY_REUSED. A 5xx keeps nothing, so the caller may send the request again.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Inbound calls from systems: whether an Idempotency-Key is required, optional, or (absent) not read. */
    idempotency?: 'required' | 'optional'
  }
  interface FastifyRequest { idempotencyReservation: { caller: string, key: string } | null }
}

export interface IdempotencyOptions { catalogue: Catalogue, abandonedMs?: number }

/** What is kept of an answer: sent again byte for byte. */
interface StoredAnswer { contentType: string, body: string }

export const idempotency = fp<IdempotencyOptions>(async (app: FastifyInstance, { catalogue, abandonedMs = ABANDONED_AFTER_MS }) => {
  app.decorateRequest('idempotencyReservation', null)

  // After validation: a request the schema refuses reserves nothing and may be corrected under its key.
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const mode = req.routeOptions.config.idempotency
    if (mode === undefined) return
    const key = req.headers['idempotency-key']
    if (key === undefined) {
      if (mode === 'optional') return
      throw new LantaiError('IDEMPOTENCY_KEY_INVALID', 'this call needs an Idempotency-Key header: your own id for the request, the same on every retry of it')
    }
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new LantaiError('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1 to 255 visible ASCII characters, given once')
    const caller = req.principal?.tokenId ?? 'anonymous'
    const route = req.routeOptions.url ?? req.url
    const found = await catalogue.inbound.reserve({ caller, key, method: req.method, route, digest: requestDigest(req.method, req.url, req.body) }, abandonedMs)
    if (found.kind === 'mismatch') throw new LantaiError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was used for another request (${found.route})`, { key })
    if (found.kind === 'in-progress') throw new LantaiError('IDEMPOTENCY_IN_PROGRESS', `the request with Idempotency-Key ${key} is still being answered`, { key })
    if (found.kind === 'answered') {
      const answer = found.response as StoredAnswer
      return await reply.code(found.status).header('idempotent-replayed', 'true').type(answer.contentType).send(answer.body)
    }
    req.idempotencyReservation = { caller, key }
  })

  app.addHook('onSend', async (req, reply, payload) => {
    const held = req.idempotencyReservation
    if (held === null) return payload
    req.idempotencyReservation = null
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await catalogue.inbound.release(held.caller, held.key)
      return payload
    }
    const contentType = String(reply.getHeader('content-type') ?? 'application/json')
    await catalogue.inbound.complete(held.caller, held.key, reply.statusCode, { contentType, body: payload } satisfies StoredAnswer)
    return payload
  })
}, { name: 'idempotency' })
