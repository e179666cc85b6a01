import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor, OutboxAttemptsTable, OutboxDeliveriesTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { addMs, checkPage, fromJson, type Clock, type Page, type PageQuery } from './sql.js'
import { receives, toSubscriber, type Subscriber } from './subscriber-repository.js'

// The transactional outbox (issue 14 item 11). A message is written with the change it reports, in the
// caller's transaction, and gets one delivery per active subscriber that receives its type. Deliveries
// are leased from the database like jobs (a worker that dies lets its lease run out; PostgreSQL claimers
// skip each other's rows), retried with backoff by the dispatcher (src/integration), and end delivered
// or failed. The message id is the event id every attempt carries, so a receiver can drop repeats.

export type DeliveryState = 'pending' | 'delivered' | 'failed'
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed']

export interface OutboxMessage {
  /** 'evt_' + ULID: the id receivers see on every attempt */
  id: string
  type: string
  payload: unknown
  createdAt: string
}

export interface Delivery {
  /** 'dlv_' + ULID */
  id: string
  eventId: string
  type: string
  subscriber: string
  state: DeliveryState
  /** attempts made over the delivery's life */
  attempts: number
  /** attempts since it was created or an admin last retried it: what the retry limit counts */
  roundAttempts: number
  /** when a pending delivery is next tried */
  nextAttemptAt: string
  leaseOwner: string | null
  leaseUntil: string | null
  lastError: string | null
  deliveredAt: string | null
  createdAt: string
  updatedAt: string
}

export interface DeliveryAttempt { number: number, at: string, status: number | null, error: string | null }

export interface DeliveryDetail extends Delivery { message: OutboxMessage, attemptLog: DeliveryAttempt[] }

/** A delivery a dispatcher holds: its message and subscriber, to sign and send. */
export interface ClaimedDelivery extends Delivery { message: OutboxMessage, target: Subscriber }

export interface DeliveryQuery extends PageQuery { state?: DeliveryState, subscriber?: string, type?: string }

type DeliveryRow = Selectable<OutboxDeliveriesTable> & { type: string }

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  eventId: r.message_id,
  type: r.type,
  subscriber: r.subscriber,
  state: r.state as DeliveryState,
  attempts: r.attempts,
  roundAttempts: r.round_attempts,
  nextAttemptAt: r.next_attempt_at,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

const toAttempt = (r: Selectable<OutboxAttemptsTable>): DeliveryAttempt => ({ number: r.number, at: r.at, status: r.status, error: r.error })

/** What one attempt came to: the HTTP status when there was an answer, and why it did not count as delivered. */
export interface AttemptOutcome { status: number | null, error: string | null }

const check = (name: string, n: number, min: number): void => {
  if (!Number.isSafeInteger(n) || n < min) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `${name} must be an integer of at least ${min}, got ${n}`)
}

