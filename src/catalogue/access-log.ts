import type { Database, Statement } from 'better-sqlite3'
import { LantaiError } from '../errors.js'
import { checkPage, type Clock, type Page, type PageQuery } from './sql.js'

// Every read and every change through the API: who, what, when, from where, with what outcome
// (BRIEF.md §5). Insert-only like the events, by the same triggers.

export type AccessOutcome = 'allowed' | 'denied' | 'error'

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
  status: number
  outcome: AccessOutcome
  requestId: string
}

export type NewAccessEntry = Omit<AccessEntry, 'id' | 'at'> & { at?: string }

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
  status: number
  outcome: string
  request_id: string
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
  requestId: row.request_id
})

export class AccessLog {
  readonly #clock: Clock
  readonly #insert: Statement<Record<string, unknown>, AccessRow>
  readonly #list = new Map<string, Statement<Record<string, unknown>, AccessRow>>()
  readonly #count = new Map<string, Statement<Record<string, unknown>, { n: number }>>()

  constructor (db: Database, clock: Clock) {
    this.#clock = clock
    this.#insert = db.prepare(`
      INSERT INTO access_log (at, token_id, role, method, route, url, object_id, ip, status, outcome, request_id)
      VALUES (@at, @tokenId, @role, @method, @route, @url, @objectId, @ip, @status, @outcome, @requestId) RETURNING *`)
    for (const byToken of [false, true]) {
      const where = byToken ? 'WHERE token_id = @tokenId' : ''
      for (const order of ['asc', 'desc']) {
        this.#list.set(`${byToken}:${order}`, db.prepare(`SELECT * FROM access_log ${where} ORDER BY id ${order} LIMIT @limit OFFSET @offset`))
      }
      this.#count.set(String(byToken), db.prepare(`SELECT count(*) AS n FROM access_log ${where}`))
    }
  }

  append (e: NewAccessEntry): AccessEntry {
    const row = this.#insert.get({ ...e, at: e.at ?? this.#clock().toISOString() })
    if (row === undefined) throw new Error('INSERT … RETURNING gave no row')
    return toAccessEntry(row)
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
