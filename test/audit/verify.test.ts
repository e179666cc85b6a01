import t from 'tap'
import { rowHash, verifyTrail } from '../../src/audit/index.js'
import { makeTestPki } from '../fixtures/pki.js'
import { eachEngine, makeCatalogue, type TestCatalogue } from '../catalogue/helpers.js'
import { dropTriggers, fill, trailOf } from './helpers.js'

// Issue 15 item 8, done-when: the tamper tests edit, delete and reorder rows directly in the database,
// with the triggers dropped first as an intruder would, and `audit verify` names each row.

async function tampered (t: Parameters<Parameters<typeof eachEngine>[2]>[0], target: Parameters<Parameters<typeof eachEngine>[2]>[1], rows = 10): Promise<TestCatalogue & { run: (sql: string, params?: unknown[]) => Promise<void> }> {
  const tc = await makeCatalogue(t, target)
  await fill(trailOf(tc), rows)
  const sql = await tc.sql()
  await dropTriggers(sql, target.engine)
  return { ...tc, run: sql.run }
}

eachEngine(t, 'a trail as written verifies from row 1 to its head', async (t, target) => {
  const tc = await makeCatalogue(t, target)
  const trail = trailOf(tc)
  await fill(trail, 12)
  await trail.record({ action: 'login.failed', outcome: 'failure', ip: '10.0.0.9', detail: { account: '张三', reason: 'password' } })
  const report = await verifyTrail(tc.c.audit)
  t.match(report, { ok: true, rows: 13, firstBreak: null, checkpointProblems: [] })
  const head = await tc.c.audit.bySeq(13)
  t.equal(report.head?.hash, head?.hash)
  t.equal(head?.detail, '{"account":"张三","reason":"password"}', 'detail is stored as canonical JSON, keys sorted')
  t.equal((await tc.c.audit.bySeq(1))?.prevHash, '0'.repeat(64), 'row 1 follows the genesis hash')
})

eachEngine(t, 'the trail refuses UPDATE and DELETE while its triggers stand', async (t, target) => {
  const tc = await makeCatalogue(t, target)
  await fill(trailOf(tc), 2)
  const sql = await tc.sql()
  await t.rejects(sql.run("UPDATE audit_trail SET outcome = 'allowed' WHERE seq = 1"), /EVENT_IMMUTABLE: audit_trail is insert-only/)
  await t.rejects(sql.run('DELETE FROM audit_trail WHERE seq = 2'), /EVENT_IMMUTABLE: audit_trail is insert-only/)
})

eachEngine(t, 'a row edited in place is named as edited', async (t, target) => {
  const tc = await tampered(t, target)
  await tc.run("UPDATE audit_trail SET outcome = 'allowed' WHERE seq = 5")
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 5, kind: 'edited' })
})

eachEngine(t, 'a row edited with its hash recomputed is caught by the next row\'s link', async (t, target) => {
  const tc = await tampered(t, target)
  const row = await tc.c.audit.bySeq(5)
  if (row === null) throw new Error('no row 5')
  const forged = { ...row, objectId: 'pkg_other' }
  await tc.run('UPDATE audit_trail SET object_id = ?, hash = ? WHERE seq = 5', [forged.objectId, rowHash(forged)])
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 5, kind: 'edited' })
})

eachEngine(t, 'a deleted row is named as deleted', async (t, target) => {
  const tc = await tampered(t, target)
  await tc.run('DELETE FROM audit_trail WHERE seq = 4')
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 4, kind: 'deleted', message: 'row 4 is missing' })
})

eachEngine(t, 'a deleted row whose followers were renumbered to close the gap is named as deleted', async (t, target) => {
  const tc = await tampered(t, target)
  await tc.run('DELETE FROM audit_trail WHERE seq = 4')
  for (let s = 5; s <= 10; s++) await tc.run('UPDATE audit_trail SET seq = ? WHERE seq = ?', [s - 1, s])
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 4, kind: 'deleted' })
})

