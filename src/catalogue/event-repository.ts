import type { Database, Statement } from 'better-sqlite3'
import { LantaiError } from '../errors.js'
import { checkPage, fromJson, toJson, type Clock, type Page, type PageQuery } from './sql.js'

// PREMIS-style events: what happened (type), to what (object), by whom (agent), with what outcome.
// Insert-only: there is no update or delete here, and triggers refuse them from any SQL session.

export type EventOutcome = 'success' | 'failure' | 'warning' | 'info'
export type EventObjectType = 'project' | 'submission' | 'package' | 'content' | 'token' | 'system'

export interface Event {
  id: number
  at: string
  type: string
  outcome: EventOutcome
  /** a token id, or 'system' for the service itself */
  agent: string
  objectType: EventObjectType
  objectId: string
  detail: unknown | null
}

export type NewEvent = Omit<Event, 'id' | 'at' | 'detail'> & { at?: string, detail?: unknown }

export interface EventQuery extends PageQuery {
  objectType?: EventObjectType
  objectId?: string
  type?: string
  order?: 'asc' | 'desc'
}

interface EventRow {
  id: number
  at: string
  type: string
  outcome: string
  agent: string
  object_type: string
  object_id: string
  detail: string | null
}

export const toEvent = (row: EventRow): Event => ({
  id: row.id,
  at: row.at,
  type: row.type,
  outcome: row.outcome as EventOutcome,
  agent: row.agent,
  objectType: row.object_type as EventObjectType,
  objectId: row.object_id,
  detail: fromJson(row.detail)
})

const FILTERS = [['objectType', 'object_type'], ['objectId', 'object_id'], ['type', 'type']] as const

export class EventRepository {
  readonly #clock: Clock
  readonly #insert: Statement<Record<string, unknown>, EventRow>
  // one statement per combination of filters, so each can use its index (an `@x IS NULL OR …`
  // statement is planned once, without knowing which filters are set, and scans the table)
  readonly #list = new Map<string, Statement<Record<string, unknown>, EventRow>>()
  readonly #count = new Map<string, Statement<Record<string, unknown>, { n: number }>>()

  constructor (db: Database, clock: Clock) {
    this.#clock = clock
    this.#insert = db.prepare(`
      INSERT INTO events (at, type, outcome, agent, object_type, object_id, detail)
      VALUES (@at, @type, @outcome, @agent, @objectType, @objectId, @detail) RETURNING *`)
    for (let mask = 0; mask < 1 << FILTERS.length; mask++) {
      const where = FILTERS.filter((_, i) => (mask & (1 << i)) !== 0).map(([p, c]) => `${c} = @${p}`)
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
      for (const order of ['asc', 'desc'] as const) {
        this.#list.set(`${mask}:${order}`, db.prepare(`SELECT * FROM events ${clause} ORDER BY id ${order} LIMIT @limit OFFSET @offset`))
      }
      this.#count.set(String(mask), db.prepare(`SELECT count(*) AS n FROM events ${clause}`))
    }
  }

  /** Appends one event; callers inside another repository's transaction get it in that transaction. */
  append (e: NewEvent): Event {
    const row = this.#insert.get({
      at: e.at ?? this.#clock().toISOString(),
      type: e.type,
      outcome: e.outcome,
      agent: e.agent,
      objectType: e.objectType,
      objectId: e.objectId,
      detail: toJson(e.detail)
    })
    if (row === undefined) throw new Error('INSERT … RETURNING gave no row')
    return toEvent(row)
  }

  list (query: EventQuery): Page<Event> {
    checkPage(query)
    let mask = 0
    const params: Record<string, unknown> = { limit: query.limit, offset: query.offset }
    FILTERS.forEach(([p], i) => {
      const v = query[p]
      if (v !== undefined) { mask |= 1 << i; params[p] = v }
    })
    const list = this.#list.get(`${mask}:${query.order ?? 'asc'}`)
    const count = this.#count.get(String(mask))
    if (list === undefined || count === undefined) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `order must be asc or desc, got ${String(query.order)}`)
    const { limit: _l, offset: _o, ...filters } = params
    return { items: list.all(params).map(toEvent), total: count.get(filters)?.n ?? 0 }
  }
}
