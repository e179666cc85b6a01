import t from 'tap'
import { WebhookDispatcher, DEFAULT_INTEGRATION_POLICY, type DeliverySettings } from '../../src/integration/index.js'
import { createLogger } from '../../src/logger.js'
import { catalogueTargets, eachEngine, makeCatalogue, TestClock } from '../catalogue/helpers.js'
import { until } from '../fixtures/wait.js'
import type { Catalogue } from '../../src/catalogue/index.js'
import { startReceiver } from './receiver.js'

// The outbox's dispatcher against a real HTTP receiver on 127.0.0.1. The clock is the test's: the
// catalogue's and the dispatcher's agree, and a retry becomes due when the test moves time, never by waiting.

const SECRET = 'approval-system-shared-secret-0123456789'
const secrets: Record<string, string> = { LANTAI_SECRET_APPROVAL: SECRET, LANTAI_SECRET_SHORT: 'too-short' }

function dispatcher (c: Catalogue, clock: TestClock, settings: Partial<DeliverySettings> = {}): WebhookDispatcher {
  return new WebhookDispatcher({
    outbox: c.outbox, secretOf: name => secrets[name], log: createLogger('silent'), clock: clock.now, random: () => 0.5,
    settings: { ...DEFAULT_INTEGRATION_POLICY.delivery, backoffBaseMs: 1000, backoffMaxMs: 60_000, ...settings }
  })
}

/** Runs the dispatcher until nothing is due, moving the clock to each retry time; returns the rounds. */
async function drain (c: Catalogue, clock: TestClock, d: WebhookDispatcher, id: string): Promise<number> {
  let rounds = 0
  for (;;) {
    rounds += await d.runOnce()
    const now = await c.outbox.get(id)
    if (now === null || now.state !== 'pending') return rounds
    clock.set(now.nextAttemptAt)
  }
}

