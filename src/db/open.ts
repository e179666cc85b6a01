import BetterSqlite3 from 'better-sqlite3'
import { migrate, MIGRATIONS, type Migration } from './migrate.js'

// The catalogue is a single SQLite file shared by the service, the CLI and (later) several workers.
// Pragmas are per connection, so every connection goes through here.

export type Database = BetterSqlite3.Database

export interface OpenOptions {
  /** Migrations to apply at open; `false` opens without migrating (tests of migrate itself). */
  migrations?: readonly Migration[] | false
}

/** Cap on the WAL file left behind after a checkpoint; without it the file keeps its largest size. */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

export function openDatabase (file: string, options: OpenOptions = {}): Database {
  const db = new BetterSqlite3(file, { timeout: 5000 })
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.pragma('busy_timeout = 5000')
    db.pragma('journal_mode = WAL')
    // FULL, not WAL's usual NORMAL: NORMAL may lose the last commits on power loss, and a lost
    // event or state change is a lost provenance record (research-preservation.md §10 lesson 8).
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`)
    const migrations = options.migrations ?? MIGRATIONS
    if (migrations !== false) migrate(db, migrations)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}
