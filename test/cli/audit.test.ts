import BetterSqlite3 from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { AuditTrail } from '../../src/audit/index.js'
import { openCatalogue } from '../../src/catalogue/index.js'
import { dropTriggers } from '../audit/helpers.js'
import { rawSql } from '../catalogue/helpers.js'
import { scratch } from '../fixtures/bags.js'
import { freshPostgresDatabase, postgresAdminUrl } from '../fixtures/databases.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { makeTestPki } from '../fixtures/pki.js'
import { buildTestApp } from '../fixtures/service.js'

// `lantai audit verify | checkpoint create | checkpoint export` on a data directory the service wrote
// (issue 15 item 8): exit 0 intact, 1 a break named with its row and kind, 2 usage.

t.test('verify passes on the trail the service wrote, then names the row an intruder edited; the exported checkpoints still hold', async t => {
  const pki = await makeTestPki()
  const audit = { LANTAI_AUDIT_KEY: pki.keys.sm2seal, LANTAI_AUDIT_CERT: pki.certs.sm2seal, LANTAI_AUDIT_CHECKPOINT_ROWS: '3' }
  const s = await buildTestApp(t, audit)
  for (let i = 0; i < 7; i++) await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth() })
  await s.close()
  const env = { LANTAI_DATA: s.dataDir, LANTAI_DATABASE_URL: '', ...audit }

  const ok = await lantaiAsync(['audit', 'verify'], { env })
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /audit trail intact 审计日志完好: \d+ rows, head [0-9a-f]{64}, \d+ checkpoints \(\d+ signed\)/)

  const created = await lantaiAsync(['audit', 'checkpoint', 'create'], { env })
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^checkpoint \d+ [0-9a-f]{64} \(sm2-sm3\)/)
  const out = join(scratch(t), 'checkpoints.json')
  const exported = await lantaiAsync(['audit', 'checkpoint', 'export', '--out', out], { env })
  t.equal(exported.code, 0, exported.stderr)
  const file = JSON.parse(readFileSync(out, 'utf8')) as { format: string, checkpoints: Array<{ seq: number, algorithm: string, certificate: string }> }
  t.equal(file.format, 'lantai-audit-checkpoints-v1')
  t.ok(file.checkpoints.length >= 2)
  t.ok(file.checkpoints.every(cp => cp.algorithm === 'sm2-sm3' && cp.certificate.startsWith('-----BEGIN CERTIFICATE-----')))

  // the intruder: triggers dropped, row 2 edited, every checkpoint deleted
  const db = new BetterSqlite3(join(s.dataDir, 'catalogue.sqlite'))
  for (const tr of ['audit_trail_no_update', 'audit_trail_no_delete', 'audit_checkpoints_no_delete']) db.exec(`DROP TRIGGER ${tr}`)
  db.exec("UPDATE audit_trail SET outcome = 'denied' WHERE seq = 2")
  db.exec('DELETE FROM audit_checkpoints')
  db.close()

  const broken = await lantaiAsync(['audit', 'verify', '--json'], { env })
  t.equal(broken.code, 1, broken.stderr)
  t.match(JSON.parse(broken.stdout), { ok: false, firstBreak: { seq: 2, kind: 'edited' }, checkpoints: { total: 0 } })
  const text = await lantaiAsync(['audit', 'verify', '--checkpoints', out], { env })
  t.equal(text.code, 1)
  t.match(text.stdout, /^AUDIT_ROW_EDITED row 2: /m)
  t.match(text.stdout, /checkpoint \d+ is in the export but not in the catalogue/)

  const usage = await lantaiAsync(['audit', 'sign'], { env })
  t.equal(usage.code, 2)
})

t.test('verify reads the catalogue of either engine: a deleted row is named on SQLite and on PostgreSQL', async t => {
  const targets = [{ engine: 'sqlite' as const, url: null as string | null }, ...(postgresAdminUrl() === null ? [] : [{ engine: 'postgres' as const, url: await freshPostgresDatabase(t) }])]
  for (const { engine, url } of targets) {
    await t.test(engine, async t => {
      const dataDir = scratch(t)
      const target = url ?? join(dataDir, 'catalogue.sqlite')
      const c = await openCatalogue(target)
      const trail = new AuditTrail(c.audit)
      for (let i = 1; i <= 5; i++) await trail.record({ actor: { id: 'acc_1' }, action: 'login.succeeded', outcome: 'success', detail: { i } })
      await c.close()
      const env = { LANTAI_DATA: dataDir, LANTAI_DATABASE_URL: url ?? '' }
      t.equal((await lantaiAsync(['audit', 'verify'], { env })).code, 0)

      const raw = await rawSql(t, { engine, target })
      await dropTriggers(raw, engine)
      await raw.run('DELETE FROM audit_trail WHERE seq = 3')
      const r = await lantaiAsync(['audit', 'verify', '--json'], { env })
      t.equal(r.code, 1, r.stderr)
      t.match(JSON.parse(r.stdout), { ok: false, rows: 2, firstBreak: { seq: 3, kind: 'deleted' } })
    })
  }
})
