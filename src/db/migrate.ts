import type { Database } from './open.js'
import { LantaiError } from '../errors.js'
import { migration0001 } from './migrations/0001-catalogue.js'
import { migration0002 } from './migrations/0002-locks-and-seal-decisions.js'
import { migration0003 } from './migrations/0003-seal-evidence.js'
import { migration0004 } from './migrations/0004-damage-and-modes.js'
import { migration0005 } from './migrations/0005-access-log-outcome.js'

// Numbered migrations, applied in order at open, one transaction each, the version kept in
// PRAGMA user_version (STYLE.md "Database"). A migration is never edited once released: add the next one.

export interface Migration {
  /** 1, 2, 3 … with no gaps; becomes PRAGMA user_version once applied. */
  readonly version: number
  readonly name: string
  up (db: Database): void
}

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005]

export interface MigrateResult { from: number, to: number, applied: string[] }

const userVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number

export function migrate (db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrateResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}`)
  })
  const latest = migrations.length
  const from = userVersion(db)
  if (from > latest) {
    throw new LantaiError('CATALOGUE_TOO_NEW', `database version ${from}, this Lantai knows up to ${latest}`, { found: from, supported: latest })
  }
  const applied: string[] = []
  for (const m of migrations.slice(from)) {
    // IMMEDIATE takes the write lock before reading user_version, so two processes opening a fresh
    // file at once cannot both apply the same migration: the second sees the new version and skips.
    const step = db.transaction(() => {
      if (userVersion(db) >= m.version) return false
      m.up(db)
      db.pragma(`user_version = ${m.version}`)
      return true
    })
    try {
      if (step.immediate()) applied.push(m.name)
    } catch (err) {
      throw new LantaiError('CATALOGUE_MIGRATION_FAILED', m.name, { version: m.version }, { cause: err })
    }
  }
  return { from, to: userVersion(db), applied }
}
