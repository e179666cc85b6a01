import t from 'tap'
import { MIGRATIONS, type Migration } from '../../src/catalogue/db/migrate.js'
import { openDatabase } from '../../src/catalogue/db/open.js'
import type { Engine } from '../../src/catalogue/index.js'
import { eachEngine, rawSql, type RawSql } from '../catalogue/helpers.js'

// The schema version: PRAGMA user_version on SQLite (as before PostgreSQL), lantai_schema_version on PostgreSQL.
const versionOf = async (raw: RawSql, engine: Engine): Promise<number> => engine === 'sqlite'
  ? (await raw.all<{ user_version: number }>('PRAGMA user_version'))[0]?.user_version ?? 0
  : (await raw.all<{ v: number | null }>("SELECT CASE WHEN to_regclass('lantai_schema_version') IS NULL THEN 0 END AS v"))[0]?.v === 0
      ? 0
      : (await raw.all<{ v: number }>('SELECT max(version) AS v FROM lantai_schema_version'))[0]?.v ?? 0

const tablesOf = async (raw: RawSql, engine: Engine): Promise<string[]> => (engine === 'sqlite'
  ? await raw.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
  : await raw.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'")).map(r => r.name)

eachEngine(t, 'reopening a migrated catalogue applies nothing and keeps the data', async (t, target) => {
  const a = await openDatabase(target.target)
  await a.db.insertInto('projects').values({ code: 'P-1', name: 'one', unit: null, created_at: '2024-01-01T00:00:00.000Z' }).execute()
  await a.close()
  const b = await openDatabase(target.target)
  t.teardown(b.close)
  const raw = await rawSql(t, target)
  t.equal(await versionOf(raw, target.engine), MIGRATIONS.length)
  t.same(await raw.all('SELECT count(*) AS n FROM projects'), [{ n: 1 }])
})

eachEngine(t, 'a database newer than the code is refused with CATALOGUE_TOO_NEW', async (t, target) => {
  const raw = await rawSql(t, target)
  if (target.engine === 'sqlite') await raw.run(`PRAGMA user_version = ${MIGRATIONS.length + 1}`)
  else await raw.run(`CREATE TABLE lantai_schema_version (version INTEGER NOT NULL); INSERT INTO lantai_schema_version VALUES (${MIGRATIONS.length + 1})`)
  await t.rejects(openDatabase(target.target), { code: 'CATALOGUE_TOO_NEW', details: { found: MIGRATIONS.length + 1, supported: MIGRATIONS.length } })
})

eachEngine(t, 'a failing migration rolls back: neither its tables nor its version remain', async (t, target) => {
  const broken: Migration[] = [
    { version: 1, name: '0001-ok', up: async m => { await m.exec('CREATE TABLE a (x INTEGER)') } },
    { version: 2, name: '0002-broken', up: async m => { await m.exec('CREATE TABLE b (x INTEGER)'); await m.exec('INSERT INTO nowhere VALUES (1)') } }
  ]
  await t.rejects(openDatabase(target.target, { migrations: broken }), { code: 'CATALOGUE_MIGRATION_FAILED', details: { version: 2 } })
  const raw = await rawSql(t, target)
  t.equal(await versionOf(raw, target.engine), 1, 'the first migration stays applied')
  const names = await tablesOf(raw, target.engine)
  t.ok(names.includes('a'))
  t.notOk(names.includes('b'), 'the failed migration left no table')
})

eachEngine(t, 'migrations must be numbered 1, 2, 3 … without gaps', async (t, target) => {
  await t.rejects(openDatabase(target.target, { migrations: [{ version: 2, name: '0002-x', up: async () => {} }] }), /numbered 2, expected 1/)
  t.equal(await versionOf(await rawSql(t, target), target.engine), 0)
})

eachEngine(t, '0004 marks the failed contents of a package already damaged, and gives old submissions the supplement mode', async (t, target) => {
  await (await openDatabase(target.target, { migrations: MIGRATIONS.slice(0, 3) })).close()
  const db = await rawSql(t, target)
  const at = '2024-01-01T00:00:00.000Z'
  const hex = (c: string, n: number): string => c.repeat(n)
  await db.run('INSERT INTO projects (code, name, created_at) VALUES (?, ?, ?)', ['P-1', 'one', at])
  await db.run("INSERT INTO submissions (id, project_code, state, content_type, created_at, updated_at) VALUES ('sub_1', 'P-1', 'stored', 'application/x-tar', ?, ?)", [at, at])
  await db.run("INSERT INTO packages (id, project_code, ocfl_id, head_version, state, file_count, bytes, content_count, stored_bytes, created_at, updated_at) VALUES ('pkg_1', 'P-1', 'urn:x', 1, 'damaged', 2, 2, 2, 2, ?, ?)", [at, at])
  const content = async (path: string, c: string, outcome: string): Promise<void> => await db.run(
    'INSERT INTO contents (package_id, content_path, size, sha512, sha256, md5, sm3, last_outcome, next_check_at) VALUES (\'pkg_1\', ?, 1, ?, ?, ?, ?, ?, ?)',
    [path, hex(c, 128), hex(c, 64), hex(c, 32), hex(c, 64), outcome, at])
  await content('v1/content/a', 'a', 'mismatch')
  await content('v1/content/b', 'b', 'ok')
  const [event] = await db.all<{ id: number }>("INSERT INTO events (at, type, outcome, agent, object_type, object_id) VALUES (?, 'package.damaged', 'failure', 'system', 'package', 'pkg_1') RETURNING id", [at])
  await (await openDatabase(target.target)).close()
  t.same(await db.all('SELECT content_path, damaged_by FROM contents ORDER BY content_path'), [
    { content_path: 'v1/content/a', damaged_by: event?.id }, { content_path: 'v1/content/b', damaged_by: null }
  ])
  t.same(await db.all("SELECT mode FROM submissions WHERE id = 'sub_1'"), [{ mode: 'supplement' }])
})

eachEngine(t, '0006 keeps the four digests of contents stored before it, and lets later contents go without sha256 and md5', async (t, target) => {
  await (await openDatabase(target.target, { migrations: MIGRATIONS.slice(0, 5) })).close()
  const db = await rawSql(t, target)
  const at = '2024-01-01T00:00:00.000Z'
  await db.run('INSERT INTO projects (code, name, created_at) VALUES (?, ?, ?)', ['P-1', 'one', at])
  await db.run("INSERT INTO submissions (id, project_code, state, content_type, created_at, updated_at) VALUES ('sub_1', 'P-1', 'stored', 'application/x-tar', ?, ?)", [at, at])
  await db.run("INSERT INTO packages (id, project_code, ocfl_id, head_version, state, file_count, bytes, content_count, stored_bytes, created_at, updated_at) VALUES ('pkg_1', 'P-1', 'urn:x', 1, 'active', 1, 1, 1, 1, ?, ?)", [at, at])
  await db.run("INSERT INTO versions (package_id, number, submission_id, message, file_count, bytes, created_at) VALUES ('pkg_1', 1, 'sub_1', 'm', 1, 1, ?)", [at])
  await db.run("INSERT INTO contents (package_id, content_path, size, sha512, sha256, md5, sm3, next_check_at) VALUES ('pkg_1', 'v1/content/a', 1, ?, ?, ?, ?, ?)",
    ['a'.repeat(128), 'b'.repeat(64), 'c'.repeat(32), 'd'.repeat(64), at])
  await db.run("INSERT INTO package_files (package_id, version, logical_path, content_path) VALUES ('pkg_1', 1, 'data/a', 'v1/content/a')")
  await (await openDatabase(target.target)).close()
  t.same(await db.all('SELECT content_path, sha256, md5, other_digests FROM contents'), [
    { content_path: 'v1/content/a', sha256: 'b'.repeat(64), md5: 'c'.repeat(32), other_digests: null }
  ], 'the old row as it was')
  t.same(await db.all('SELECT logical_path, content_path FROM package_files'), [{ logical_path: 'data/a', content_path: 'v1/content/a' }], 'its file rows too')
  await db.run("INSERT INTO contents (package_id, content_path, size, sha512, sm3, next_check_at, other_digests) VALUES ('pkg_1', 'v1/content/b', 1, ?, ?, ?, ?)",
    ['e'.repeat(128), 'f'.repeat(64), at, JSON.stringify({ sha1: '0'.repeat(40) })])
  await t.rejects(db.run("INSERT INTO package_files (package_id, version, logical_path, content_path) VALUES ('pkg_1', 1, 'data/x', 'v1/content/none')"), 'package_files still references contents')
  await t.rejects(db.run("INSERT INTO contents (package_id, content_path, size, sha512, sm3, next_check_at, other_digests) VALUES ('pkg_1', 'v1/content/c', 1, ?, ?, ?, 'not json')",
    ['e'.repeat(128), 'f'.repeat(64), at]), 'other_digests is JSON')
})
