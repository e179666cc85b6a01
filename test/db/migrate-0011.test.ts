import t from 'tap'
import { MIGRATIONS } from '../../src/catalogue/db/migrate.js'
import { openDatabase } from '../../src/catalogue/db/open.js'
import { eachEngine, rawSql } from '../catalogue/helpers.js'

// 0011 adds awaiting_decision to the submission states: SQLite rebuilds submissions (and versions and
// package_files, which reference it), so every row, reference and index must come through.

eachEngine(t, '0011 keeps submissions, versions and file rows, still enforces their references, and admits awaiting_decision', async (t, target) => {
  await (await openDatabase(target.target, { migrations: MIGRATIONS.slice(0, 10) })).close()
  const db = await rawSql(t, target)
  const at = '2024-01-01T00:00:00.000Z'
  await db.run('INSERT INTO projects (code, name, created_at) VALUES (?, ?, ?)', ['P-1', 'one', at])
  await db.run("INSERT INTO submissions (id, project_code, state, content_type, mode, created_at, updated_at) VALUES ('sub_1', 'P-1', 'stored', 'application/x-tar', 'replace', ?, ?)", [at, at])
  await db.run("INSERT INTO submissions (id, project_code, state, content_type, duplicate_of, error_code, error_message, created_at, updated_at) VALUES ('sub_2', 'P-1', 'rejected', 'application/zip', 'sub_1', 'DUPLICATE_SUBMISSION', 'dup', ?, ?)", [at, at])
  await db.run("INSERT INTO packages (id, project_code, ocfl_id, head_version, state, file_count, bytes, content_count, stored_bytes, created_at, updated_at) VALUES ('pkg_1', 'P-1', 'urn:x', 1, 'active', 1, 1, 1, 1, ?, ?)", [at, at])
  await db.run("INSERT INTO versions (package_id, number, submission_id, message, file_count, bytes, created_at) VALUES ('pkg_1', 1, 'sub_1', 'm', 1, 1, ?)", [at])
  await db.run("INSERT INTO contents (package_id, content_path, size, sha512, sm3, next_check_at) VALUES ('pkg_1', 'v1/content/a', 1, ?, ?, ?)", ['a'.repeat(128), 'd'.repeat(64), at])
  await db.run("INSERT INTO package_files (package_id, version, logical_path, content_path) VALUES ('pkg_1', 1, 'data/a', 'v1/content/a')")
  await (await openDatabase(target.target)).close()

  t.same(await db.all('SELECT id, state, mode, duplicate_of, error_code, application_id FROM submissions ORDER BY id'), [
    { id: 'sub_1', state: 'stored', mode: 'replace', duplicate_of: null, error_code: null, application_id: null },
    { id: 'sub_2', state: 'rejected', mode: 'supplement', duplicate_of: 'sub_1', error_code: 'DUPLICATE_SUBMISSION', application_id: null }
  ], 'the submissions as they were')
  t.same(await db.all('SELECT submission_id FROM versions'), [{ submission_id: 'sub_1' }])
  t.same(await db.all('SELECT logical_path FROM package_files'), [{ logical_path: 'data/a' }])
  await db.run("INSERT INTO submissions (id, project_code, state, content_type, created_at, updated_at) VALUES ('sub_3', 'P-1', 'awaiting_decision', 'application/x-tar', ?, ?)", [at, at])
  await t.rejects(db.run("INSERT INTO submissions (id, project_code, state, content_type, created_at, updated_at) VALUES ('sub_4', 'P-1', 'pondering', 'application/x-tar', ?, ?)", [at, at]), 'other states are still refused')
  await t.rejects(db.run("INSERT INTO versions (package_id, number, submission_id, message, file_count, bytes, created_at) VALUES ('pkg_1', 2, 'sub_none', 'm', 1, 1, ?)", [at]), 'versions still references submissions')
  await t.rejects(db.run("INSERT INTO package_files (package_id, version, logical_path, content_path) VALUES ('pkg_1', 9, 'data/b', 'v1/content/a')"), 'package_files still references versions')
  await t.rejects(db.run("INSERT INTO submissions (id, project_code, state, content_type, application_id, created_at, updated_at) VALUES ('sub_5', 'P-1', 'received', 'application/x-tar', 'apl_none', ?, ?)", [at, at]), 'an application must exist')
})
