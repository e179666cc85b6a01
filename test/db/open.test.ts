import t from 'tap'
import BetterSqlite3 from 'better-sqlite3'
import { join } from 'node:path'
import { MIGRATIONS } from '../../src/catalogue/db/migrate.js'
import { openDatabase, openSqliteFile } from '../../src/catalogue/db/open.js'
import { scratch, type TestLike } from '../fixtures/bags.js'

const fileIn = (t: TestLike): string => join(scratch(t), 'catalogue.sqlite')

t.test('a SQLite connection has WAL, foreign keys, a busy timeout, synchronous FULL and a journal size limit', async t => {
  const db = openSqliteFile(fileIn(t))
  t.teardown(() => db.close())
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(db.pragma('foreign_keys', { simple: true }), 1)
  t.equal(db.pragma('busy_timeout', { simple: true }), 5000)
  t.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL')
  t.ok((db.pragma('journal_size_limit', { simple: true }) as number) > 0)
})

t.test('a fresh file is migrated to the latest version, every table STRICT', async t => {
  const file = fileIn(t)
  await (await openDatabase(file)).close()
  const db = new BetterSqlite3(file)
  t.teardown(() => db.close())
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length)
  const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string, strict: number }>
  t.same(tables.map(r => r.name).sort(), ['acceptance_applications', 'acceptance_decisions', 'acceptance_documents', 'acceptance_sequences', 'access_log', 'accounts', 'aggregation_reads', 'approval_requests', 'audit_checkpoints', 'audit_trail', 'commitment_claims', 'commitment_items', 'commitments', 'contents', 'credential_requests', 'credit_records', 'drills', 'events', 'inbound_requests', 'jobs', 'locks', 'outbox_attempts', 'outbox_deliveries', 'outbox_messages', 'package_drills', 'package_files', 'package_tombstones', 'packages', 'project_permits', 'project_phases', 'project_units', 'projects', 'replica_files', 'replicas', 'replication_cursor', 'replication_tasks', 'seal_decisions', 'seal_evidence', 'sessions', 'storage_nodes', 'submissions', 'subscribers', 'tier_keys', 'tokens', 'versions'])
  for (const r of tables) t.equal(r.strict, 1, `${r.name} is STRICT`)
})