export class OutboxRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#clock = clock
    this.#newId = newId
  }

  /**
   * Writes a message and a delivery for each active subscriber that receives `type`, with an
   * `outbox.published` event. Pass the transaction of the change the message reports, so both commit
   * together or neither does; without one, the message is its own transaction.
   */
  async publish (type: string, payload: unknown, tx?: Executor): Promise<{ message: OutboxMessage, deliveries: Delivery[] }> {
    if (!/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/.test(type)) {
      throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `an event type is dotted lower-case words (acceptance.opinion.issued), got ${type}`, { type })
    }
    if (tx === undefined) return await this.#db.db.transaction().execute(async own => await this.publish(type, payload, own))
    const at = this.#clock()
    const now = at.toISOString()
    const id = this.#newId('evt', at)
    const message = await tx.insertInto('outbox_messages').values({ id, type, payload: JSON.stringify(payload ?? null), created_at: now }).returningAll().executeTakeFirstOrThrow()
    const targets = (await tx.selectFrom('subscribers').selectAll().where('active', '=', 1).orderBy('name').execute()).map(toSubscriber).filter(s => receives(s.eventTypes, type))
    const deliveries: Delivery[] = []
    for (const s of targets) {
      const row = await tx.insertInto('outbox_deliveries').values({
        id: this.#newId('dlv', at), message_id: id, subscriber: s.name, state: 'pending', next_attempt_at: now, created_at: now, updated_at: now
      }).returningAll().executeTakeFirstOrThrow()
      deliveries.push(toDelivery({ ...row, type }))
    }
    await this.#events.append({ type: 'outbox.published', outcome: 'info', agent: 'system', objectType: 'system', objectId: id, detail: { type, subscribers: targets.map(s => s.name) } }, tx)
    return { message: { id, type, payload: fromJson(message.payload), createdAt: now }, deliveries }
  }

  /**
   * Leases up to `limit` pending deliveries that are due (their next attempt time has come and nobody
   * holds a live lease), counting the attempt. Each comes with its message and subscriber.
   */
  async claim (owner: string, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    check('leaseMs', leaseMs, 1)
    check('limit', limit, 1)
    const now = this.#clock()
    const at = now.toISOString()
    const postgres = this.#db.engine === 'postgres'
    // As jobs.claim: PostgreSQL locks the rows it reads and skips those other claimers hold; SQLite's
    // transaction holds the one write lock from its start.
    return await this.#db.db.transaction().execute(async tx => {
      const due = await tx.selectFrom('outbox_deliveries').select('id')
        .where('state', '=', 'pending').where('next_attempt_at', '<=', at)
        .where(eb => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
        .orderBy('next_attempt_at').orderBy('id').limit(limit)
        .$if(postgres, q => q.forUpdate().skipLocked())
        .execute()
      if (due.length === 0) return []
      const ids = due.map(d => d.id)
      await tx.updateTable('outbox_deliveries')
        .set(eb => ({ lease_owner: owner, lease_until: addMs(now, leaseMs), attempts: eb('attempts', '+', 1), round_attempts: eb('round_attempts', '+', 1), updated_at: at }))
        .where('id', 'in', ids).execute()
      const rows = await tx.selectFrom('outbox_deliveries as d')
        .innerJoin('outbox_messages as m', 'm.id', 'd.message_id')
        .innerJoin('subscribers as s', 's.name', 'd.subscriber')
        .selectAll('d')
        .select(['m.type', 'm.payload', 'm.created_at as message_created_at'])
        .select(['s.url', 's.event_types', 's.secret_env', 's.algorithm', 's.active', 's.source', 's.created_at as s_created_at', 's.updated_at as s_updated_at'])
        .where('d.id', 'in', ids).orderBy('d.next_attempt_at').orderBy('d.id').execute()
      return rows.map(r => ({
        ...toDelivery(r),
        message: { id: r.message_id, type: r.type, payload: fromJson(r.payload), createdAt: r.message_created_at },
        target: toSubscriber({
          name: r.subscriber, url: r.url, event_types: r.event_types, secret_env: r.secret_env, algorithm: r.algorithm, active: r.active, source: r.source, created_at: r.s_created_at, updated_at: r.s_updated_at
        })
      }))
    })
  }

  /** The attempt the holder made got a 2xx: delivered, with an `outbox.delivered` event. STATE_CONFLICT when the lease was lost. */
  async delivered (id: string, owner: string, outcome: AttemptOutcome): Promise<Delivery> {
    return await this.#settle(id, owner, outcome, 'delivered', null)
  }

  /**
   * The attempt failed: tried again at `retryAt`, or, with null, failed for good (an `outbox.failed`
   * event; an admin may retry it). STATE_CONFLICT when the lease was lost.
   */
  async attemptFailed (id: string, owner: string, outcome: AttemptOutcome, retryAt: Date | null): Promise<Delivery> {
    return await this.#settle(id, owner, outcome, retryAt === null ? 'failed' : 'pending', retryAt)
  }

  async #settle (id: string, owner: string, outcome: AttemptOutcome, state: DeliveryState, retryAt: Date | null): Promise<Delivery> {
    const now = this.#clock().toISOString()
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.updateTable('outbox_deliveries')
        .set(eb => ({
          state,
          lease_owner: null,
          lease_until: null,
          last_error: state === 'delivered' ? null : outcome.error,
          delivered_at: state === 'delivered' ? now : null,
          next_attempt_at: retryAt === null ? eb.ref('next_attempt_at') : retryAt.toISOString(),
          updated_at: now
        }))
        .where('id', '=', id).where('state', '=', 'pending').where('lease_owner', '=', owner)
        .returningAll().executeTakeFirst()
      if (row === undefined) {
        const current = await tx.selectFrom('outbox_deliveries').select(['state', 'lease_owner']).where('id', '=', id).executeTakeFirst()
        if (current === undefined) throw new LantaiError('DELIVERY_NOT_FOUND', id, { id })
        throw new LantaiError('STATE_CONFLICT', `delivery ${id} is ${current.state}${current.lease_owner === null ? '' : ` leased by ${current.lease_owner}`}, not held by ${owner}`, { id, owner, state: current.state })
      }
      await tx.insertInto('outbox_attempts').values({ delivery_id: id, number: row.attempts, at: now, status: outcome.status, error: outcome.error }).execute()
      const message = await tx.selectFrom('outbox_messages').select('type').where('id', '=', row.message_id).executeTakeFirstOrThrow()
      if (state !== 'pending') {
        await this.#events.append({
          type: state === 'delivered' ? 'outbox.delivered' : 'outbox.failed',
          outcome: state === 'delivered' ? 'success' : 'failure',
          agent: 'system',
          objectType: 'system',
          objectId: id,
          detail: { eventId: row.message_id, type: message.type, subscriber: row.subscriber, attempts: row.attempts, status: outcome.status, error: outcome.error }
        }, tx)
      }
      return toDelivery({ ...row, type: message.type })
    })
  }

  /** An admin puts a failed delivery back: due now, with a new round of attempts. STATE_CONFLICT unless it failed. */
  async retry (id: string, agent: string): Promise<Delivery> {
    const now = this.#clock().toISOString()
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.updateTable('outbox_deliveries').set({ state: 'pending', round_attempts: 0, next_attempt_at: now, updated_at: now })
        .where('id', '=', id).where('state', '=', 'failed').returningAll().executeTakeFirst()
      if (row === undefined) {
        const current = await tx.selectFrom('outbox_deliveries').select('state').where('id', '=', id).executeTakeFirst()
        if (current === undefined) throw new LantaiError('DELIVERY_NOT_FOUND', id, { id })
        throw new LantaiError('STATE_CONFLICT', `delivery ${id} is ${current.state}; only a failed delivery is retried`, { id, state: current.state })
      }
      const message = await tx.selectFrom('outbox_messages').select('type').where('id', '=', row.message_id).executeTakeFirstOrThrow()
      await this.#events.append({ type: 'outbox.retried', outcome: 'info', agent, objectType: 'system', objectId: id, detail: { eventId: row.message_id, type: message.type, subscriber: row.subscriber } }, tx)
      return toDelivery({ ...row, type: message.type })
    })
  }

  async list (query: DeliveryQuery): Promise<Page<Delivery>> {
    checkPage(query)
    const filtered = this.#db.db.selectFrom('outbox_deliveries as d').innerJoin('outbox_messages as m', 'm.id', 'd.message_id')
      .$if(query.state !== undefined, q => q.where('d.state', '=', query.state ?? ''))
      .$if(query.subscriber !== undefined, q => q.where('d.subscriber', '=', query.subscriber ?? ''))
      .$if(query.type !== undefined, q => q.where('m.type', '=', query.type ?? ''))
    const [rows, count] = await Promise.all([
      filtered.selectAll('d').select('m.type').orderBy('d.id', 'desc').limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toDelivery), total: Number(count?.n ?? 0) }
  }

  /** A delivery with its message and every attempt, oldest first; null when there is none. */
  async get (id: string): Promise<DeliveryDetail | null> {
    const row = await this.#db.db.selectFrom('outbox_deliveries as d').innerJoin('outbox_messages as m', 'm.id', 'd.message_id')
      .selectAll('d').select(['m.type', 'm.payload', 'm.created_at as message_created_at']).where('d.id', '=', id).executeTakeFirst()
    if (row === undefined) return null
    const attempts = await this.#db.db.selectFrom('outbox_attempts').selectAll().where('delivery_id', '=', id).orderBy('number').execute()
    return {
      ...toDelivery(row),
      message: { id: row.message_id, type: row.type, payload: fromJson(row.payload), createdAt: row.message_created_at },
      attemptLog: attempts.map(toAttempt)
    }
  }

  /** Deliveries by subscriber and state (read at each metrics scrape). */
  async counts (): Promise<Array<{ subscriber: string, state: DeliveryState, count: number }>> {
    const rows = await this.#db.db.selectFrom('outbox_deliveries').select(eb => ['subscriber', 'state', eb.fn.countAll<number>().as('n')])
      .groupBy(['subscriber', 'state']).orderBy('subscriber').orderBy('state').execute()
    return rows.map(r => ({ subscriber: r.subscriber, state: r.state as DeliveryState, count: Number(r.n) }))
  }

  /** The deliveries of one message (what publishing it produced). */
  async forMessage (eventId: string): Promise<Delivery[]> {
    const rows = await this.#db.db.selectFrom('outbox_deliveries as d').innerJoin('outbox_messages as m', 'm.id', 'd.message_id')
      .selectAll('d').select('m.type').where('d.message_id', '=', eventId).orderBy('d.subscriber').execute()
    return rows.map(toDelivery)
  }
}
