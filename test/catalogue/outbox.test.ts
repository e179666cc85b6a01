import t from 'tap'
import type { SubscriberInput } from '../../src/catalogue/index.js'
import { openDatabase } from '../../src/catalogue/db/open.js'
import { EventRepository } from '../../src/catalogue/event-repository.js'
import { createIdFactory } from '../../src/catalogue/ids.js'
import { OutboxRepository } from '../../src/catalogue/outbox-repository.js'
import { breakEvents, eachEngine, makeCatalogue, thrown } from './helpers.js'

const approval: SubscriberInput = {
  name: 'approval', url: 'https://approval.example/hooks', eventTypes: ['acceptance.*'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sha256', active: true
}
const enforcement: SubscriberInput = {
  name: 'enforcement', url: 'http://127.0.0.1:9/hooks', eventTypes: ['commitment.overdue'], secretEnv: 'LANTAI_SECRET_ENFORCEMENT', algorithm: 'hmac-sm3', active: true
}

eachEngine(t, 'publishing makes one delivery per active subscriber that receives the type, due at once', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.subscribers.put(approval, 'tok_admin')
  await c.subscribers.put(enforcement, 'tok_admin')
  await c.subscribers.put({ ...approval, name: 'asleep', active: false }, 'tok_admin')
  const { message, deliveries } = await c.outbox.publish('acceptance.opinion.issued', { opinion: 'YS-2024-001' })
  t.match(message, { id: /^evt_[0-9A-Z]{26}$/, type: 'acceptance.opinion.issued', payload: { opinion: 'YS-2024-001' }, createdAt: '2024-05-01T00:00:00.000Z' })
  t.same(deliveries.map(d => [d.subscriber, d.state, d.eventId, d.nextAttemptAt]), [['approval', 'pending', message.id, '2024-05-01T00:00:00.000Z']])
  const overdue = await c.outbox.publish('commitment.overdue', { commitment: 'CN-1' })
  t.same(overdue.deliveries.map(d => d.subscriber), ['enforcement'])
  t.same((await c.outbox.publish('project.registered', {})).deliveries, [], 'nobody receives it: a message with no deliveries')
  const published = await c.events.list({ type: 'outbox.published', limit: 10, offset: 0 })
  t.same(published.items.map(e => e.detail), [{ type: 'acceptance.opinion.issued', subscribers: ['approval'] }, { type: 'commitment.overdue', subscribers: ['enforcement'] }, { type: 'project.registered', subscribers: [] }])
  t.match(await thrown(async () => await c.outbox.publish('Not A Type', {})), { code: 'CATALOGUE_ARGUMENT_INVALID' })
})

eachEngine(t, "a message published in the caller's transaction commits with it or not at all", async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  await c.subscribers.put(approval, 'tok_admin')
  const raw = await sql()
  const restore = await breakEvents(raw, target.engine)
  await t.rejects(c.outbox.publish('acceptance.opinion.issued', { n: 1 }), /disk on fire/)
  await restore()
  t.same(await raw.all('SELECT id FROM outbox_messages'), [], 'the event failed, so the message is gone too')
  t.same(await raw.all('SELECT id FROM outbox_deliveries'), [])
  t.equal((await c.outbox.list({ limit: 10, offset: 0 })).total, 0)
})

eachEngine(t, "a repository that joins publish to its own transaction: a rolled-back change leaves no message, a committed one its message and deliveries", async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.subscribers.put(approval, 'tok_admin')
  // what a repository inside the catalogue does (the acceptance work's, say): its change and the message, one transaction
  const database = await openDatabase(target.target)
  t.teardown(database.close)
  const outbox = new OutboxRepository(database, new EventRepository(database, clock.now), clock.now, createIdFactory())
  const change = async (code: string, fail: boolean): Promise<void> => {
    await database.db.transaction().execute(async tx => {
      await tx.insertInto('projects').values({ code, name: 'a', unit: null, created_at: clock.iso() }).execute()
      await outbox.publish('acceptance.opinion.issued', { project: code }, tx)
      if (fail) throw new Error('the opinion could not be numbered')
    })
  }
  await t.rejects(change('P-ROLLED-BACK', true), /could not be numbered/)
  await change('P-COMMITTED', false)
  t.same((await c.outbox.list({ limit: 10, offset: 0 })).items.map(d => [d.type, d.subscriber]), [['acceptance.opinion.issued', 'approval']])
  const detail = await c.outbox.get((await c.outbox.list({ limit: 1, offset: 0 })).items[0]!.id)
  t.same(detail?.message.payload, { project: 'P-COMMITTED' })
  t.equal((await c.events.list({ type: 'outbox.published', limit: 10, offset: 0 })).total, 1)
})

