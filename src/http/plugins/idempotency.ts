import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import { Readable, Transform, pipeline } from 'node:stream'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { ABANDONED_AFTER_MS, IDEMPOTENCY_KEY, requestDigest } from '../../integration/index.js'

// Inbound idempotency (issue 14 item 11; docs/integration.md). A route that other systems call opts in
// with `config: { idempotency: 'required' }` (or 'optional'). The caller's Idempotency-Key, scoped to its
// token, reserves the request; the answer (2xx or 4xx) is kept; the same key and body later gets that
// answer again with `Idempotent-Replayed: true`, and the same key with another body is refused with
// IDEMPOTENCY_KEY_REUSED. A 5xx keeps nothing, so the caller may send the request again.
//
// A streamed body (a package upload: `idempotencyBody: 'streamed'`) cannot be digested before the handler
// reads it, so the key reserves method and URL, and the handler reads the body through `streamedBody(req)`,
// which digests it on the way when a key was reserved. A repeat is read through SHA-256 only, nothing kept, and answered
// again when the digests agree. Only 2xx answers are kept: a refused upload stored nothing, and its retry
// is simply checked again.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Inbound calls from systems: whether an Idempotency-Key is required, optional, or (absent) not read. */
    idempotency?: 'required' | 'optional'
    /** The body is a stream the handler consumes (an upload): see the note above. */
    idempotencyBody?: 'streamed'
  }
  interface FastifyRequest {
    idempotencyReservation: { caller: string, key: string } | null
    /** A streamed body's SHA-256, set by `streamedBody` once the handler has read it to the end. */
    idempotentBodySha256: string | null
  }
}

export interface IdempotencyOptions { catalogue: Catalogue, abandonedMs?: number }

/** What is kept of an answer: sent again byte for byte. */
interface StoredAnswer { contentType: string, body: string, bodySha256?: string }

async function sha256Of (body: unknown): Promise<string> {
  const hash = createHash('sha256')
  if (body instanceof Readable) for await (const chunk of body) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * The raw body of a streamed route, digested on the way when the request reserved an Idempotency-Key (no
 * cost otherwise): the answer is kept with that digest, so a repeat is known by its bytes.
 */
export function streamedBody (req: FastifyRequest): Readable {
  const raw = req.body instanceof Readable ? req.body : Readable.from([])
  if (req.idempotencyReservation === null) return raw
  const hash = createHash('sha256')
  const tap = new Transform({
    transform (chunk: Buffer, _encoding, done) { hash.update(chunk); done(null, chunk) },
    flush (done) { req.idempotentBodySha256 = hash.digest('hex'); done() }
  })
  // pipeline, not pipe: a client that leaves mid-body destroys the tap too, so the reader sees it.
  pipeline(raw, tap, () => {})
  return tap
}

export const idempotency = fp<IdempotencyOptions>(async (app: FastifyInstance, { catalogue, abandonedMs = ABANDONED_AFTER_MS }) => {
  app.decorateRequest('idempotencyReservation', null)
  app.decorateRequest('idempotentBodySha256', null)

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
    const streamed = req.routeOptions.config.idempotencyBody === 'streamed'
    const drain = (): void => { if (streamed && req.body instanceof Readable) req.body.resume() }
    const found = await catalogue.inbound.reserve({ caller, key, method: req.method, route, digest: requestDigest(req.method, req.url, streamed ? null : req.body) }, abandonedMs)
    if (found.kind === 'mismatch') { drain(); throw new LantaiError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was used for another request (${found.route})`, { key }) }
    if (found.kind === 'in-progress') { drain(); throw new LantaiError('IDEMPOTENCY_IN_PROGRESS', `the request with Idempotency-Key ${key} is still being answered`, { key }) }
    if (found.kind === 'answered') {
      const answer = found.response as StoredAnswer
      if (streamed && await sha256Of(req.body) !== answer.bodySha256) {
        throw new LantaiError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was used for another body sent to ${route}`, { key })
      }
      return await reply.code(found.status).header('idempotent-replayed', 'true').type(answer.contentType).send(answer.body)
    }
    req.idempotencyReservation = { caller, key }
  })

  app.addHook('onSend', async (req, reply, payload) => {
    const held = req.idempotencyReservation
    if (held === null) return payload
    req.idempotencyReservation = null
    const streamed = req.routeOptions.config.idempotencyBody === 'streamed'
    const bodySha256 = req.idempotentBodySha256
    if (reply.statusCode >= 500 || typeof payload !== 'string' || (streamed && (reply.statusCode >= 300 || bodySha256 === null))) {
      await catalogue.inbound.release(held.caller, held.key)
      return payload
    }
    const contentType = String(reply.getHeader('content-type') ?? 'application/json')
    await catalogue.inbound.complete(held.caller, held.key, reply.statusCode, { contentType, body: payload, ...(streamed && bodySha256 !== null ? { bodySha256 } : {}) } satisfies StoredAnswer)
    return payload
  })
}, { name: 'idempotency' })
