import type { CatalogueDatabase } from './db/open.js'
import { addMs, type Clock } from './sql.js'

// Named leases in the catalogue. A process-local mutex cannot stop a second worker on another machine
// from writing the same OCFL object; a row here can, because every worker shares the catalogue. A
// holder that dies simply stops renewing, and its lease runs out.

export interface LockLease { name: string, holder: string, expiresAt: string }

export class LockRepository {
  readonly #db: CatalogueDatabase
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** True when `holder` now holds `name` for `ttlMs`. */
  async tryAcquire (name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock()
    const at = now.toISOString()
    // One statement: free, expired or already ours is taken; anyone else's live lease is left alone.
    const r = await this.#db.db.insertInto('locks').values({ name, holder, acquired_at: at, expires_at: addMs(now, ttlMs) })
      .onConflict(oc => oc.column('name').doUpdateSet(eb => ({
        holder: eb.ref('excluded.holder'), acquired_at: eb.ref('excluded.acquired_at'), expires_at: eb.ref('excluded.expires_at')
      })).where(eb => eb.or([eb('locks.expires_at', '<=', at), eb('locks.holder', '=', eb.ref('excluded.holder'))])))
      .executeTakeFirst()
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1
  }

  /** False when the lease was lost (it ran out and someone else took it). */
  async renew (name: string, holder: string, ttlMs: number): Promise<boolean> {
    const r = await this.#db.db.updateTable('locks').set({ expires_at: addMs(this.#clock(), ttlMs) }).where('name', '=', name).where('holder', '=', holder).executeTakeFirst()
    return Number(r.numUpdatedRows) === 1
  }

  async release (name: string, holder: string): Promise<void> {
    await this.#db.db.deleteFrom('locks').where('name', '=', name).where('holder', '=', holder).execute()
  }

  /** Every lease, live or run out (a handful: one per object being written). */
  async all (): Promise<LockLease[]> {
    return await this.#db.db.selectFrom('locks').select(['name', 'holder', 'expires_at as expiresAt']).orderBy('name').execute()
  }

  async get (name: string): Promise<LockLease | null> {
    return await this.#db.db.selectFrom('locks').select(['name', 'holder', 'expires_at as expiresAt']).where('name', '=', name).executeTakeFirst() ?? null
  }
}
