import t from 'tap'
import type { NewCreditRecord } from '../../src/catalogue/index.js'
import { breakEvents, eachEngine, makeCatalogue, thrown } from './helpers.js'

// Credit records are insert-only (issue 14 item 10): an appeal and a correction are rows of their own,
// the standing is the chain's last, and neither the repository nor a raw SQL session rewrites history.

const CODE = '2024-330106-47-01-000001'
const RECORD: NewCreditRecord = {
  type: 'commitment-overdue', unit: { uscc: '91330100MA27XK1A0X', name: '杭州城投置业有限公司', role: 'builder' }, persons: [{ name: '王建国', title: '项目负责人' }],
  projectCode: CODE, commitmentId: null, occurredOn: '2024-08-02', recordedBy: 'system', evidence: { items: ['E1-14'] }
}

eachEngine(t, 'a record stands in force; an appeal and a correction follow it as entries of their own, each an event', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.projects.create({ code: CODE, name: '西湖文化广场二期' })
  const made = await c.credit.record(RECORD)
  t.match(made, { id: /^crd_[0-9A-Z]{26}$/, standing: 'in_force', persons: [{ name: '王建国' }], evidence: { items: ['E1-14'] }, history: [] })
  const id = made!.id
  clock.advance(1000)
  const appealed = await c.credit.annotate(id, { kind: 'appeal', standing: 'appealed', reason: '天气延误', evidence: null, by: 'tok_builder', allowed: ['in_force'] })
  t.match(appealed, { standing: 'appealed', history: [{ kind: 'appeal', refersTo: id, reason: '天气延误', recordedBy: 'tok_builder' }] })
  t.match(await thrown(async () => await c.credit.annotate(id, { kind: 'appeal', standing: 'appealed', reason: 'again', evidence: null, by: 'tok_builder', allowed: ['in_force'] })),
    { code: 'CREDIT_STATE_CONFLICT', details: { standing: 'appealed' } })
  clock.advance(1000)
  await c.credit.annotate(id, { kind: 'correction', standing: 'revoked', reason: '不可抗力', evidence: null, by: 'tok_archivist', allowed: ['in_force', 'appealed'] })
  t.match(await c.credit.get(id), { standing: 'revoked', history: [{ standing: 'appealed' }, { standing: 'revoked' }] })
  t.same((await c.credit.list({ standing: 'revoked', limit: 10, offset: 0 })).items.map(r => r.id), [id])
  t.equal((await c.credit.list({ standing: 'in_force', limit: 10, offset: 0 })).total, 0, 'the standing now, not the first row\'s')
  t.equal((await c.credit.list({ uscc: RECORD.unit.uscc, from: '2024-08-01', to: '2024-08-31', limit: 10, offset: 0 })).total, 1, 'appeals and corrections are not records of their own')
  const events = (await c.events.list({ objectId: CODE, limit: 10, offset: 0 })).items.map(e => e.type)
  t.same(events.filter(e => e.startsWith('credit.')), ['credit.recorded', 'credit.appealed', 'credit.revoked'])
  t.match(await thrown(async () => await c.credit.annotate('crd_nonesuch', { kind: 'appeal', standing: 'appealed', reason: 'x', evidence: null, by: 'x', allowed: ['in_force'] })), { code: 'CREDIT_RECORD_NOT_FOUND' })
})

eachEngine(t, 'no SQL session can change or delete a credit record', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  await c.projects.create({ code: CODE, name: '西湖文化广场二期' })
  const id = (await c.credit.record(RECORD))!.id
  const raw = await sql()
  t.match(await thrown(async () => { await raw.run("UPDATE credit_records SET standing = 'revoked' WHERE id = ?", [id]) }), { message: /EVENT_IMMUTABLE: credit_records is insert-only/ })
  t.match(await thrown(async () => { await raw.run('DELETE FROM credit_records WHERE id = ?', [id]) }), { message: /EVENT_IMMUTABLE: credit_records is insert-only/ })
  t.match(await c.credit.get(id), { standing: 'in_force' })
})

eachEngine(t, 'an appeal whose event cannot be written leaves no entry', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  await c.projects.create({ code: CODE, name: '西湖文化广场二期' })
  const id = (await c.credit.record(RECORD))!.id
  const repair = await breakEvents(await sql(), target.engine)
  t.ok(await thrown(async () => await c.credit.annotate(id, { kind: 'appeal', standing: 'appealed', reason: 'x', evidence: null, by: 'x', allowed: ['in_force'] })))
  await repair()
  t.match(await c.credit.get(id), { standing: 'in_force', history: [] })
})
