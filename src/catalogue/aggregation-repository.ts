import { sql } from 'kysely'
import type { ApprovalRepository, ApprovalRequest, AuditMaker } from './approval-repository.js'
import type { AuditRepository } from './audit-repository.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { OutboxRepository } from './outbox-repository.js'
import { fromJson, type Clock } from './sql.js'

// The aggregation ledger (issue 15 item 5): who read which pipeline-survey file, its map sheets and area,
// when and by which action. Insert-only. The guard (src/access/aggregation.ts) sums one person's window
// and writes the reads it allows in the same transaction, under a per-person lock on PostgreSQL (SQLite
// runs one writer at a time), so two requests of one person cannot both slip under the cap.

export const LEDGER_ACTIONS = ['read', 'search', 'export'] as const
export type LedgerAction = typeof LEDGER_ACTIONS[number]

export interface LedgerRead {
  at: string
  person: string
  action: LedgerAction
  packageId: string
  path: string
  mapSheets: string[]
  areaKm2: number | null
  /** the approved aggregation-scope request that let the read through over the cap */
  scopeRequest: string | null
}

export type NewLedgerRead = Pick<LedgerRead, 'packageId' | 'path' | 'mapSheets' | 'areaKm2'>

/** What the guard's rule made of a person's window: record the reads (under a scope or none), or refuse them with an alert. */
export type LedgerDecision<T> =
  | { record: true, scope: string | null, outcome: T }
  | { record: false, alert: { detail: Record<string, unknown>, audit: AuditMaker, outbox: { type: string, payload: unknown } }, outcome: T }

export class AggregationLedger {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #audit: AuditRepository
  readonly #outbox: OutboxRepository
  readonly #approvals: ApprovalRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, deps: { events: EventRepository, audit: AuditRepository, outbox: OutboxRepository, approvals: ApprovalRepository }, clock: Clock) {
    this.#db = db
    this.#events = deps.events
    this.#audit = deps.audit
    this.#outbox = deps.outbox
    this.#approvals = deps.approvals
    this.#clock = clock
  }

  /**
   * One guarded read, in one transaction holding `person`'s ledger lock: the window's reads since
   * `since` and the person's scopes in force are handed to `decide` (the rule, src/access/aggregation.ts),
   * and what it decides commits together: the reads in the ledger, or the alert (an
   * `aggregation.refused` event, the audit row, the outbox message) with nothing in the ledger.
   */
  async guard<T> (input: { person: string, action: LedgerAction, since: string, reads: readonly NewLedgerRead[] }, decide: (prior: LedgerRead[], scopes: ApprovalRequest[]) => LedgerDecision<T>): Promise<T> {
    return await this.#db.db.transaction().execute(async tx => {
      if (this.#db.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${'aggregation:' + input.person}))`.execute(tx)
      const at = this.#clock().toISOString()
      const d = decide(await this.since(input.person, input.since, tx), await this.#approvals.scopesInForce(input.person, at, tx))
      if (d.record) {
        await this.#record(input.reads.map(r => ({ ...r, person: input.person, action: input.action, scopeRequest: d.scope })), at, tx)
      } else {
        await this.#events.append({ at, type: 'aggregation.refused', outcome: 'warning', agent: input.person, objectType: 'system', objectId: input.person, detail: d.alert.detail }, tx)
        await this.#audit.append(d.alert.audit, tx)
        await this.#outbox.publish(d.alert.outbox.type, d.alert.outbox.payload, tx)
      }
      return d.outcome
    })
  }

  /** The reads of `person` (every person when null) at or after `since`, oldest first. */
  async since (person: string | null, since: string, tx: Executor = this.#db.db): Promise<LedgerRead[]> {
    const rows = await tx.selectFrom('aggregation_reads').selectAll().where('at', '>=', since)
      .$if(person !== null, q => q.where('person', '=', person ?? ''))
      .orderBy('id').execute()
    return rows.map(r => ({
      at: r.at, person: r.person, action: r.action as LedgerAction, packageId: r.package_id, path: r.path,
      mapSheets: fromJson(r.map_sheets) as string[], areaKm2: r.area_km2, scopeRequest: r.scope_request
    }))
  }

  async #record (reads: ReadonlyArray<Omit<LedgerRead, 'at'>>, at: string, tx: Executor): Promise<void> {
    if (reads.length === 0) return
    await tx.insertInto('aggregation_reads').values(reads.map(r => ({
      at, person: r.person, action: r.action, package_id: r.packageId, path: r.path,
      map_sheets: JSON.stringify(r.mapSheets), area_km2: r.areaKm2, scope_request: r.scopeRequest
    }))).execute()
  }
}
