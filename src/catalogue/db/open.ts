import BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type PostgresPool, type PostgresPoolClient, type SqliteDialectConfig } from 'kysely'
import { resolve } from 'node:path'
import pg from 'pg'
import { connectError, lostError } from './connection-errors.js'
import { selectsPostgres } from '../../database-url.js'
import { isLantaiError } from '../../errors.js'
import { migrate, MIGRATIONS, type Migration, type MigrationTarget } from './migrate.js'
import type { Engine, Schema } from './schema.js'

// The catalogue is a SQLite file (the embedded default) or a PostgreSQL database shared by several Lantai
// processes. This is the only module that knows the drivers: the repositories see a Kysely<Schema>.

export type SqliteDatabase = BetterSqlite3.Database

export interface OpenOptions {
  /** Migrations to apply at open; `false` opens without migrating (tests of migrate itself). */
  migrations?: readonly Migration[] | false
}

export interface CatalogueDatabase {
  readonly engine: Engine
  readonly db: Kysely<Schema>
  /** Bound parameters one statement may carry (multi-row inserts are chunked to fit). */
  readonly maxParams: number
  /** Idempotent. */
  close (): Promise<void>
}


/** Cap on the WAL file left behind after a checkpoint; without it the file keeps its largest size. */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

/** A better-sqlite3 connection with the catalogue's pragmas; every SQLite connection goes through here. */
export function openSqliteFile (file: string): SqliteDatabase {
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
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

export function sqliteMigrationTarget (db: SqliteDatabase): MigrationTarget {
  const version = (): number => db.pragma('user_version', { simple: true }) as number
  return {
    engine: 'sqlite',
    version: async () => version(),
    async transaction (step) {
      // IMMEDIATE takes the write lock before the version is read (see MigrationTarget.transaction).
      db.exec('BEGIN IMMEDIATE')
      try {
        const result = await step({ version: async () => version(), setVersion: async v => { db.pragma(`user_version = ${v}`) }, exec: async sql => { db.exec(sql) } })
        db.exec('COMMIT')
        return result
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK')
        throw err
      }
    }
  }
}

// Several catalogues on one file in one process (a command beside the service in tests, a second
// connection) take turns here: better-sqlite3 waits for SQLite's lock synchronously, so a connection
// waiting on another connection's open transaction would block the event loop that transaction needs
// to finish, and both would fail after the busy timeout.
const fileTurns = new Map<string, Promise<void>>()

async function takeTurn (key: string): Promise<() => void> {
  const previous = fileTurns.get(key) ?? Promise.resolve()
  let done!: () => void
  const mine = new Promise<void>(resolve => { done = resolve })
  const tail = previous.then(async () => await mine)
  fileTurns.set(key, tail)
  await previous
  return () => {
    done()
    if (fileTurns.get(key) === tail) fileTurns.delete(key)
  }
}

// Writers take SQLite's write lock at BEGIN, as better-sqlite3's .immediate() did: a deferred transaction
// that reads and then writes fails with SQLITE_BUSY when another process wrote in between, and a
// read-then-update such as a job claim must not be split by another writer.
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #key: string
  #endTurn: (() => void) | undefined
  constructor (config: SqliteDialectConfig, key: string) { super(config); this.#key = key }

  override async acquireConnection (): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection()
    this.#endTurn = await takeTurn(this.#key)
    return connection
  }

  override async releaseConnection (): Promise<void> {
    const end = this.#endTurn
    this.#endTurn = undefined
    end?.()
    await super.releaseConnection()
  }

  override async beginTransaction (connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class CatalogueSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  readonly #key: string
  constructor (config: SqliteDialectConfig, key: string) { super(config); this.#config = config; this.#key = key }
  override createDriver (): SqliteDriver { return new ImmediateSqliteDriver(this.#config, this.#key) }
}

async function openSqlite (file: string, options: OpenOptions): Promise<CatalogueDatabase> {
  const raw = openSqliteFile(file)
  try {
    const migrations = options.migrations ?? MIGRATIONS
    if (migrations !== false) await migrate(sqliteMigrationTarget(raw), migrations)
  } catch (err) {
    raw.close()
    throw err
  }
  const db = new Kysely<Schema>({ dialect: new CatalogueSqliteDialect({ database: raw }, resolve(file)) })
  let closing: Promise<void> | undefined
  return {
    engine: 'sqlite',
    db,
    // SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite
    maxParams: 32766,
    close: async () => { closing ??= db.destroy(); await closing }
  }
}

// int8 (counts, sums, BIGINT sizes and the log ids) as a JS number, so both engines return one shape;
// a catalogue never holds 2^53 bytes in one package, and a value past that is refused, not rounded.
const INT8_OID = 20
const parseInt8 = (text: string): number => {
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 ${text} is beyond a safe JS integer`)
  return n
}
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
}

const PG_MIGRATION_LOCK = 0x4c414e54 // 'LANT': one migrator at a time across every process

function postgresMigrationTarget (client: pg.PoolClient): MigrationTarget {
  const version = async (): Promise<number> => {
    const exists = await client.query<{ t: string | null }>("SELECT to_regclass('lantai_schema_version')::text AS t")
    if (exists.rows[0]?.t === null || exists.rows[0] === undefined) return 0
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM lantai_schema_version')
    return r.rows[0]?.v ?? 0
  }
  return {
    engine: 'postgres',
    version,
    async transaction (step) {
      await client.query('BEGIN')
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [PG_MIGRATION_LOCK])
        await client.query('CREATE TABLE IF NOT EXISTS lantai_schema_version (version INTEGER NOT NULL)')
        const result = await step({
          version,
          setVersion: async v => {
            await client.query('DELETE FROM lantai_schema_version')
            await client.query('INSERT INTO lantai_schema_version (version) VALUES ($1)', [v])
          },
          exec: async sql => { await client.query(sql) }
        })
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      }
    }
  }
}

const ignore = (): void => {}

/** The pool as Kysely sees it: every query's lost-connection error becomes DB_UNAVAILABLE here, once. */
function mappedPool (pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  return {
    async connect () {
      let client: pg.PoolClient
      try { client = await pool.connect() } catch (err) { throw lostError(connectError(err, '')) }
      let w = wrapped.get(client)
      if (w === undefined) {
        const c = client
        // The pool listens for errors only while a client is idle; one lost under a query also emits
        // 'error', which with no listener would end the process. The query's own promise carries it.
        c.on('error', ignore)
        // A client whose connection was lost goes back to the pool destroyed (release(true)), so the
        // next call (the client's retry) gets a new connection instead of the dead one.
        let lost = false
        w = {
          query: (async (...args: Parameters<pg.PoolClient['query']>) => {
            try {
              return await (c.query as (...a: unknown[]) => Promise<unknown>)(...args)
            } catch (err) {
              const mapped = lostError(err)
              if (isLantaiError(mapped) && mapped.code === 'DB_UNAVAILABLE') lost = true
              throw mapped
            }
          }) as unknown as PostgresPoolClient['query'],
          release: ((...a: Parameters<pg.PoolClient['release']>) => {
            if (lost) wrapped.delete(c)
            c.release(lost ? true : a[0])
          }) as PostgresPoolClient['release']
        }
        wrapped.set(client, w)
      }
      return w
    },
    end: async () => { await pool.end() }
  }
}

async function openPostgres (target: string, options: OpenOptions): Promise<CatalogueDatabase> {
  const pool = new pg.Pool({ connectionString: target, types, connectionTimeoutMillis: 5000, max: 10 })
  // A client lost while idle in the pool is dropped by the pool; without a listener it would end the process.
  pool.on('error', ignore)
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (err) {
    await pool.end().catch(() => {})
    throw connectError(err, target)
  }
  client.on('error', ignore)
  try {
    const migrations = options.migrations ?? MIGRATIONS
    if (migrations !== false) await migrate(postgresMigrationTarget(client), migrations)
  } catch (err) {
    client.release()
    await pool.end().catch(() => {})
    throw lostError(err)
  }
  client.release()
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: mappedPool(pool) }) })
  let closing: Promise<void> | undefined
  return {
    engine: 'postgres',
    db,
    maxParams: 65535,
    close: async () => { closing ??= db.destroy(); await closing }
  }
}

/** A postgres:// or postgresql:// URL opens PostgreSQL; anything else is a SQLite file path. */
export async function openDatabase (target: string, options: OpenOptions = {}): Promise<CatalogueDatabase> {
  return selectsPostgres(target) ? await openPostgres(target, options) : await openSqlite(target, options)
}
