import t from 'tap'
import { ApprovalEngine, DEFAULT_APPROVALS_POLICY } from '../../src/access/index.js'
import { benches, person } from './fixtures.js'

// Issue 15 item 6: what needs two people waits for a second, of the right role; requests expire; both
// names are recorded; an approver approving their own request is refused and audited.

const archivist = person('acc_archivist', 'archivist')
const officerA = person('acc_officer_a', 'security-officer')
const officerB = person('acc_officer_b', 'security-officer')
const auditor = person('acc_auditor', 'auditor')
const admin = person('acc_admin', 'admin')

t.test('an officer approving their own request is refused, audited, and the request stays open', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const engine = new ApprovalEngine({ catalogue: b.catalogue, audit: b.audit, policy: DEFAULT_APPROVALS_POLICY, clock: () => b.clock.now })
      const req = await engine.request(officerA, { kind: 'access-policy-change', objectId: 'aggregation', parameters: { caps: { files: 100 } }, reason: '普查期间放宽' })
      await t.rejects(engine.approve(officerA, req.id), { code: 'SELF_APPROVAL' })
      await t.rejects(engine.refuse(officerA, req.id), { code: 'SELF_APPROVAL' }, 'nor refuse it')
      t.equal((await engine.get(officerA, req.id)).state, 'requested')
      const refusals = (await b.catalogue.audit.after(0, 100)).filter(r => r.action === 'approval.decision-refused')
      t.equal(refusals.length, 2, 'each attempt is an audit row')
      t.match(refusals[0], { actorId: 'acc_officer_a', outcome: 'failure', objectId: req.id })
      t.match(JSON.parse(refusals[0]?.detail ?? '{}'), { code: 'SELF_APPROVAL', requestedBy: 'acc_officer_a' })
      t.match((await b.catalogue.events.list({ type: 'approval.decision-refused', limit: 10, offset: 0 })).items[0], { agent: 'acc_officer_a', outcome: 'failure' })
    })
  }
})

t.test('a person of the wrong role can neither ask nor decide; the right one decides and both names are recorded', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const engine = new ApprovalEngine({ catalogue: b.catalogue, audit: b.audit, policy: DEFAULT_APPROVALS_POLICY, clock: () => b.clock.now })
      await t.rejects(engine.request(admin, { kind: 'export-classified', objectId: 'pkg_1', reason: 'x' }), { code: 'APPROVAL_ROLE', details: { roles: ['archivist', 'reader'] } }, 'the admin never exports classified material (三员分立)')
      const req = await engine.request(archivist, { kind: 'export-classified', objectId: 'pkg_1', reason: '移交市国家保密局' })
      await t.rejects(engine.approve(auditor, req.id), { code: 'APPROVAL_ROLE' }, 'an auditor does not approve')
      t.equal((await b.catalogue.audit.after(0, 100)).filter(r => r.action === 'approval.decision-refused').length, 1, 'the attempt is audited')
      const approved = await engine.approve(officerB, req.id, '同意，限本次')
      t.match(approved, { state: 'approved', requestedBy: 'acc_archivist', decidedBy: 'acc_officer_b', approverRole: 'security-officer', decisionReason: '同意，限本次' })
      t.equal(approved.expiresAt, '2026-05-02T08:00:00.000Z', 'an approved export lapses after grantHours')
      await t.rejects(engine.use(officerA, 'export-classified', 'pkg_1'), { code: 'APPROVAL_REQUIRED_FOR' }, 'only the requester uses the approval')
      const used = await engine.use(archivist, 'export-classified', 'pkg_1', { files: 3 })
      t.match(used, { state: 'executed', result: { files: 3 } })
      await t.rejects(engine.use(archivist, 'export-classified', 'pkg_1'), { code: 'APPROVAL_REQUIRED_FOR' }, 'once')
      const events = (await b.catalogue.events.list({ objectId: req.id, limit: 10, offset: 0 })).items
      t.same(events.map(e => e.type), ['approval.requested', 'approval.decision-refused', 'approval.approved', 'approval.executed'])
      for (const e of events.slice(2)) t.match(e.detail, { requestedBy: 'acc_archivist', approvedBy: 'acc_officer_b' }, `${e.type} names both`)
      const rows = (await b.catalogue.audit.after(0, 100)).filter(r => r.objectId === req.id && r.action !== 'approval.decision-refused')
      t.same(rows.map(r => r.action), ['approval.requested', 'approval.approved', 'approval.executed'])
      for (const r of rows.slice(1)) t.match(JSON.parse(r.detail ?? '{}'), { requestedBy: 'acc_archivist', approvedBy: 'acc_officer_b' })
      t.same((await engine.list(archivist)).map(r => r.id), [req.id], 'the requester sees their own')
      t.same(await engine.list(person('acc_other', 'reader')), [], 'another reader sees none')
      await t.rejects(engine.get(person('acc_other', 'reader'), req.id), { code: 'APPROVAL_NOT_FOUND' })
    })
  }
})

