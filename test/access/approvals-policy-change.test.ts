import t from 'tap'
import { AggregationGuard, ApprovalEngine, DEFAULT_APPROVALS_POLICY, PolicyInForce, registerPolicyChange, type PipelineRead } from '../../src/access/index.js'
import { benches, person, type Bench } from './fixtures.js'

// Issue 15 item 6: a change of the access policy needs a request and an approval by another security
// officer; the approval carries it out (an event and an audit row naming both), the guard uses the new
// values at its next check, and a restart keeps them.

const sheet = (n: number): PipelineRead => ({ packageId: 'pkg_A', path: `data/D-11/管线-${n}.dwg`, mapSheets: [`H-51-${n}`], areaKm2: 2 })
const reader = person('acc_reader', 'reader')
const officerA = person('acc_officer_a', 'security-officer')
const officerB = person('acc_officer_b', 'security-officer')

function wire (b: Bench): { approvals: ApprovalEngine, guard: AggregationGuard, inForce: PolicyInForce } {
  const inForce = new PolicyInForce(b.catalogue, DEFAULT_APPROVALS_POLICY)
  const approvals = new ApprovalEngine({ catalogue: b.catalogue, audit: b.audit, policy: DEFAULT_APPROVALS_POLICY, inForce: async () => await inForce.current(), clock: () => b.clock.now })
  registerPolicyChange(approvals, { catalogue: b.catalogue, inForce })
  const guard = new AggregationGuard({ catalogue: b.catalogue, audit: b.audit, policy: DEFAULT_APPROVALS_POLICY.aggregation, inForce: async () => (await inForce.current()).aggregation, clock: () => b.clock.now })
  return { approvals, guard, inForce }
}

t.test('an approved cap binds the guard at once, names both persons, and outlives a restart', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const { approvals, guard } = wire(b)
      t.match(await guard.check(reader, [sheet(1), sheet(2)], 'read'), { allowed: true }, 'the file sets no cap')
      const req = await approvals.request(officerA, { kind: 'access-policy-change', objectId: 'aggregation', parameters: { 'caps.files': 2, mapSheets: 5 }, reason: '汇聚风险：收紧管线数据读取' })
      t.same(req.parameters, { caps: { files: 2, mapSheets: 5 } }, 'a terminal\'s flat pairs are stored as the nested change')
      t.match(await guard.check(reader, [sheet(3)], 'read'), { allowed: true }, 'a request not yet approved changes nothing')
      await t.rejects(approvals.approve(officerA, req.id), { code: 'SELF_APPROVAL' })

      const done = await approvals.approve(officerB, req.id, '同意')
      t.match(done, { state: 'executed', requestedBy: 'acc_officer_a', decidedBy: 'acc_officer_b', result: { section: 'aggregation', from: { caps: { files: null } }, to: { caps: { files: 2, mapSheets: 5, areaKm2: null }, windowHours: 24 } } })
      t.match(await guard.check(reader, [sheet(4)], 'read'), { allowed: false, exceeded: ['files'], caps: { files: 2 } }, 'the next read is held to the new cap')
      t.match(await guard.settings(), { caps: { files: 2, mapSheets: 5 } })

      const event = (await b.catalogue.events.list({ type: 'access-policy.changed', limit: 10, offset: 0 })).items
      t.equal(event.length, 1, 'one event')
      t.match(event[0], { agent: 'acc_officer_b', objectId: 'access-policy', detail: { request: req.id, requestedBy: 'acc_officer_a', approvedBy: 'acc_officer_b', change: { caps: { files: 2 } } } })
      const rows = (await b.catalogue.audit.after(0, 200)).filter(r => r.action === 'access-policy.changed')
      t.equal(rows.length, 1, 'one audit row')
      t.match(rows[0], { actorId: 'acc_officer_b', objectType: 'policy', objectId: 'aggregation', outcome: 'success' })
      t.match(JSON.parse(rows[0]?.detail ?? '{}'), { requestedBy: 'acc_officer_a', approvedBy: 'acc_officer_b' })

      const restarted = wire(b)
      t.match(await restarted.guard.settings(), { caps: { files: 2, mapSheets: 5 } }, 'a new process on the same catalogue reads the change')

      const lift = await restarted.approvals.request(officerB, { kind: 'access-policy-change', objectId: 'aggregation', parameters: { files: 'null' }, reason: '普查结束' })
      await restarted.approvals.approve(officerA, lift.id)
      t.match(await guard.settings(), { caps: { files: null, mapSheets: 5 } }, 'changes are laid over each other in order; null lifts a cap')
    })
  }
})

t.test('a change that names no setting, an unknown one, or leaves a broken policy is refused when filed', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const { approvals } = wire(b)
      const file = async (objectId: string, parameters: Record<string, unknown>): Promise<unknown> =>
        await approvals.request(officerA, { kind: 'access-policy-change', objectId, parameters, reason: 'x' })
      await t.rejects(file('aggregation', {}), { code: 'APPROVAL_INVALID' }, 'nothing to change')
      await t.rejects(file('aggregation', { fles: 3 }), { code: 'APPROVAL_INVALID' }, 'a typo')
      await t.rejects(file('aggregation', JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>), { code: 'APPROVAL_INVALID' }, 'a key aimed at the prototype')
      await t.rejects(file('aggregation', { 'constructor.prototype.polluted': 1 }), { code: 'APPROVAL_INVALID' })
      t.equal(({} as Record<string, unknown>).polluted, undefined, 'and nothing was written into it')
      await t.rejects(file('secrets', { files: 3 }), { code: 'APPROVAL_INVALID', details: { field: 'objectId' } }, 'an unknown section')
      await t.rejects(file('aggregation', { windowHours: 100 }), { code: 'APPROVAL_INVALID', message: /maxScopeHours/ }, 'a window no scope could cover')
      const ttl = await file('requests', { 'ttlHours.export-classified': 12, grantHours: 4 }) as { id: string }
      const done = await approvals.approve(officerB, ttl.id)
      t.match(done, { state: 'executed', result: { to: { ttlHours: { 'export-classified': 12, declassify: 168 }, grantHours: 4 } } })
      const exp = await approvals.request(reader, { kind: 'export-classified', objectId: 'pkg_1', reason: '移交' })
      t.equal(Date.parse(exp.expiresAt) - b.clock.now.getTime(), 12 * 3_600_000, 'the engine files the next request with the new wait')
    })
  }
})
