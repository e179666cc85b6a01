import { LantaiError } from '../../errors.js'
import type { Engine } from './schema.js'
import type { Migration } from './migration.js'
import { migration0001 } from './migrations/0001-catalogue.js'
import { migration0002 } from './migrations/0002-locks-and-seal-decisions.js'
import { migration0003 } from './migrations/0003-seal-evidence.js'
import { migration0004 } from './migrations/0004-damage-and-modes.js'
import { migration0005 } from './migrations/0005-access-log-outcome.js'
import { migration0006 } from './migrations/0006-kept-digests.js'
import { migration0007 } from './migrations/0007-project-record.js'
import { migration0008 } from './migrations/0008-outbox.js'
import { migration0009 } from './migrations/0009-audit-trail.js'
import { migration0010 } from './migrations/0010-accounts.js'
import { migration0011 } from './migrations/0011-acceptance-review.js'
import { migration0012 } from './migrations/0012-acceptance-checks.js'
import { migration0013 } from './migrations/0013-storage-nodes.js'
import { migration0014 } from './migrations/0014-commitments-credit.js'
import { migration0015 } from './migrations/0015-labels.js'
import { migration0016 } from './migrations/0016-two-person-aggregation.js'
import { migration0017 } from './migrations/0017-replication-queue.js'
import { migration0018 } from './migrations/0018-drills-tier-keys.js'

// Numbered migrations, applied in order at open, one transaction each (STYLE.md "Database"). The version
// is PRAGMA user_version on SQLite (as it always was, so files made before PostgreSQL arrived keep
// working) and the one row of lantai_schema_version on PostgreSQL. A migration is never edited once
// released: add the next one.

export type { Migration, MigrationContext } from './migration.js'

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008,
  migration0009, migration0010, migration0011, migration0012, migration0013,
  migration0014, migration0015, migration0016, migration0017, migration0018]

export interface MigrateResult { from: number, to: number, applied: string[] }

/** One engine's way to keep the version and to run one migration as a transaction. */
export interface MigrationTarget {
  readonly engine: Engine
  /** the version now, read outside any migration */
  version (): Promise<number>
  /**
   * Runs `step` in one transaction that holds the engine's write lock before it reads the version, so
   * two processes opening a fresh catalogue at once cannot both apply the same migration.
   */
  transaction<T> (step: (tx: { version: () => Promise<number>, setVersion: (v: number) => Promise<void>, exec: (sql: string) => Promise<void> }) => Promise<T>): Promise<T>
}

export async function migrate (target: MigrationTarget, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}`)
  })
  const latest = migrations.length
  const from = await target.version()
  if (from > latest) {
    throw new LantaiError('CATALOGUE_TOO_NEW', `database version ${from}, this Lantai knows up to ${latest}`, { found: from, supported: latest })
  }
  const applied: string[] = []
  for (const m of migrations.slice(from)) {
    try {
      const done = await target.transaction(async tx => {
        if (await tx.version() >= m.version) return false
        await m.up({ engine: target.engine, exec: tx.exec })
        await tx.setVersion(m.version)
        return true
      })
      if (done) applied.push(m.name)
    } catch (err) {
      if (err instanceof LantaiError && err.code.startsWith('DB_')) throw err
      throw new LantaiError('CATALOGUE_MIGRATION_FAILED', m.name, { version: m.version }, { cause: err })
    }
  }
  return { from, to: await target.version(), applied }
}
