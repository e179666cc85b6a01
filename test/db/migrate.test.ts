import t from 'tap'
import BetterSqlite3 from 'better-sqlite3'
import { join } from 'node:path'
import { migrate, MIGRATIONS, type Migration } from '../../src/db/migrate.js'
import { openDatabase } from '../../src/db/open.js'
import { scratch, type TestLike } from '../fixtures/bags.js'

const fileIn = (t: TestLike): string => join(scratch(t), 'catalogue.sqlite')

t.test('reopening a migrated file applies nothing and keeps the data', async t => {
  const file = fileIn(t)
  const a = openDatabase(file)
  a.prepare("INSERT INTO projects (code, name, created_at) VALUES ('P-1', 'one', '2024-01-01T00:00:00.000Z')").run()
  a.close()
  const b = openDatabase(file)
  t.teardown(() => b.close())
  t.same(migrate(b), { from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] })
  t.equal((b.prepare('SELECT count(*) AS n FROM projects').get() as { n: number }).n, 1)
})

t.test('a database newer than the code is refused with CATALOGUE_TOO_NEW', async t => {
  const file = fileIn(t)
  const raw = new BetterSqlite3(file)
  raw.pragma(`user_version = ${MIGRATIONS.length + 1}`)
  raw.close()
  t.throws(() => openDatabase(file), { code: 'CATALOGUE_TOO_NEW', details: { found: MIGRATIONS.length + 1, supported: MIGRATIONS.length } })
})

t.test('a failing migration rolls back: neither its tables nor its version remain', async t => {
  const db = openDatabase(fileIn(t), { migrations: false })
  t.teardown(() => db.close())
  const broken: Migration[] = [
    { version: 1, name: '0001-ok', up: d => { d.exec('CREATE TABLE a (x INTEGER) STRICT') } },
    { version: 2, name: '0002-broken', up: d => { d.exec('CREATE TABLE b (x INTEGER) STRICT'); d.exec('INSERT INTO nowhere VALUES (1)') } }
  ]
  t.throws(() => migrate(db, broken), { code: 'CATALOGUE_MIGRATION_FAILED', details: { version: 2 } })
  t.equal(db.pragma('user_version', { simple: true }), 1, 'the first migration stays applied')
  const names = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map(r => r.name)
  t.ok(names.includes('a'))
  t.notOk(names.includes('b'), 'the failed migration left no table')
})

t.test('migrations must be numbered 1, 2, 3 … without gaps', async t => {
  const db = openDatabase(fileIn(t), { migrations: false })
  t.teardown(() => db.close())
  t.throws(() => migrate(db, [{ version: 2, name: '0002-x', up: () => {} }]), /numbered 2, expected 1/)
  t.equal(db.pragma('user_version', { simple: true }), 0)
})

t.test('0004 marks the failed contents of a package already damaged, and gives old submissions the supplement mode', async t => {
  const db = openDatabase(fileIn(t), { migrations: false })
  t.teardown(() => db.close())
  migrate(db, MIGRATIONS.slice(0, 3))
  const at = '2024-01-01T00:00:00.000Z'
  const hex = (c: string, n: number): string => c.repeat(n)
  db.prepare('INSERT INTO projects (code, name, created_at) VALUES (?, ?, ?)').run('P-1', 'one', at)
  db.prepare("INSERT INTO submissions (id, project_code, state, content_type, created_at, updated_at) VALUES ('sub_1', 'P-1', 'stored', 'application/x-tar', ?, ?)").run(at, at)
  db.prepare("INSERT INTO packages (id, project_code, ocfl_id, head_version, state, file_count, bytes, content_count, stored_bytes, created_at, updated_at) VALUES ('pkg_1', 'P-1', 'urn:x', 1, 'damaged', 2, 2, 2, 2, ?, ?)").run(at, at)
  const content = db.prepare('INSERT INTO contents (package_id, content_path, size, sha512, sha256, md5, sm3, last_outcome, next_check_at) VALUES (\'pkg_1\', ?, 1, ?, ?, ?, ?, ?, ?)')
  content.run('v1/content/a', hex('a', 128), hex('a', 64), hex('a', 32), hex('a', 64), 'mismatch', at)
  content.run('v1/content/b', hex('b', 128), hex('b', 64), hex('b', 32), hex('b', 64), 'ok', at)
  const event = db.prepare("INSERT INTO events (at, type, outcome, agent, object_type, object_id) VALUES (?, 'package.damaged', 'failure', 'system', 'package', 'pkg_1') RETURNING id").get(at) as { id: number }
  migrate(db)
  t.same(db.prepare('SELECT content_path, damaged_by FROM contents ORDER BY content_path').all(), [
    { content_path: 'v1/content/a', damaged_by: event.id }, { content_path: 'v1/content/b', damaged_by: null }
  ])
  t.equal(db.prepare("SELECT mode FROM submissions WHERE id = 'sub_1'").pluck().get(), 'supplement')
})
