import BetterSqlite3 from 'better-sqlite3'
import { createHash } from 'node:crypto'
import pg from 'pg'
import type { Test } from 'tap'
import { openCatalogue, type Catalogue, type ContentInput, type Digests, type Engine } from '../../src/catalogue/index.js'
import type { TestLike } from '../fixtures/bags.js'

// Shared by the catalogue tests: a real catalogue on each engine (a SQLite file in the test's testdir, a
// fresh PostgreSQL database on the test cluster), a clock the test moves, raw SQL
// sessions beside the catalogue, and content digests computed from strings.

export interface TeardownLike extends TestLike { teardown (fn: () => unknown): void }

// Where the contract tests run (a SQLite file always; a fresh database on the test cluster whenever it
// runs, always in CI) is the shared fixture's to say.
import { catalogueTargets, type CatalogueTarget } from '../fixtures/databases.js'
export { catalogueTargets, type CatalogueTarget }

/** One test, run as a subtest on each engine catalogueTargets gives. */
export function eachEngine (t: Test, name: string, fn: (t: Test, target: CatalogueTarget) => Promise<void>): void {
  void t.test(name, async tt => {
    for (const target of await catalogueTargets(tt)) await tt.test(target.engine, async sub => { await fn(sub, target) })
  })
}

export class TestClock {
  ms: number
  constructor (start = '2024-05-01T00:00:00.000Z') { this.ms = Date.parse(start) }
  readonly now = (): Date => new Date(this.ms)
  advance (ms: number): void { this.ms += ms }
  set (iso: string): void { this.ms = Date.parse(iso) }
  iso (): string { return new Date(this.ms).toISOString() }
}

/** A session of plain SQL beside the catalogue, as an operator's shell would have; `?` placeholders on both engines. */
export interface RawSql {
  all<R = Record<string, unknown>> (text: string, params?: unknown[]): Promise<R[]>
  run (text: string, params?: unknown[]): Promise<void>
}

export async function rawSql (t: TeardownLike, { engine, target }: CatalogueTarget): Promise<RawSql> {
  if (engine === 'sqlite') {
    const db = new BetterSqlite3(target)
    t.teardown(() => { db.close() })
    return {
      all: async <R>(text: string, params: unknown[] = []) => {
        const stmt = db.prepare(text)
        return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as R[]
      },
      run: async (text, params = []) => { db.prepare(text).run(...params) }
    }
  }
  const client = new pg.Client({ connectionString: target, types: { getTypeParser: (oid: number, format?: string) => oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text') } as typeof pg.types })
  await client.connect()
  t.teardown(async () => { await client.end() })
  let n = 0
  const numbered = (text: string): string => { n = 0; return text.replace(/\?/g, () => `$${++n}`) }
  return {
    all: async <R>(text: string, params: unknown[] = []) => (await client.query(numbered(text), params)).rows as R[],
    run: async (text, params = []) => { await client.query(numbered(text), params) }
  }
}

export interface TestCatalogue { c: Catalogue, target: CatalogueTarget, clock: TestClock, reopen: () => Promise<Catalogue>, sql: () => Promise<RawSql> }

export async function makeCatalogue (t: TeardownLike, target: CatalogueTarget, clock = new TestClock()): Promise<TestCatalogue> {
  const opened: Catalogue[] = []
  const open = async (): Promise<Catalogue> => { const c = await openCatalogue(target.target, clock.now); opened.push(c); return c }
  t.teardown(async () => { for (const c of opened) await c.close() })
  let raw: RawSql | undefined
  return { c: await open(), target, clock, reopen: open, sql: async () => (raw ??= await rawSql(t, target)) }
}

/** A trigger that makes every event insert fail, to show a change and its event commit together or not at all. */
export async function breakEvents (sql: RawSql, engine: Engine): Promise<() => Promise<void>> {
  if (engine === 'sqlite') {
    await sql.run("CREATE TRIGGER break_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    return async () => { await sql.run('DROP TRIGGER break_events') }
  }
  await sql.run("CREATE FUNCTION break_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$")
  await sql.run('CREATE TRIGGER break_events BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION break_events()')
  return async () => { await sql.run('DROP TRIGGER break_events ON events') }
}

const hex = (alg: string, data: string): string => createHash(alg).update(data).digest('hex')

export const digestsOf = (data: string): Digests => ({
  size: Buffer.byteLength(data), sha512: hex('sha512', data), sha256: hex('sha256', data), md5: hex('md5', data), sm3: hex('sm3', data), otherDigests: {}
})

export const contentOf = (contentPath: string, data: string, nextCheckAt?: string): ContentInput =>
  ({ contentPath, ...digestsOf(data), ...(nextCheckAt === undefined ? {} : { nextCheckAt }) })

/** A project and a submission moved to 'transferring', ready for a version. */
export async function transferringSubmission (c: Catalogue, projectCode: string): Promise<string> {
  if (await c.projects.get(projectCode) === null) await c.projects.create({ code: projectCode, name: `project ${projectCode}`, unit: 'Unit A' })
  const s = await c.submissions.create({ projectCode, contentType: 'application/x-tar', createdBy: null })
  await c.submissions.transition(s.id, 'receiving', 'received')
  await c.submissions.transition(s.id, 'received', 'checking')
  await c.submissions.transition(s.id, 'checking', 'checked')
  await c.submissions.transition(s.id, 'checked', 'transferring')
  return s.id
}

/** Every error thrown (or rejected) by fn, for t.match against { code }. */
export async function thrown (fn: () => unknown): Promise<unknown> {
  try { await fn() } catch (err) { return err }
  return undefined
}
