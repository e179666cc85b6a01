import { sql } from 'kysely'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor } from './db/schema.js'
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

export class AggregationLedger {
  readonly #db: CatalogueDatabase
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Runs `work` in one transaction that holds `person`'s ledger lock; what it writes commits together. */
  async forPerson<T> (person: string, work: (tx: Executor) => Promise<T>): Promise<T> {
    return await this.#db.db.transaction().execute(async tx => {
      if (this.#db.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${'aggregation:' + person}))`.execute(tx)
      return await work(tx)
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

  async record (reads: ReadonlyArray<Omit<LedgerRead, 'at'> & { at?: string }>, tx: Executor): Promise<void> {
    if (reads.length === 0) return
    const at = this.#clock().toISOString()
    await tx.insertInto('aggregation_reads').values(reads.map(r => ({
      at: r.at ?? at, person: r.person, action: r.action, package_id: r.packageId, path: r.path,
      map_sheets: JSON.stringify(r.mapSheets), area_km2: r.areaKm2, scope_request: r.scopeRequest
    }))).execute()
  }
}
