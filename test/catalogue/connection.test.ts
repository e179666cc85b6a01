import t from 'tap'
import pg from 'pg'
import { openCatalogue } from '../../src/catalogue/index.js'
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
