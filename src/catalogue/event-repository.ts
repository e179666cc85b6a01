import type { Insertable, Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { EventsTable, Executor } from './db/schema.js'
import { checkPage, fromJson, insertMany, oneOf, toJson, type Clock, type Columns, type Page, type PageQuery } from './sql.js'
import type { VisibleTiers } from './package-repository.js'
import { submissionVisible } from './tier-filters.js'

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
  /**
   * only events whose object, when it is a package, a project or a submission, has one of these tiers (the caller's
   * clearance): filtered before paging, so totals leave the hidden objects' events out
   */
  tiers?: VisibleTiers
}

type EventRow = Selectable<EventsTable>

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

const EVENT_COLUMNS = { at: 'text', type: 'text', outcome: 'text', agent: 'text', object_type: 'text', object_id: 'text', detail: 'text' } as const satisfies Columns
const EVENT_NAMES = Object.keys(EVENT_COLUMNS) as Array<keyof typeof EVENT_COLUMNS>

export class EventRepository {
  readonly #db: CatalogueDatabase
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Appends one event; another repository passes its transaction so the event commits with its change. */
  async append (e: NewEvent, tx: Executor = this.#db.db): Promise<Event> {
    const row = await tx.insertInto('events').values(this.#row(e)).returningAll().executeTakeFirstOrThrow()
    return toEvent(row)
  }

  /** Appends events in order with multi-row inserts (a fixity batch); returns them with their ids, in order. */
  async appendMany (events: readonly NewEvent[], tx: Executor = this.#db.db): Promise<Event[]> {
    if (events.length === 0) return []
    const rows = events.map(e => { const r = this.#row(e); return EVENT_NAMES.map(c => r[c]) })
    const { engine, maxParams } = this.#db
    const out = await insertMany<EventRow>(tx, engine, maxParams, 'events', EVENT_COLUMNS, rows, 'RETURNING *')
    // ids are given in insertion order; RETURNING's row order is not promised, the ids are
    return out.sort((a, b) => a.id - b.id).map(toEvent)
  }

  #row (e: NewEvent): Insertable<EventsTable> & Record<keyof typeof EVENT_COLUMNS, string | null> {
    return {
      at: e.at ?? this.#clock().toISOString(),
      type: e.type,
      outcome: e.outcome,
      agent: e.agent,
      object_type: e.objectType,
      object_id: e.objectId,
      detail: toJson(e.detail)
    }
  }

  async list (query: EventQuery): Promise<Page<Event>> {
    checkPage(query)
    const order = query.order ?? 'asc'
    if (order !== 'asc' && order !== 'desc') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `order must be asc or desc, got ${String(query.order)}`)
    const { engine } = this.#db
    // only the filters given go into the statement, so each combination can use its index
    const filtered = this.#db.db.selectFrom('events')
      .$if(query.objectType !== undefined, q => q.where('object_type', '=', query.objectType ?? ''))
      .$if(query.objectId !== undefined, q => q.where('object_id', '=', query.objectId ?? ''))
      .$if(query.type !== undefined, q => q.where('type', '=', query.type ?? ''))
      // issue 15 item 4: an event of a package or project above the caller's clearance is not in the query
      .$if(query.tiers !== undefined, q => q.where(eb => eb.and([
        eb.not(eb.exists(eb.selectFrom('packages as p').select('p.id').where('events.object_type', '=', 'package').whereRef('p.id', '=', 'events.object_id')
          .where(pb => pb.not(oneOf(engine, pb.ref('p.tier'), [...query.tiers ?? []]))))),
        eb.not(eb.exists(eb.selectFrom('projects as j').select('j.code').where('events.object_type', '=', 'project').whereRef('j.code', '=', 'events.object_id')
          .where(jb => jb.not(oneOf(engine, jb.ref('j.tier'), [...query.tiers ?? []]))))),
        // a submission's events are its project's and package's tier, as the submission is
        eb.not(eb.exists(eb.selectFrom('submissions as s').select('s.id').where('events.object_type', '=', 'submission').whereRef('s.id', '=', 'events.object_id')
          .where(sb => sb.not(submissionVisible(engine, sb.ref('s.project_code'), sb.ref('s.package_id'), [...query.tiers ?? []])))))
      ])))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('id', order).limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toEvent), total: count?.n ?? 0 }
  }
}
