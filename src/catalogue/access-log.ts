import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { AccessLogTable } from './db/schema.js'
import { checkPage, type Clock, type Page, type PageQuery } from './sql.js'

// Every read and every change through the API: who, what, when, from where, with what outcome
// (BRIEF.md §5). A request's row goes in when it is authorized, before any handler can touch data,
// with outcome 'pending'; it is completed once when the request ends, aborted included. Nothing else
// may change and nothing may be deleted (migration 0005 says why one UPDATE and not a second row).

/** `aborted`: the connection closed before the answer was complete; `refused`: turned away before routing (431, 400). */
export type AccessOutcome = 'pending' | 'allowed' | 'denied' | 'error' | 'aborted' | 'refused'
export type FinalOutcome = Exclude<AccessOutcome, 'pending'>

export interface AccessEntry {
  id: number
  at: string
  tokenId: string | null
  role: string | null
  method: string
  /** the route pattern, e.g. '/v1/packages/:id' */
  route: string
  url: string
  objectId: string | null
  ip: string
  /** null while pending, and when the connection closed before any status was sent */
  status: number | null
  outcome: AccessOutcome
  requestId: string
  /** when the request ended; null while pending */
  endedAt: string | null
}

/** A request as it is authorized: who, what, from where, with its outcome still to come. */
export type OpenAccessEntry = Omit<AccessEntry, 'id' | 'at' | 'status' | 'outcome' | 'endedAt'> & { at?: string }

/** A whole request at once (one refused before routing, or a test's). */
export type NewAccessEntry = OpenAccessEntry & { status: number | null, outcome: FinalOutcome, endedAt?: string }

export interface AccessCompletion { status: number | null, outcome: FinalOutcome }

export interface AccessQuery extends PageQuery {
  tokenId?: string
  order?: 'asc' | 'desc'
}

type AccessRow = Selectable<AccessLogTable>

export const toAccessEntry = (row: AccessRow): AccessEntry => ({
  id: row.id,
  at: row.at,
  tokenId: row.token_id,
  role: row.role,
  method: row.method,
  route: row.route,
  url: row.url,
  objectId: row.object_id,
  ip: row.ip,
  status: row.status,
  outcome: row.outcome as AccessOutcome,
  requestId: row.request_id,
  endedAt: row.ended_at
})

export class AccessLog {
  readonly #db: CatalogueDatabase
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** The row of a request just authorized (or refused by auth), outcome pending until `complete`. */
  async open (e: OpenAccessEntry): Promise<AccessEntry> {
    return await this.#add({ ...e, status: null, outcome: 'pending', endedAt: null })
  }

  /** Ends a pending row, once. Throws EVENT_IMMUTABLE for a row already final (or none). */
  async complete (id: number, { status, outcome }: AccessCompletion): Promise<AccessEntry> {
    if ((outcome as AccessOutcome) === 'pending') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', 'a completion needs a final outcome')
    const row = await this.#db.db.updateTable('access_log').set({ status, outcome, ended_at: this.#clock().toISOString() })
      .where('id', '=', id).where('outcome', '=', 'pending').returningAll().executeTakeFirst()
    if (row === undefined) throw new LantaiError('EVENT_IMMUTABLE', `access-log row ${id} is not pending`, { id })
    return toAccessEntry(row)
  }

  /** A request recorded whole, already final. */
  async append (e: NewAccessEntry): Promise<AccessEntry> {
    const at = e.at ?? this.#clock().toISOString()
    return await this.#add({ ...e, at, endedAt: e.endedAt ?? at })
  }

  async #add (e: OpenAccessEntry & { status: number | null, outcome: AccessOutcome, endedAt: string | null }): Promise<AccessEntry> {
    const row = await this.#db.db.insertInto('access_log').values({
      at: e.at ?? this.#clock().toISOString(),
      token_id: e.tokenId,
      role: e.role,
      method: e.method,
      route: e.route,
      url: e.url,
      object_id: e.objectId,
      ip: e.ip,
      status: e.status,
      outcome: e.outcome,
      request_id: e.requestId,
      ended_at: e.endedAt
    }).returningAll().executeTakeFirstOrThrow()
    return toAccessEntry(row)
  }

  /** The row of one request, by its request id (the x-request-id header); the newest if an id was reused. */
  async byRequestId (requestId: string): Promise<AccessEntry | null> {
    const row = await this.#db.db.selectFrom('access_log').selectAll().where('request_id', '=', requestId).orderBy('id', 'desc').limit(1).executeTakeFirst()
    return row === undefined ? null : toAccessEntry(row)
  }

  /** Newest first unless `order: 'asc'`. */
  async list (query: AccessQuery): Promise<Page<AccessEntry>> {
    checkPage(query)
    const order = query.order ?? 'desc'
    if (order !== 'asc' && order !== 'desc') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `order must be asc or desc, got ${String(query.order)}`)
    const filtered = this.#db.db.selectFrom('access_log').$if(query.tokenId !== undefined, q => q.where('token_id', '=', query.tokenId ?? ''))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('id', order).limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toAccessEntry), total: count?.n ?? 0 }
  }
}