eachEngine(t, 'a claimed delivery is leased with its message and subscriber; a second claimer gets nothing until the lease runs out', async (t, target) => {
  const { c, clock, reopen } = await makeCatalogue(t, target)
  const other = await reopen()
  await c.subscribers.put(enforcement, 'tok_admin')
  const { message } = await c.outbox.publish('commitment.overdue', { commitment: 'CN-1' })
  const [got, ...rest] = await c.outbox.claim('w1', 30_000, 10)
  t.same(rest, [])
  t.match(got, { eventId: message.id, state: 'pending', attempts: 1, roundAttempts: 1, leaseOwner: 'w1', leaseUntil: '2024-05-01T00:00:30.000Z', message: { id: message.id, payload: { commitment: 'CN-1' } }, target: { name: 'enforcement', algorithm: 'hmac-sm3', secretEnv: 'LANTAI_SECRET_ENFORCEMENT' } })
  t.same(await other.outbox.claim('w2', 30_000, 10), [], 'held by w1')
  clock.advance(30_001)
  t.match(await other.outbox.claim('w2', 30_000, 10), [{ id: got?.id, leaseOwner: 'w2', attempts: 2 }], 'a lease that ran out is taken over')
  t.match(await thrown(async () => await c.outbox.delivered(got?.id ?? '', 'w1', { status: 200, error: null })), { code: 'STATE_CONFLICT' }, 'w1 lost it')
})

eachEngine(t, 'a failed attempt waits until its retry time; the last one fails the delivery, which an admin retries with a new round', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.subscribers.put(approval, 'tok_admin')
  await c.outbox.publish('acceptance.rectification.issued', { notice: 'ZG-1' })
  const [d] = await c.outbox.claim('w1', 30_000, 10)
  const id = d?.id ?? ''
  t.match(await c.outbox.attemptFailed(id, 'w1', { status: 503, error: 'HTTP 503' }, new Date(clock.ms + 10_000)), { state: 'pending', lastError: 'HTTP 503', nextAttemptAt: '2024-05-01T00:00:10.000Z', leaseOwner: null })
  t.same(await c.outbox.claim('w1', 30_000, 10), [], 'not due yet')
  clock.advance(10_000)
  t.match(await c.outbox.claim('w1', 30_000, 10), [{ id, attempts: 2, roundAttempts: 2 }])
  t.match(await c.outbox.attemptFailed(id, 'w1', { status: null, error: 'ECONNREFUSED' }, null), { state: 'failed', lastError: 'ECONNREFUSED' })
  clock.advance(3_600_000)
  t.same(await c.outbox.claim('w1', 30_000, 10), [], 'a failed delivery is never claimed')
  t.match(await thrown(async () => await c.outbox.retry('dlv_nope', 'tok_admin')), { code: 'DELIVERY_NOT_FOUND' })
  t.match(await c.outbox.retry(id, 'tok_admin'), { state: 'pending', attempts: 2, roundAttempts: 0, nextAttemptAt: clock.iso() })
  t.match(await thrown(async () => await c.outbox.retry(id, 'tok_admin')), { code: 'STATE_CONFLICT' }, 'only a failed one')
  t.match(await c.outbox.claim('w1', 30_000, 10), [{ id, attempts: 3, roundAttempts: 1 }])
  t.match(await c.outbox.delivered(id, 'w1', { status: 204, error: null }), { state: 'delivered', lastError: null, deliveredAt: clock.iso() })
  const detail = await c.outbox.get(id)
  t.match(detail, { state: 'delivered', attempts: 3, message: { type: 'acceptance.rectification.issued', payload: { notice: 'ZG-1' } } })
  t.same(detail?.attemptLog.map(a => [a.number, a.status, a.error]), [[1, 503, 'HTTP 503'], [2, null, 'ECONNREFUSED'], [3, 204, null]])
  const events = await c.events.list({ objectType: 'system', objectId: id, limit: 10, offset: 0 })
  t.same(events.items.map(e => [e.type, e.agent]), [['outbox.failed', 'system'], ['outbox.retried', 'tok_admin'], ['outbox.delivered', 'system']])
})