eachEngine(t, 'a forged row inserted in the middle, correctly chained, is named as inserted', async (t, target) => {
  const tc = await tampered(t, target)
  // make room at 4 (from the top, so no two rows share a seq), then chain a forged row after row 3
  for (let s = 10; s >= 4; s--) await tc.run('UPDATE audit_trail SET seq = ? WHERE seq = ?', [s + 1, s])
  const third = await tc.c.audit.bySeq(3)
  if (third === null) throw new Error('no row 3')
  const fields = { ...third, seq: 4, action: 'GET /v1/packages/:id', objectId: 'pkg_alibi', outcome: 'allowed', requestId: 'req-forged', detail: null, prevHash: third.hash }
  await tc.run('INSERT INTO audit_trail (seq, at, actor_id, actor_role, actor_label, action, object_type, object_id, tier, outcome, request_id, ip, detail, alg, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [4, fields.at, fields.actorId, fields.actorRole, fields.actorLabel, fields.action, fields.objectType, fields.objectId, fields.tier, fields.outcome, fields.requestId, fields.ip, null, fields.alg, fields.prevHash, rowHash(fields)])
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 4, kind: 'inserted' })
})

eachEngine(t, 'a forged row inserted in the middle with a made-up hash is named as inserted', async (t, target) => {
  const tc = await tampered(t, target)
  for (let s = 10; s >= 6; s--) await tc.run('UPDATE audit_trail SET seq = ? WHERE seq = ?', [s + 1, s])
  const fifth = await tc.c.audit.bySeq(5)
  await tc.run("INSERT INTO audit_trail (seq, at, action, outcome, alg, prev_hash, hash) VALUES (6, '2024-05-01T00:00:00.000Z', 'POST /v1/tokens', 'allowed', 'sm3', ?, ?)", [fifth?.hash, 'f'.repeat(64)])
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 6, kind: 'inserted' })
})

eachEngine(t, 'two rows whose seqs were swapped are named as reordered', async (t, target) => {
  const tc = await tampered(t, target)
  await tc.run('UPDATE audit_trail SET seq = 1000 WHERE seq = 3')
  await tc.run('UPDATE audit_trail SET seq = 3 WHERE seq = 7')
  await tc.run('UPDATE audit_trail SET seq = 7 WHERE seq = 1000')
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 3, kind: 'reordered' })
})

eachEngine(t, 'two neighbouring rows swapped are named as reordered', async (t, target) => {
  const tc = await tampered(t, target)
  await tc.run('UPDATE audit_trail SET seq = 1000 WHERE seq = 6')
  await tc.run('UPDATE audit_trail SET seq = 6 WHERE seq = 7')
  await tc.run('UPDATE audit_trail SET seq = 7 WHERE seq = 1000')
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 6, kind: 'reordered' })
})

eachEngine(t, 'checkpoints catch what the chain alone cannot: a cut tail and a chain recomputed from some row on', async (t, target) => {
  const pki = await makeTestPki()
  const { loadSigner } = await import('../../src/audit/index.js')
  const tc = await makeCatalogue(t, target)
  await fill(trailOf(tc, { signer: loadSigner(pki.keys.sealec, pki.certs.sealec), checkpointEvery: 5 }), 10)
  t.same((await tc.c.audit.checkpoints()).map(cp => [cp.seq, cp.algorithm]), [[5, 'ecdsa-sha256'], [10, 'ecdsa-sha256']])
  t.match(await verifyTrail(tc.c.audit), { ok: true, checkpoints: { total: 2, signed: 2 } })
  const sql = await tc.sql()
  await dropTriggers(sql, target.engine)

  await sql.run('DELETE FROM audit_trail WHERE seq >= 9')
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 9, kind: 'deleted' }, 'the tail is missing: checkpoint 10 signed a longer chain')
  await sql.run('DELETE FROM audit_trail WHERE seq = 8')

  // the intruder edits row 7 and recomputes 7's hash: the chain now ends at 7 and holds together
  const row = await tc.c.audit.bySeq(7)
  if (row === null) throw new Error('no row 7')
  const forged = { ...row, outcome: 'allowed', objectId: 'pkg_hidden' }
  await sql.run('UPDATE audit_trail SET outcome = ?, object_id = ?, hash = ? WHERE seq = 7', [forged.outcome, forged.objectId, rowHash(forged)])
  for (const s of [8, 9, 10]) {
    const prev = await tc.c.audit.bySeq(s - 1)
    const f = { ...row, seq: s, requestId: `req-x${s}`, prevHash: prev?.hash ?? '' }
    await sql.run('INSERT INTO audit_trail (seq, at, actor_id, actor_role, actor_label, action, object_type, object_id, tier, outcome, request_id, ip, detail, alg, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [s, f.at, f.actorId, f.actorRole, f.actorLabel, f.action, f.objectType, f.objectId, f.tier, f.outcome, f.requestId, f.ip, f.detail, f.alg, f.prevHash, rowHash(f)])
  }
  t.match((await verifyTrail(tc.c.audit)).firstBreak, { seq: 6, kind: 'edited', message: /rewritten between rows 6 and 10/ })
})

