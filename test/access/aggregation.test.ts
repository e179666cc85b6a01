import t from 'tap'
import { AggregationGuard, ApprovalEngine, DEFAULT_APPROVALS_POLICY, type PipelineRead } from '../../src/access/index.js'
import { benches, person } from './fixtures.js'

// Issue 15 item 5: the policy caps how much pipeline-survey data one person reads in a window; over the
// cap a read is refused with a reason and an alert, unless a security officer approved a scope.

const POLICY = { ...DEFAULT_APPROVALS_POLICY, aggregation: { windowHours: 24, caps: { files: 3, mapSheets: 4, areaKm2: 10 }, maxScopeHours: 72 } }
const sheet = (n: number): PipelineRead => ({ packageId: 'pkg_A', path: `data/D-11/管线-${n}.dwg`, mapSheets: [`H-51-${n}`], areaKm2: 2 })

const reader = person('acc_reader', 'reader')
const officer = person('acc_officer', 'security-officer')

t.test('reads up to the cap pass, the next is refused with a reason and an alert, an approved scope lets it through, the window rolls', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const guard = new AggregationGuard({ catalogue: b.catalogue, audit: b.audit, policy: POLICY.aggregation, clock: () => b.clock.now })
      const approvals = new ApprovalEngine({ catalogue: b.catalogue, audit: b.audit, policy: POLICY, clock: () => b.clock.now })
      await b.catalogue.subscribers.put({ name: 'bureau', url: 'https://baomi.example.gov.cn/hook', eventTypes: ['security.*'], secretEnv: 'LANTAI_WEBHOOK_SECRET_BUREAU', algorithm: 'hmac-sha256', active: true }, 'admin')

      for (const n of [1, 2, 3]) t.match(await guard.check(reader, [sheet(n)], 'read'), { allowed: true, scope: null }, `file ${n} of 3 passes`)
      t.match(await guard.check(reader, [sheet(1)], 'read'), { allowed: true, usage: { files: 3, mapSheets: 3, areaKm2: 6 } }, 'reading a file again reveals nothing new and counts once')

      const refused = await guard.check(reader, [sheet(4)], 'read', { requestId: 'req-4' })
      t.match(refused, { allowed: false, exceeded: ['files'], usage: { files: 3 }, would: { files: 4 } })
      if (refused.allowed) return
      t.match(refused.reason.en, /4 files \(cap 3\)/)
      t.match(refused.reason.zh, /4个文件（上限 3）/)
      await t.rejects(guard.enforce(reader, [sheet(4)], 'read'), { code: 'AGGREGATION_CAP_EXCEEDED', details: { exceeded: ['files'] } }, 'enforce throws the same refusal')

      const events = (await b.catalogue.events.list({ type: 'aggregation.refused', limit: 10, offset: 0 })).items
      t.equal(events.length, 2, 'each refusal is an event')
      t.match(events[0], { agent: 'acc_reader', objectId: 'acc_reader', detail: { action: 'read', exceeded: ['files'], reads: [{ path: 'data/D-11/管线-4.dwg' }] } })
      const alerts = (await b.catalogue.audit.after(0, 100)).filter(r => r.action === 'aggregation.alert')
      t.equal(alerts.length, 2, 'and an audit row')
      t.match(alerts[0], { actorId: 'acc_reader', actorRole: 'reader', outcome: 'refused', requestId: 'req-4', objectId: 'acc_reader' })
      const deliveries = (await b.catalogue.outbox.list({ type: 'security.aggregation.alert', limit: 10, offset: 0 })).items
      t.equal(deliveries.length, 2, 'and a security.aggregation.alert on the outbox')
      t.equal((await b.catalogue.aggregation.since('acc_reader', '2000-01-01')).length, 4, 'refused reads are not in the ledger')

      const scope = await approvals.request(reader, { kind: 'aggregation-scope', parameters: { files: 6, until: '2026-05-02T08:00:00.000Z' }, reason: '管网普查：核对 D-11 全部图幅' })
      t.match(scope, { objectType: 'person', objectId: 'acc_reader', parameters: { files: 6, from: '2026-05-01T08:00:00.000Z' } })
      t.match(await guard.check(reader, [sheet(4)], 'read'), { allowed: false }, 'a request not yet approved lifts nothing')
      await approvals.approve(officer, scope.id)
      t.match(await guard.check(reader, [sheet(4)], 'read'), { allowed: true, scope: scope.id }, 'the approved scope lets it through')
      t.match(await guard.check(reader, [sheet(5)], 'read'), { allowed: false, exceeded: ['files', 'mapSheets'] }, 'the sheet cap the scope did not raise still holds (the refusal names every policy cap passed)')
      const ledger = await b.catalogue.aggregation.since('acc_reader', '2000-01-01')
      t.equal(ledger.at(-1)?.scopeRequest, scope.id, 'the ledger names the scope that let the read through')

      b.clock.advanceHours(25)
      t.match(await guard.check(reader, [sheet(5), sheet(6)], 'read'), { allowed: true, scope: null, usage: { files: 2 } }, 'a day later the window has rolled')
      t.same((await approvals.expire()).map(r => r.id), [scope.id], 'and the scope has expired')
    })
  }
})

t.test('searches and exports count: what a result reveals is what the caller passes', async t => {
  for (const b of await benches(t)) {
    t.test(b.engine, async t => {
      const guard = new AggregationGuard({ catalogue: b.catalogue, audit: b.audit, policy: POLICY.aggregation, clock: () => b.clock.now })
      t.match(await guard.check(reader, [sheet(1), sheet(2)], 'search'), { allowed: true, usage: { files: 2, mapSheets: 2, areaKm2: 4 } }, 'a search revealing two files counts two')
      const big: PipelineRead = { packageId: 'pkg_B', path: 'data/D-11/全市管网.shp', mapSheets: ['H-51-9'], areaKm2: 30 }
      t.match(await guard.check(reader, [big], 'export'), { allowed: false, exceeded: ['areaKm2'] }, 'an export over 25 km² of coverage is refused by area')
      t.match(await guard.check(reader, [sheet(3)], 'export'), { allowed: true, usage: { files: 3 } })
      t.same((await b.catalogue.aggregation.since('acc_reader', '2000-01-01')).map(r => r.action), ['search', 'search', 'export'])
      t.match(await guard.usage('acc_reader'), { people: [{ person: 'acc_reader', files: 3, mapSheets: 3, areaKm2: 6, reads: 3 }] })
      t.match((await guard.usage(null)).people.length, 1)
    })
  }
})
