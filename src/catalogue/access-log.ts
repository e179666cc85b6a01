import type { Database, Statement } from 'better-sqlite3'
import { LantaiError } from '../errors.js'
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

interface AccessRow {
  id: number
  at: string
  token_id: string | null
  role: string | null
  method: string
  route: string
  url: string
  object_id: string | null
  ip: string
  status: number | null
  outcome: string
  request_id: string
  ended_at: string | null
}

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
  readonly #clock: Clock
  readonly #insert: Statement<Record<string, unknown>, AccessRow>
  readonly #complete: Statement<Record<string, unknown>, AccessRow>
  readonly #byRequest: Statement<[string], AccessRow>
  readonly #list = new Map<string, Statement<Record<string, unknown>, AccessRow>>()
  readonly #count = new Map<string, Statement<Record<string, unknown>, { n: number }>>()

  constructor (db: Database, clock: Clock) {
    this.#clock = clock
    this.#insert = db.prepare(`
      INSERT INTO access_log (at, token_id, role, method, route, url, object_id, ip, status, outcome, request_id, ended_at)
      VALUES (@at, @tokenId, @role, @method, @route, @url, @objectId, @ip, @status, @outcome, @requestId, @endedAt) RETURNING *`)
    this.#complete = db.prepare(`
      UPDATE access_log SET status = @status, outcome = @outcome, ended_at = @endedAt
      WHERE id = @id AND outcome = 'pending' RETURNING *`)
    this.#byRequest = db.prepare('SELECT * FROM access_log WHERE request_id = ? ORDER BY id DESC LIMIT 1')
    for (const byToken of [false, true]) {
      const where = byToken ? 'WHERE token_id = @tokenId' : ''
      for (const order of ['asc', 'desc']) {
        this.#list.set(`${byToken}:${order}`, db.prepare(`SELECT * FROM access_log ${where} ORDER BY id ${order} LIMIT @limit OFFSET @offset`))
      }
      this.#count.set(String(byToken), db.prepare(`SELECT count(*) AS n FROM access_log ${where}`))
    }
  }

  /** The row of a request just authorized (or refused by auth), outcome pending until `complete`. */
  open (e: OpenAccessEntry): AccessEntry {
    return this.#add({ ...e, status: null, outcome: 'pending', endedAt: null })
  }

  /** Ends a pending row, once. Throws EVENT_IMMUTABLE for a row already final (or none). */
  complete (id: number, { status, outcome }: AccessCompletion): AccessEntry {
    if ((outcome as AccessOutcome) === 'pending') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', 'a completion needs a final outcome')
    const row = this.#complete.get({ id, status, outcome, endedAt: this.#clock().toISOString() })
    if (row === undefined) throw new LantaiError('EVENT_IMMUTABLE', `access-log row ${id} is not pending`, { id })
    return toAccessEntry(row)
  }

  /** A request recorded whole, already final. */
  append (e: NewAccessEntry): AccessEntry {
    const at = e.at ?? this.#clock().toISOString()
    return this.#add({ ...e, at, endedAt: e.endedAt ?? at })
  }

  #add (e: Record<string, unknown>): AccessEntry {
    const row = this.#insert.get({ ...e, at: e.at ?? this.#clock().toISOString() })
    if (row === undefined) throw new Error('INSERT … RETURNING gave no row')
    return toAccessEntry(row)
  }

  /** The row of one request, by its request id (the x-request-id header); the newest if an id was reused. */
  byRequestId (requestId: string): AccessEntry | null {
    const row = this.#byRequest.get(requestId)
    return row === undefined ? null : toAccessEntry(row)
  }

  /** Newest first unless `order: 'asc'`. */
  list (query: AccessQuery): Page<AccessEntry> {
    checkPage(query)
    const byToken = query.tokenId !== undefined
    const list = this.#list.get(`${byToken}:${query.order ?? 'desc'}`)
    const count = this.#count.get(String(byToken))
    if (list === undefined || count === undefined) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `order must be asc or desc, got ${String(query.order)}`)
    const filters = byToken ? { tokenId: query.tokenId } : {}
    return { items: list.all({ ...filters, limit: query.limit, offset: query.offset }).map(toAccessEntry), total: count.get(filters)?.n ?? 0 }
  }
}
