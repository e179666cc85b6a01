import t from 'tap'
import pg from 'pg'
import { openCatalogue } from '../../src/catalogue/index.js'
import { lostError } from '../../src/catalogue/db/connection-errors.js'
import { statusOf } from '../../src/http/plugins/problem-details.js'
import { catalogueTargets, makeCatalogue, rawSql, thrown } from './helpers.js'

// Issue 12, bad input: a wrong LANTAI_DATABASE_URL stops the start with one DB_* code naming the setting
// (never the password); a connection lost mid-request is DB_UNAVAILABLE, answered 503 so a client retries.

t.test('opening PostgreSQL that does not answer, refuses the user or has no such database names LANTAI_DATABASE_URL', async t => {
  // 1. nothing listens on port 1
  const unreachable = await thrown(async () => await openCatalogue('postgres://lantai:s3cret-pw@127.0.0.1:1/lantai'))
  t.match(unreachable, { code: 'DB_UNREACHABLE', message: /LANTAI_DATABASE_URL=postgres:\/\/lantai:\*\*\*@127\.0\.0\.1:1\/lantai/, details: { variable: 'LANTAI_DATABASE_URL' } })
  t.notMatch(String((unreachable as Error).message) + JSON.stringify((unreachable as { details: unknown }).details), /s3cret-pw/, 'the password is never shown')
  // 2. the test server, when there is one: a user it does not know, a database it does not have
  for (const { engine, target } of await catalogueTargets(t)) {
    if (engine !== 'postgres') continue
    const url = new URL(target)
    url.username = 'nobody_here'
    url.password = 'wrong-pw'
    const auth = await thrown(async () => await openCatalogue(url.toString()))
    t.match(auth, { code: 'DB_AUTH_FAILED', message: /LANTAI_DATABASE_URL=/ })
    t.notMatch((auth as Error).message, /wrong-pw/)
    // the test cluster asks every TCP connection for its password (scram-sha-256): a known user, a wrong one
    const wrong = new URL(target)
    wrong.password = 'not-the-password'
    const refused = await thrown(async () => await openCatalogue(wrong.toString()))
    t.match(refused, { code: 'DB_AUTH_FAILED', details: { variable: 'LANTAI_DATABASE_URL', cause: '28P01' } })
    t.notMatch((refused as Error).message, /not-the-password/)
    const missing = new URL(target)
    missing.pathname = '/no_such_database_here'
    t.match(await thrown(async () => await openCatalogue(missing.toString())), { code: 'DB_NOT_FOUND', message: /no_such_database_here/ })
  }
})

t.test('a connection the server terminates mid-query is DB_UNAVAILABLE, answered 503, and the next call works again', async t => {
  for (const target of await catalogueTargets(t)) {
    if (target.engine !== 'postgres') {
      // SQLite has no connection to lose: the same call simply answers
      const { c } = await makeCatalogue(t, target)
      t.same(await c.jobs.counts(), [])
      continue
    }
    const { c } = await makeCatalogue(t, target)
    const admin = await rawSql(t, target)
    // 1. another session holds a lock the catalogue's next query must wait for
    const holder = new pg.Client({ connectionString: target.target })
    await holder.connect()
    t.teardown(async () => { await holder.end() })
    await holder.query('BEGIN')
    await holder.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE')
    const counting = thrown(async () => await c.jobs.counts())
    // 2. once the catalogue's backend waits on that lock, the server terminates it
    let waiting: Array<{ pid: number }> = []
    for (let i = 0; i < 200 && waiting.length === 0; i++) {
      waiting = await admin.all<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
      if (waiting.length === 0) await new Promise(resolve => setTimeout(resolve, 25))
    }
    t.equal(waiting.length, 1, 'the catalogue query is waiting')
    await admin.all('SELECT pg_terminate_backend(?)', [waiting[0]?.pid])
    const lost = await counting
    t.match(lost, { code: 'DB_UNAVAILABLE', transient: true })
    t.equal(statusOf('DB_UNAVAILABLE', true), 503)
    // 3. the lock goes, and a retry gets a fresh connection from the pool
    await holder.query('ROLLBACK')
    t.same(await c.jobs.counts(), [])
  }
})

t.test('a deadlock PostgreSQL breaks is DB_CONFLICT: transient, answered 503, the work rolled back whole and retried', async t => {
  for (const { engine, target } of await catalogueTargets(t)) {
    if (engine !== 'postgres') continue
    // Two sessions take two rows' locks in opposite orders: the server picks one to abort with 40P01.
    const a = new pg.Client({ connectionString: target })
    const b = new pg.Client({ connectionString: target })
    await a.connect()
    await b.connect()
    t.teardown(async () => { await a.end(); await b.end() })
    await a.query('CREATE TABLE deadlock_probe (id int PRIMARY KEY)')
    await a.query('INSERT INTO deadlock_probe VALUES (1), (2)')
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query('SELECT * FROM deadlock_probe WHERE id = 1 FOR UPDATE')
    await b.query('SELECT * FROM deadlock_probe WHERE id = 2 FOR UPDATE')
    const outcomes = await Promise.allSettled([
      a.query('SELECT * FROM deadlock_probe WHERE id = 2 FOR UPDATE'),
      b.query('SELECT * FROM deadlock_probe WHERE id = 1 FOR UPDATE')
    ])
    const failed = outcomes.filter(o => o.status === 'rejected').map(o => (o as PromiseRejectedResult).reason as unknown)
    t.equal(failed.length, 1, 'exactly one session is chosen as the victim')
    const mapped = lostError(failed[0])
    t.match(mapped, { code: 'DB_CONFLICT', transient: true, details: { cause: '40P01' } })
    t.equal(statusOf('DB_CONFLICT', true), 503)
    await a.query('ROLLBACK')
    await b.query('ROLLBACK')
  }
})
