import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Catalogue, ClaimedDelivery } from '../catalogue/index.js'
import type { Logger } from '../logger.js'
import { backoffMs } from './backoff.js'
import { DEFAULT_INTEGRATION_POLICY, secretProblem, urlProblem, type DeliverySettings } from './policy.js'
import { signWebhook } from './signature.js'

// Sends the outbox's deliveries: claims due ones with a lease, POSTs each signed message, and records
// delivered, a retry at a backed-off time, or failed once the attempts run out. Every attempt carries the
// message's event id, so a receiver that got an earlier attempt (whose answer was lost) drops the repeat.
// The work kind is 'webhook': its state is the outbox's, in the catalogue, never only in this process.

export const WEBHOOK_WORK = 'webhook'

/** The JSON body of every attempt: the event's id, type, time and the publisher's payload. */
export const webhookBody = (d: Pick<ClaimedDelivery, 'message'>): string =>
  JSON.stringify({ id: d.message.id, type: d.message.type, createdAt: d.message.createdAt, data: d.message.payload })

export interface DispatcherOptions {
  outbox: Catalogue['outbox']
  /** The secret a subscriber names (main.ts reads LANTAI_* variables); undefined when unset. */
  secretOf: (name: string) => string | undefined
  log: Logger
  settings?: DeliverySettings
  /** Tests move time (the catalogue's clock must agree) and fix the jitter. */
  clock?: () => Date
  random?: () => number
}

export class WebhookDispatcher {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  readonly settings: DeliverySettings
  readonly #o: DispatcherOptions
  #stopped = true
  #loop: Promise<void> | undefined
  #wake: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined
  readonly #inFlight = new Set<AbortController>()

  constructor (options: DispatcherOptions) {
    this.#o = options
    this.settings = options.settings ?? DEFAULT_INTEGRATION_POLICY.delivery
  }

  start (): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#loop = this.#run()
  }

  /** Look for due deliveries now rather than at the next poll. */
  poke (): void { this.#wake?.() }

  /** Stops claiming and cuts attempts in flight short (their leases run out; they are tried again). */
  async stop (): Promise<void> {
    this.#stopped = true
    for (const a of this.#inFlight) a.abort(new Error('shutting down'))
    this.poke()
    await this.#loop
  }

  async #run (): Promise<void> {
    while (!this.#stopped) {
      let sent = 0
      try {
        sent = await this.runOnce()
      } catch (err) {
        this.#o.log.warn({ err }, 'webhook dispatch round failed')
      }
      if (this.#stopped) break
      if (sent > 0) continue
      await new Promise<void>(resolve => {
        this.#wake = resolve
        this.#timer = setTimeout(resolve, this.settings.pollMs)
      })
      clearTimeout(this.#timer)
    }
  }

  /** Claims one batch of due deliveries and tries each once; returns how many were tried. */
  async runOnce (): Promise<number> {
    const batch = await this.#o.outbox.claim(this.owner, this.settings.leaseMs, this.settings.batch)
    await Promise.all(batch.map(async d => { await this.#attempt(d) }))
    return batch.length
  }

  async #attempt (d: ClaimedDelivery): Promise<void> {
    const log = this.#o.log.child({ delivery: d.id, event: d.eventId, subscriber: d.subscriber })
    const outcome = await this.#send(d)
    try {
      if (outcome.ok) {
        await this.#o.outbox.delivered(d.id, this.owner, outcome)
        log.info({ status: outcome.status, attempt: d.attempts }, 'webhook delivered')
        return
      }
      const last = d.roundAttempts >= this.settings.maxAttempts
      const retryAt = last ? null : new Date(this.#now().getTime() + backoffMs({ baseMs: this.settings.backoffBaseMs, maxMs: this.settings.backoffMaxMs }, d.roundAttempts, this.#o.random))
      await this.#o.outbox.attemptFailed(d.id, this.owner, outcome, retryAt)
      if (last) log.warn({ status: outcome.status, error: outcome.error, attempts: d.attempts }, 'webhook delivery failed')
      else log.info({ status: outcome.status, error: outcome.error, attempt: d.attempts, retryAt }, 'webhook attempt failed; will retry')
    } catch (err) {
      // the lease ran out under a slow attempt and another dispatcher took the delivery over
      log.warn({ err }, 'webhook delivery outcome not recorded')
    }
  }

  async #send (d: ClaimedDelivery): Promise<{ ok: boolean, status: number | null, error: string | null }> {
    // Checked again here: an admin may have changed the subscriber, or the variable may be gone.
    const refused = urlProblem(d.target.url) ?? secretProblem(d.target.secretEnv, this.#o.secretOf)
    if (refused !== null) return { ok: false, status: null, error: refused }
    const secret = this.#o.secretOf(d.target.secretEnv) ?? ''
    const body = webhookBody(d)
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Lantai-Webhooks/1',
      ...signWebhook(secret, d.target.algorithm, d.message, this.#now().getTime(), body)
    }
    const abort = new AbortController()
    this.#inFlight.add(abort)
    const timeout = setTimeout(() => { abort.abort(new Error(`no answer within ${this.settings.timeoutMs} ms`)) }, this.settings.timeoutMs)
    try {
      // redirects are not followed: the signature was made for this subscriber's URL, not another
      const res = await fetch(d.target.url, { method: 'POST', headers, body, redirect: 'manual', signal: abort.signal })
      const text = (await res.text()).slice(0, 500)
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null }
      return { ok: false, status: res.status, error: `HTTP ${res.status}${text === '' ? '' : `: ${text}`}` }
    } catch (err) {
      const reason = abort.signal.aborted ? abort.signal.reason as unknown : err
      const cause = (reason as { cause?: { code?: string, message?: string } }).cause
      return { ok: false, status: null, error: cause?.code ?? cause?.message ?? (reason as Error).message ?? String(reason) }
    } finally {
      clearTimeout(timeout)
      this.#inFlight.delete(abort)
    }
  }

  #now (): Date { return (this.#o.clock ?? (() => new Date()))() }
}
