import t from 'tap'
import { AuditTrail } from '../../src/audit/index.js'
import { eachEngine, makeCatalogue } from './helpers.js'

// The audit trail's rows as the auditor's filters and the export's cursor read them.

eachEngine(t, 'audit rows are listed by who, what (or a prefix of it), object, tier, outcome, time and seq cursor', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const trail = new AuditTrail(c.audit, { algorithm: 'sha256', signer: null, checkpointEvery: 0, checkpointMinutes: 0, clock: clock.now })
  await trail.record({ actor: { id: 'tok_A', role: 'reader' }, action: 'GET /v1/packages/:id', objectType: 'packages', objectId: 'pkg_1', tier: '秘密', outcome: 'allowed' })
  clock.advance(60_000)
  await trail.record({ actor: { id: 'tok_B' }, action: 'GET /v1/packages/:id/files/*', objectType: 'packages', objectId: 'pkg_1', outcome: 'denied' })
  clock.advance(60_000)
  await trail.record({ actor: { id: 'tok_A' }, action: 'login.failed', outcome: 'failure' })
  const seqs = async (q: Record<string, unknown>): Promise<number[]> => (await c.audit.list({ limit: 10, offset: 0, ...q })).items.map(r => r.seq)

  t.same(await seqs({}), [3, 2, 1], 'newest first')
  t.same(await seqs({ actor: 'tok_A', order: 'asc' }), [1, 3])
  t.same(await seqs({ action: 'GET /v1/packages/:id' }), [1], 'an action is matched whole')
  t.same(await seqs({ action: 'GET /v1/packages*' }), [2, 1], "a trailing '*' makes it a prefix")
  t.same(await seqs({ objectId: 'pkg_1', outcome: 'denied' }), [2])
  t.same(await seqs({ tier: '秘密' }), [1])
  t.same(await seqs({ from: '2024-05-01T00:01:00Z', to: '2024-05-01T00:02:00Z' }), [2], 'from inclusive, to exclusive')
  t.same(await seqs({ beforeSeq: 3 }), [2, 1])
  t.same(await seqs({ afterSeq: 1, order: 'asc' }), [2, 3])
  t.match(await c.audit.list({ limit: 1, offset: 0, actor: 'tok_A' }), { total: 2, items: [{ seq: 3, alg: 'sha256', actorRole: null }] })
  t.same(await c.audit.counts('2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z'), [
    { action: 'GET /v1/packages/:id', outcome: 'allowed', tier: '秘密', n: 1 },
    { action: 'GET /v1/packages/:id/files/*', outcome: 'denied', tier: null, n: 1 },
    { action: 'login.failed', outcome: 'failure', tier: null, n: 1 }
  ])
})