t.test('a request undecided in time expires, on read or by the sweep, and cannot be approved after', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const engine = new ApprovalEngine({ catalogue: b.catalogue, audit: b.audit, policy: DEFAULT_APPROVALS_POLICY, clock: () => b.clock.now })
      const req = await engine.request(archivist, { kind: 'export-classified', objectId: 'pkg_2', reason: 'x' })
      const kept = await engine.request(archivist, { kind: 'delete-package', objectId: 'pkg_3', reason: 'y' })
      t.equal(req.expiresAt, '2026-05-04T08:00:00.000Z', '72 hours for an export')
      b.clock.advanceHours(73)
      t.equal((await engine.get(archivist, req.id)).state, 'expired', 'a read expires it')
      t.equal((await engine.get(archivist, kept.id)).state, 'requested', 'a deletion waits a week')
      await t.rejects(engine.approve(officerA, req.id), { code: 'APPROVAL_CLOSED' })
      t.match((await b.catalogue.events.list({ objectId: req.id, type: 'approval.expired', limit: 10, offset: 0 })).items, [{ agent: 'system', detail: { from: 'requested' } }])
      t.ok((await b.catalogue.audit.after(0, 100)).some(r => r.action === 'approval.expired' && r.objectId === req.id && r.actorId === null), 'the expiry is in the audit trail')
      b.clock.advanceHours(24 * 7)
      t.same((await engine.expire()).map(r => r.id), [kept.id], 'the sweep expires the rest')
    })
  }
})

t.test('executors are registered per kind; the requester may cancel before it is carried out', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const engine = new ApprovalEngine({ catalogue: b.catalogue, audit: b.audit, policy: DEFAULT_APPROVALS_POLICY, clock: () => b.clock.now })
      const declassified: string[] = []
      engine.registerExecutor('declassify', async (request, ctx) => {
        declassified.push(`${request.objectId}→${String(request.parameters.tier)} by ${ctx.agent}`)
        return await ctx.complete({ tier: request.parameters.tier })
      })
      const req = await engine.request(archivist, { kind: 'declassify', objectId: 'pkg_4', parameters: { tier: '非密' }, reason: '保密期限届满' })
      const done = await engine.approve(officerA, req.id)
      t.match(done, { state: 'executed', decidedBy: 'acc_officer_a', result: { tier: '非密' } })
      t.same(declassified, ['pkg_4→非密 by acc_officer_a'])
      const other = await engine.request(archivist, { kind: 'declassify', objectId: 'pkg_5', parameters: { tier: '非密' }, reason: 'z' })
      await t.rejects(engine.cancel(officerA, other.id), { code: 'APPROVAL_ROLE' }, 'only the requester cancels')
      t.match(await engine.cancel(archivist, other.id), { state: 'cancelled' })
      await t.rejects(engine.approve(officerA, other.id), { code: 'APPROVAL_CLOSED' })
      t.same(declassified.length, 1)
    })
  }
})
