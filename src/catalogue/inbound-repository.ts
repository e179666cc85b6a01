import type { CatalogueDatabase } from './db/open.js'
import { violation, type Clock } from './sql.js'

// Inbound calls from other systems carry the caller's own id for the request (Idempotency-Key): a
// network that times out makes the caller send again, and the second call must not register a second
// project or application. The first request reserves the key with a digest of what it asked; its
// response is kept once it is answered; a repeat with the same digest gets that response again.

export interface InboundRequest {
  /** who called: a token id */
  caller: string
  key: string
  method: string
  route: string
  /** SHA-256 of method, route and body: what "the same request" means */
  digest: string
}

export type Reservation =
  /** the key is new (or its earlier holder died unanswered): go on, then complete or release it */
  | { kind: 'reserved' }
  /** answered before, for the same request: send this again */
  | { kind: 'answered', status: number, response: unknown }
  /** answered or running for another request under the same key */
  | { kind: 'mismatch', route: string }
  /** the same request is still being answered */
  | { kind: 'in-progress' }

export class InboundRepository {
  readonly #db: CatalogueDatabase
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /**
   * Reserves the caller's key for this request, or says what holds it. A reservation older than
   * `abandonedMs` with no answer belonged to a process that died mid-request; it is taken over.
   */
  async reserve (req: InboundRequest, abandonedMs: number): Promise<Reservation> {
    const now = this.#clock()
    const at = now.toISOString()
    // the primary key decides a race between two copies of one request, not a lookup first
    let inserted = true
    try {
      await this.#db.db.insertInto('inbound_requests').values({ ...req, status: null, response: null, created_at: at, completed_at: null }).execute()
    } catch (err) {
      if (violation(err)?.kind !== 'unique') throw err
      inserted = false
    }
    if (inserted) return { kind: 'reserved' }
    const row = await this.#db.db.selectFrom('inbound_requests').selectAll().where('caller', '=', req.caller).where('key', '=', req.key).executeTakeFirst()
    if (row === undefined) return await this.reserve(req, abandonedMs) // released in between
    if (row.status === null && Date.parse(row.created_at) < now.getTime() - abandonedMs) {
      const taken = await this.#db.db.updateTable('inbound_requests').set({ method: req.method, route: req.route, digest: req.digest, created_at: at })
        .where('caller', '=', req.caller).where('key', '=', req.key).where('status', 'is', null).where('created_at', '=', row.created_at).executeTakeFirst()
      if (Number(taken.numUpdatedRows) === 1) return { kind: 'reserved' }
      return await this.reserve(req, abandonedMs)
    }
    if (row.digest !== req.digest) return { kind: 'mismatch', route: `${row.method} ${row.route}` }
    if (row.status === null) return { kind: 'in-progress' }
    return { kind: 'answered', status: row.status, response: row.response === null ? null : JSON.parse(row.response) as unknown }
  }

  /** Keeps the answer to a reserved request. */
  async complete (caller: string, key: string, status: number, response: unknown): Promise<void> {
    await this.#db.db.updateTable('inbound_requests').set({ status, response: JSON.stringify(response ?? null), completed_at: this.#clock().toISOString() })
      .where('caller', '=', caller).where('key', '=', key).where('status', 'is', null).execute()
  }

  /** Gives a reservation up (the request failed on our side, 5xx): the caller may send it again. */
  async release (caller: string, key: string): Promise<void> {
    await this.#db.db.deleteFrom('inbound_requests').where('caller', '=', caller).where('key', '=', key).where('status', 'is', null).execute()
  }
}