eachEngine(t, 'a receiver that fails the first two attempts gets the event three times under one id, verifies each, and acts on it once', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const receiver = await startReceiver(t, SECRET, { answers: [503, 500], now: clock.now })
  await c.subscribers.put({ name: 'approval', url: receiver.url, eventTypes: ['acceptance.*'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sha256', active: true }, 'tok_admin')
  const { message, deliveries } = await c.outbox.publish('acceptance.opinion.issued', { opinion: 'YS-2024-001', project: '2024-110105-48-01-000001' })
  const d = dispatcher(c, clock)
  t.equal(await drain(c, clock, d, deliveries[0]!.id), 3)

  t.same(receiver.received.map(r => [r.status, r.verdict.ok && r.verdict.id]), [[503, message.id], [500, message.id], [200, message.id]], 'every attempt signed and verified, one event id')
  t.same(receiver.processed, [message.id], 'acted on once')
  t.same(JSON.parse(receiver.received[2]!.body), { id: message.id, type: 'acceptance.opinion.issued', createdAt: message.createdAt, data: { opinion: 'YS-2024-001', project: '2024-110105-48-01-000001' } })
  t.match(receiver.received[0]!.headers, { 'lantai-event-type': 'acceptance.opinion.issued', 'content-type': 'application/json', 'lantai-signature': /^hmac-sha256=[0-9a-f]{64}$/ })
  const stamps = receiver.received.map(r => r.headers['lantai-timestamp'])
  t.equal(new Set(stamps).size, 3, 'each attempt signed anew with its own timestamp')

  const detail = await c.outbox.get(deliveries[0]!.id)
  t.match(detail, { state: 'delivered', attempts: 3, lastError: null })
  t.same(detail?.attemptLog.map(a => a.status), [503, 500, 200])
  // equal jitter at 0.5: 3/4 of base·2^(n−1)
  t.same(detail?.attemptLog.map(a => a.at), ['2024-05-01T00:00:00.000Z', '2024-05-01T00:00:00.750Z', '2024-05-01T00:00:02.250Z'], 'backed off 750 ms, then 1.5 s')
})

eachEngine(t, 'a receiver still down after the last attempt leaves the delivery failed with its last error; nothing more is tried', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const receiver = await startReceiver(t, SECRET, { answers: [500, 500, 500, 500], now: clock.now })
  await c.subscribers.put({ name: 'approval', url: receiver.url, eventTypes: ['*'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sha256', active: true }, 'tok_admin')
  const { deliveries } = await c.outbox.publish('acceptance.rectification.issued', { notice: 'ZG-7' })
  const d = dispatcher(c, clock, { maxAttempts: 3 })
  t.equal(await drain(c, clock, d, deliveries[0]!.id), 3)
  t.match(await c.outbox.get(deliveries[0]!.id), { state: 'failed', attempts: 3, lastError: 'HTTP 500: ok' })
  clock.advance(24 * 3600_000)
  t.equal(await d.runOnce(), 0)
  t.equal(receiver.received.length, 3)
  t.same(receiver.processed, [])
})

t.test('an HMAC-SM3 subscriber gets signatures a receiver expecting SM3 verifies, and one expecting SHA-256 refuses', async t => {
  const [target] = await catalogueTargets(t)
  const { c, clock } = await makeCatalogue(t, target!)
  const sm3 = await startReceiver(t, SECRET, { algorithm: 'hmac-sm3', now: clock.now })
  const sha = await startReceiver(t, SECRET, { now: clock.now })
  for (const [name, url] of [['sm3', sm3.url], ['sha', sha.url]]) {
    await c.subscribers.put({ name: name!, url: url!, eventTypes: ['commitment.overdue'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sm3', active: true }, 'tok_admin')
  }
  await c.outbox.publish('commitment.overdue', { commitment: 'CN-1' })
  await dispatcher(c, clock, { maxAttempts: 1 }).runOnce()
  t.match(sm3.received, [{ status: 200, headers: { 'lantai-signature': /^hmac-sm3=[0-9a-f]{64}$/ } }])
  t.match(sha.received, [{ status: 401, verdict: { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' } }], 'no downgrade: the algorithm is the receiver\'s to expect')
})

t.test('an attempt is refused before sending when the secret is unset or short, and cut off after the timeout', async t => {
  const [target] = await catalogueTargets(t)
  const { c, clock } = await makeCatalogue(t, target!)
  const silent = await startReceiver(t, SECRET, { hang: true, now: clock.now })
  await c.subscribers.put({ name: 'unset', url: silent.url, eventTypes: ['*'], secretEnv: 'LANTAI_SECRET_NOBODY_SET', algorithm: 'hmac-sha256', active: true }, 'tok_admin')
  await c.subscribers.put({ name: 'short', url: silent.url, eventTypes: ['*'], secretEnv: 'LANTAI_SECRET_SHORT', algorithm: 'hmac-sha256', active: true }, 'tok_admin')
  await c.subscribers.put({ name: 'silent', url: silent.url, eventTypes: ['*'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sha256', active: true }, 'tok_admin')
  const { deliveries } = await c.outbox.publish('project.registered', { code: 'P-1' })
  await dispatcher(c, clock, { maxAttempts: 1, timeoutMs: 200 }).runOnce()
  const errors = Object.fromEntries(await Promise.all(deliveries.map(async d => [d.subscriber, (await c.outbox.get(d.id))?.lastError])))
  t.same(errors, { unset: 'LANTAI_SECRET_NOBODY_SET is not set', short: 'LANTAI_SECRET_SHORT is shorter than 32 characters', silent: 'no answer within 200 ms' })
  t.equal(silent.received.length, 0, 'the silent receiver never answered; the other two were never called')
})

t.test('a running dispatcher delivers what is published without being asked, and stops cleanly', async t => {
  const [target] = await catalogueTargets(t)
  const { c } = await makeCatalogue(t, target!, new TestClock(new Date().toISOString()))
  const receiver = await startReceiver(t, SECRET)
  await c.subscribers.put({ name: 'approval', url: receiver.url, eventTypes: ['*'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sha256', active: true }, 'tok_admin')
  const d = new WebhookDispatcher({ outbox: c.outbox, secretOf: name => secrets[name], log: createLogger('silent'), settings: { ...DEFAULT_INTEGRATION_POLICY.delivery, pollMs: 20 } })
  d.start()
  t.teardown(async () => { await d.stop() })
  const { message } = await c.outbox.publish('project.registered', { code: 'P-2' })
  d.poke()
  await until('the event delivered', () => receiver.processed.length === 1 ? true : undefined)
  t.same(receiver.processed, [message.id])
  await d.stop()
})

eachEngine(t, 'two dispatchers on two connections share the outbox: each of 30 events reaches the receiver once', async (t, target) => {
  const { c, clock, reopen } = await makeCatalogue(t, target)
  const other = await reopen()
  const receiver = await startReceiver(t, SECRET, { now: clock.now })
  await c.subscribers.put({ name: 'approval', url: receiver.url, eventTypes: ['*'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sha256', active: true }, 'tok_admin')
  const ids: string[] = []
  for (let i = 0; i < 30; i++) ids.push((await c.outbox.publish('project.registered', { i })).message.id)
  const a = dispatcher(c, clock, { batch: 4 })
  const b = dispatcher(other, clock, { batch: 4 })
  // both claim at once, round after round, until neither finds anything due
  for (;;) {
    const [x, y] = await Promise.all([a.runOnce(), b.runOnce()])
    if (x + y === 0) break
  }
  t.equal(receiver.received.length, 30, 'no delivery was sent twice')
  t.same([...receiver.processed].sort(), [...ids].sort())
  t.equal((await c.outbox.list({ state: 'delivered', limit: 1, offset: 0 })).total, 30)
})