eachEngine(t, 'a checkpoint whose signature or head was changed is reported; so is one signed by another key', async (t, target) => {
  const pki = await makeTestPki()
  const { loadSigner, signerFingerprint } = await import('../../src/audit/index.js')
  const tc = await makeCatalogue(t, target)
  const trail = trailOf(tc, { signer: loadSigner(pki.keys.sm2seal, pki.certs.sm2seal), checkpointEvery: 4 })
  await fill(trail, 8)
  const cps = await tc.c.audit.checkpoints()
  t.same(cps.map(cp => [cp.seq, cp.algorithm]), [[4, 'sm2-sm3'], [8, 'sm2-sm3']])
  const center = signerFingerprint(cps[0]!)
  t.match(await verifyTrail(tc.c.audit, { centerFingerprint: center }), { ok: true })

  const sql = await tc.sql()
  await dropTriggers(sql, target.engine)
  const sig = Buffer.from(cps[1]!.signature, 'base64')
  sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 1
  await sql.run('UPDATE audit_checkpoints SET signature = ? WHERE seq = 8', [sig.toString('base64')])
  t.match(await verifyTrail(tc.c.audit), { ok: false, firstBreak: null, checkpointProblems: [{ seq: 8, kind: 'signature-invalid' }] })

  // the intruder re-signs a checkpoint with a key of its own: the signature holds, the signer is not the center
  const { makeCheckpoint } = await import('../../src/audit/index.js')
  const own = makeCheckpoint({ seq: 8, hash: cps[1]!.headHash }, cps[1]!.signedAt, loadSigner(pki.keys.sealec, pki.certs.sealec))
  await sql.run('UPDATE audit_checkpoints SET signature = ?, certificate = ?, algorithm = ? WHERE seq = 8', [own.signature, own.certificate, own.algorithm])
  t.match(await verifyTrail(tc.c.audit, { centerFingerprint: center }), { ok: false, checkpointProblems: [{ seq: 8, kind: 'foreign-signer' }] })

  // an exported checkpoint outlives the catalogue's: deleting them all still leaves the export to check against
  await sql.run('DELETE FROM audit_checkpoints')
  await sql.run('DELETE FROM audit_trail WHERE seq = 8')
  t.match(await verifyTrail(tc.c.audit, { exported: cps, centerFingerprint: center }), { ok: false, firstBreak: { seq: 8, kind: 'deleted' } })
})

eachEngine(t, 'rows hashed with SHA-256 and with SM3 verify in one chain', async (t, target) => {
  const tc = await makeCatalogue(t, target)
  await fill(trailOf(tc, { algorithm: 'sha256' }), 3)
  await fill(trailOf(tc, { algorithm: 'sm3' }), 3)
  t.same((await tc.c.audit.list({ limit: 10, offset: 0, order: 'asc' })).items.map(r => r.alg), ['sha256', 'sha256', 'sha256', 'sm3', 'sm3', 'sm3'])
  t.match(await verifyTrail(tc.c.audit), { ok: true, rows: 6 })
})

eachEngine(t, 'a checkpoint is written every N rows, and after T minutes once rows were written since the last', async (t, target) => {
  const tc = await makeCatalogue(t, target)
  const byCount = trailOf(tc, { checkpointEvery: 3 })
  await fill(byCount, 7)
  t.same((await tc.c.audit.checkpoints()).map(cp => cp.seq), [3, 6])

  const byTime = trailOf(tc, { checkpointMinutes: 10 })
  t.equal(await byTime.checkpointIfDue(), null, 'not yet: ten minutes have not passed')
  tc.clock.advance(10 * 60_000)
  t.match(await byTime.checkpointIfDue(), { seq: 7, algorithm: 'none' }, 'row 7 was written since checkpoint 6')
  tc.clock.advance(10 * 60_000)
  t.equal(await byTime.checkpointIfDue(), null, 'nothing written since: nothing to sign')
  tc.clock.advance(10 * 60_000)
  await fill(byTime, 1)
  t.same((await tc.c.audit.checkpoints()).map(cp => cp.seq), [3, 6, 7, 8], 'a row written after T minutes brings its own checkpoint')
  t.match(await verifyTrail(tc.c.audit), { ok: true, checkpoints: { total: 4, unsigned: 4 }, warnings: [/4 checkpoint\(s\) unsigned/] })
})
