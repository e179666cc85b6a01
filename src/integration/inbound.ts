import { createHash } from 'node:crypto'

// Inbound idempotency (issue 14 item 11): the caller's Idempotency-Key names one request; what makes two
// requests "the same" is their method, route and body, digested here so the catalogue keeps no bodies.

/** Visible ASCII, 1 to 255 characters (a UUID, a ULID, the partner's own request number). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/

/** A request unanswered this long was cut off (its process died); the key may be used again. */
export const ABANDONED_AFTER_MS = 5 * 60_000

/** SHA-256 of method, route and body: the same key with another digest is another request. */
export function requestDigest (method: string, route: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${route}\n`).update(canonicalJson(body ?? null)).digest('hex')
}

/** JSON with object keys sorted, so a partner that reorders fields still sends "the same" request. */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
