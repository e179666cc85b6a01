// A scratch PostgreSQL database for one bench side: made with `pg` on the server the admin URL names
// (--database-url or LANTAI_BENCH_PG_URL), dropped when the side is done, so every run starts empty and
// nothing of the bench stays on the server.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface ScratchDatabase {
  /** The admin URL with the scratch database as its path: what the catalogue or the service is given. */
  readonly url: string
  readonly name: string
  /** A query on the scratch database itself (e.g. to check the service really used it). */
  query<T extends pg.QueryResultRow> (sql: string, params?: unknown[]): Promise<T[]>
  drop (): Promise<void>
}

/** Every scratch database still there: dropped on the way out, like the children of util.ts. */
const live = new Set<ScratchDatabase>()

export function isPostgresUrl (url: string): boolean { return /^postgres(ql)?:\/\//.test(url) }

export async function createScratchDatabase (adminUrl: string, label: string): Promise<ScratchDatabase> {
  // Lower-case letters, digits and _ only: the name goes into CREATE DATABASE unquoted-safe.
  const name = `lantai_bench_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`
  await admin(adminUrl, `CREATE DATABASE ${name}`)
  const target = new URL(adminUrl)
  target.pathname = `/${name}`
  const url = target.toString()
  const db: ScratchDatabase = {
    url,
    name,
    async query<T extends pg.QueryResultRow> (sql: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        return (await client.query<T>(sql, params)).rows
      } finally {
        await client.end()
      }
    },
    async drop () {
      live.delete(db)
      // WITH (FORCE), PostgreSQL 13+: a service child killed mid-run may leave its connections behind.
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  }
  live.add(db)
  return db
}

/** For the bench's exit path: drops what a failed part left. */
export async function dropAllScratch (): Promise<void> {
  for (const db of [...live]) await db.drop().catch(() => {})
}

async function admin (adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
