import type { Database, Statement } from 'better-sqlite3'
import { addMs, type Clock } from './sql.js'

// Named leases in the catalogue. A process-local mutex cannot stop a second worker on another machine
// from writing the same OCFL object; a row here can, because every worker shares the catalogue. A
// holder that dies simply stops renewing, and its lease runs out.

export interface LockLease { name: string, holder: string, expiresAt: string }

export class LockRepository {
  readonly #clock: Clock
  readonly #take: Statement
  readonly #renew: Statement
  readonly #release: Statement
  readonly #get: Statement
  readonly #all: Statement

  constructor (db: Database, clock: Clock) {
    this.#clock = clock
    // One statement: free, expired or already ours is taken; anyone else's live lease is left alone.
    this.#take = db.prepare(`
      INSERT INTO locks (name, holder, acquired_at, expires_at) VALUES (@name, @holder, @now, @until)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
        WHERE locks.expires_at <= @now OR locks.holder = excluded.holder`)
    this.#renew = db.prepare('UPDATE locks SET expires_at = @until WHERE name = @name AND holder = @holder')
    this.#release = db.prepare('DELETE FROM locks WHERE name = ? AND holder = ?')
    this.#get = db.prepare('SELECT name, holder, expires_at AS expiresAt FROM locks WHERE name = ?')
    this.#all = db.prepare('SELECT name, holder, expires_at AS expiresAt FROM locks ORDER BY name')
  }

  /** True when `holder` now holds `name` for `ttlMs`. */
  tryAcquire (name: string, holder: string, ttlMs: number): boolean {
    const now = this.#clock()
    return this.#take.run({ name, holder, now: now.toISOString(), until: addMs(now, ttlMs) }).changes === 1
  }

  /** False when the lease was lost (it ran out and someone else took it). */
  renew (name: string, holder: string, ttlMs: number): boolean {
    return this.#renew.run({ name, holder, until: addMs(this.#clock(), ttlMs) }).changes === 1
  }

  release (name: string, holder: string): void {
    this.#release.run(name, holder)
  }

  /** Every lease, live or run out (a handful: one per object being written). */
  all (): LockLease[] {
    return this.#all.all() as LockLease[]
  }

  get (name: string): LockLease | null {
    return (this.#get.get(name) as LockLease | undefined) ?? null
  }
}