eachEngine(t, 'the admin list filters by state, subscriber and type, newest first, with the total', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.subscribers.put({ ...approval, eventTypes: ['*'] }, 'tok_admin')
  await c.subscribers.put({ ...enforcement, eventTypes: ['commitment.*'] }, 'tok_admin')
  for (let i = 0; i < 3; i++) { await c.outbox.publish('commitment.overdue', { i }); clock.advance(1) }
  await c.outbox.publish('acceptance.opinion.issued', {})
  const [first] = await c.outbox.claim('w1', 30_000, 1)
  await c.outbox.attemptFailed(first?.id ?? '', 'w1', { status: 500, error: 'HTTP 500' }, null)
  t.equal((await c.outbox.list({ limit: 100, offset: 0 })).total, 7)
  t.match(await c.outbox.list({ state: 'failed', limit: 10, offset: 0 }), { total: 1, items: [{ id: first?.id }] })
  const page = await c.outbox.list({ subscriber: 'enforcement', state: 'pending', limit: 2, offset: 0 })
  t.equal(page.total, 3)
  t.same(page.items.map(d => d.subscriber), ['enforcement', 'enforcement'])
  t.ok(page.items[0]!.id > page.items[1]!.id, 'newest first')
  t.equal((await c.outbox.list({ type: 'acceptance.opinion.issued', limit: 10, offset: 0 })).total, 1)
  t.equal(await c.outbox.get('dlv_nope'), null)
})

eachEngine(t, 'subscribers: every change is an event, an unchanged put is none, and the policy file owns its own', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  t.match(await c.subscribers.put(approval, 'tok_admin'), { created: true, changed: true, subscriber: { name: 'approval', source: 'api', active: true } })
  t.match(await c.subscribers.put(approval, 'tok_admin'), { created: false, changed: false })
  t.match(await c.subscribers.put({ ...approval, active: false }, 'tok_admin'), { changed: true, subscriber: { active: false } })
  t.same(await c.subscribers.active(), [])
  await c.subscribers.syncFromPolicy([enforcement, { ...approval, url: 'https://approval.example/v2' }])
  t.match(await c.subscribers.get('approval'), { source: 'policy', url: 'https://approval.example/v2', active: true }, 'the file now declares it')
  t.match(await thrown(async () => await c.subscribers.put(approval, 'tok_admin')), { code: 'SUBSCRIBER_FROM_POLICY' })
  t.same((await c.subscribers.syncFromPolicy([enforcement, { ...approval, url: 'https://approval.example/v2' }])).changed, [], 'the same file again changes nothing')
  t.same((await c.subscribers.syncFromPolicy([enforcement])).changed, ['approval'], 'dropped from the file: deactivated, kept for its deliveries')
  t.match(await c.subscribers.get('approval'), { active: false, source: 'policy' })
  const events = await c.events.list({ objectType: 'system', limit: 50, offset: 0 })
  t.same(events.items.filter(e => e.type.startsWith('subscriber.')).map(e => [e.type, e.objectId, e.agent]), [
    ['subscriber.created', 'subscriber:approval', 'tok_admin'],
    ['subscriber.deactivated', 'subscriber:approval', 'tok_admin'],
    ['subscriber.created', 'subscriber:enforcement', 'system'],
    ['subscriber.activated', 'subscriber:approval', 'system'],
    ['subscriber.deactivated', 'subscriber:approval', 'system']
  ])
  t.notOk(JSON.stringify(events.items).includes('secret":'), 'no secret in any event, only the variable name')
})

eachEngine(t, 'inbound keys: the first request reserves, the same request gets the stored answer, another body is a mismatch', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const req = { caller: 'tok_approval', key: 'APP-2024-0001', method: 'POST', route: '/v1/applications', digest: 'a'.repeat(64) }
  t.same(await c.inbound.reserve(req, 60_000), { kind: 'reserved' })
  t.same(await c.inbound.reserve(req, 60_000), { kind: 'in-progress' })
  t.same(await c.inbound.reserve({ ...req, digest: 'b'.repeat(64) }, 60_000), { kind: 'mismatch', route: 'POST /v1/applications' })
  await c.inbound.complete(req.caller, req.key, 201, { id: 'app_1' })
  t.same(await c.inbound.reserve(req, 60_000), { kind: 'answered', status: 201, response: { id: 'app_1' } })
  t.same(await c.inbound.reserve({ ...req, caller: 'tok_other' }, 60_000), { kind: 'reserved' }, 'keys are per caller')
  await c.inbound.release('tok_other', req.key)
  t.same(await c.inbound.reserve({ ...req, caller: 'tok_other' }, 60_000), { kind: 'reserved' }, 'a released key is free again')
  clock.advance(60_001)
  t.same(await c.inbound.reserve({ ...req, caller: 'tok_other', digest: 'c'.repeat(64) }, 60_000), { kind: 'reserved' }, 'an abandoned reservation is taken over')
})
