import { createHmac, timingSafeEqual } from 'node:crypto'
import type { SignatureAlgorithm } from '../catalogue/index.js'
import type { ErrorCode } from '../errors.js'

// Webhook signing, the scheme docs/webhooks.md gives to partner systems (after Stripe's and GitHub's):
// the signature is an HMAC over `<timestamp>.<body>`, so neither the body nor the time can be changed
// without the secret, and a receiver that refuses old timestamps refuses a message captured and sent
// again later. HMAC-SM3 (GB/T 32905) is there for systems that must use the national algorithms.

export const WEBHOOK_HEADERS = {
  id: 'lantai-event-id',
  type: 'lantai-event-type',
  timestamp: 'lantai-timestamp',
  signature: 'lantai-signature'
} as const

const DIGEST: Record<SignatureAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sm3': 'sm3' }

/** The hex HMAC of `<timestamp>.<body>` under `secret`. */
export function webhookSignature (secret: string, algorithm: SignatureAlgorithm, timestamp: number, body: string | Buffer): string {
  return createHmac(DIGEST[algorithm], secret).update(`${timestamp}.`).update(body).digest('hex')
}

/**
 * The headers of one signed attempt. `timestamp` is Unix milliseconds, new on every attempt: two attempts
 * of one delivery are never in the same millisecond (each waits for the last one's answer and its record),
 * so a retry is never byte-identical to an earlier attempt and a replay guard keyed on (id, timestamp)
 * tells a replay from a retry. Seconds would make a quick retry look like a replay.
 */
export function signWebhook (secret: string, algorithm: SignatureAlgorithm, message: { id: string, type: string }, timestamp: number, body: string): Record<string, string> {
  return {
    [WEBHOOK_HEADERS.id]: message.id,
    [WEBHOOK_HEADERS.type]: message.type,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: `${algorithm}=${webhookSignature(secret, algorithm, timestamp, body)}`
  }
}

/**
 * Remembers the (event id, timestamp) pairs a receiver accepted until they fall out of the window. A
 * partner with several receiving processes keeps them in a shared store; this one lives in memory.
 */
export interface ReplayGuard {
  /** True the first time `key` is offered; false if it was offered before and has not expired. */
  firstTime (key: string, expiresAtMs: number, nowMs: number): boolean
}

export class MemoryReplayGuard implements ReplayGuard {
  readonly #seen = new Map<string, number>()

  firstTime (key: string, expiresAtMs: number, nowMs: number): boolean {
    // expired keys go first, so the map holds only one window's worth
    for (const [k, until] of this.#seen) if (until <= nowMs) this.#seen.delete(k)
    if (this.#seen.has(key)) return false
    this.#seen.set(key, expiresAtMs)
    return true
  }
}

export interface VerifyOptions {
  /** The algorithm this receiver agreed with Lantai; a signature under another is refused (no downgrade). Default hmac-sha256. */
  algorithm?: SignatureAlgorithm
  /** How far the timestamp may be from `now`, either way. Default 300 s. */
  toleranceSeconds?: number
  /** Where accepted (id, timestamp) pairs are remembered; without one, replays within the window are not caught. */
  replay?: ReplayGuard
}

export type VerifyResult =
  | { ok: true, id: string, type: string, timestamp: number }
  | { ok: false, code: Extract<ErrorCode, `WEBHOOK_${string}`>, message: string }

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>

const header = (headers: Headers, name: string): string | undefined => {
  const direct = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1]
  return Array.isArray(direct) ? undefined : direct as string | undefined
}

/**
 * Checks one received webhook: the headers are there, the signature matches `<timestamp>.<body>` (the
 * raw body as received, before any JSON parsing), the timestamp is within the window, and this exact
 * signed message was not accepted before. Retries of one event carry the same event id under a new
 * timestamp and signature, which only the secret's holder can make, so they pass: a receiver drops the
 * repeat by its event id (docs/webhooks.md).
 */
export function verifyWebhook (secret: string, headers: Headers, body: string | Buffer, now: Date = new Date(), options: VerifyOptions = {}): VerifyResult {
  const algorithm = options.algorithm ?? 'hmac-sha256'
  const tolerance = options.toleranceSeconds ?? 300
  const id = header(headers, WEBHOOK_HEADERS.id)
  const type = header(headers, WEBHOOK_HEADERS.type) ?? ''
  const stamp = header(headers, WEBHOOK_HEADERS.timestamp)
  const signature = header(headers, WEBHOOK_HEADERS.signature)
  if (id === undefined || id === '' || stamp === undefined || signature === undefined) {
    return { ok: false, code: 'WEBHOOK_UNSIGNED', message: `missing ${[id === undefined || id === '' ? WEBHOOK_HEADERS.id : '', stamp === undefined ? WEBHOOK_HEADERS.timestamp : '', signature === undefined ? WEBHOOK_HEADERS.signature : ''].filter(Boolean).join(', ')}` }
  }
  if (!/^\d{1,15}$/.test(stamp)) return { ok: false, code: 'WEBHOOK_UNSIGNED', message: `${WEBHOOK_HEADERS.timestamp} is not Unix milliseconds: ${stamp}` }
  const timestamp = Number(stamp)
  const prefix = `${algorithm}=`
  const given = signature.startsWith(prefix) ? signature.slice(prefix.length) : ''
  const expected = webhookSignature(secret, algorithm, timestamp, body)
  // compared in constant time, so the time taken says nothing about how much of a guess was right
  if (!/^[0-9a-f]+$/.test(given) || given.length !== expected.length || !timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(expected, 'hex'))) {
    return { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID', message: `${WEBHOOK_HEADERS.signature} is not the ${algorithm} of the timestamp and body` }
  }
  const offset = Math.round((now.getTime() - timestamp) / 1000)
  if (Math.abs(now.getTime() - timestamp) > tolerance * 1000) {
    return { ok: false, code: 'WEBHOOK_STALE', message: `signed at ${new Date(timestamp).toISOString()}, ${offset} s from now; at most ${tolerance} s allowed` }
  }
  if (options.replay !== undefined && !options.replay.firstTime(`${id}@${timestamp}`, timestamp + tolerance * 1000 + 1, now.getTime())) {
    return { ok: false, code: 'WEBHOOK_REPLAYED', message: `event ${id} signed at ${timestamp} was received before` }
  }
  return { ok: true, id, type, timestamp }
}
