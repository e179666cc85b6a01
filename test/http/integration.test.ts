import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildTestApp } from '../fixtures/service.js'
import { scratch } from '../fixtures/bags.js'
import { startReceiver } from '../integration/receiver.js'

// The admin's view of interconnection through the real service: subscribers from the policy file and the
// API, and the outbox's deliveries, their attempts, and a retry of a failed one. The service's own
// dispatcher is stopped so the test decides when attempts happen.

const SECRET = 'approval-system-shared-secret-0123456789'
process.env.LANTAI_TEST_WEBHOOK_SECRET = SECRET

async function serviceWithPolicy (t: Parameters<typeof buildTestApp>[0], yaml: string): Promise<Awaited<ReturnType<typeof buildTestApp>>> {
  const policies = scratch(t)
  writeFileSync(join(policies, 'integration.yaml'), yaml)
  const service = await buildTestApp(t, { LANTAI_POLICIES: policies })
  await service.dispatcher.stop()
  return service
}

t.test('subscribers: the policy file\'s are listed and read-only here; the API makes others, refusing an unset secret', async t => {
  const s = await serviceWithPolicy(t, `
subscribers:
  - name: enforcement
    url: https://zhifa.example.gov.cn/api/lantai
    events: [commitment.overdue]
    secretEnv: LANTAI_TEST_WEBHOOK_SECRET
    algorithm: hmac-sm3
`)
  const put = async (name: string, body: Record<string, unknown>) => await s.app.inject({ method: 'PUT', url: `/v1/subscribers/${name}`, headers: s.auth(), payload: body })
  const approval = { url: 'https://approval.example.gov.cn/hooks', events: ['acceptance.*'], secretEnv: 'LANTAI_TEST_WEBHOOK_SECRET' }

  const created = await put('approval', approval)
  t.equal(created.statusCode, 201)
  t.match(created.json(), { name: 'approval', eventTypes: ['acceptance.*'], algorithm: 'hmac-sha256', active: true, source: 'api' })
  t.equal((await put('approval', approval)).statusCode, 200, 'a PUT of the same is no new subscriber')
  t.match((await put('approval', { ...approval, secretEnv: 'LANTAI_TEST_NOBODY_SET' })).json(), { status: 422, code: 'SUBSCRIBER_SECRET_MISSING' })
  t.match((await put('approval', { ...approval, url: 'ftp://approval.example/hooks' })).json(), { status: 400, code: 'REQUEST_INVALID' })
  t.match((await put('approval', { ...approval, secret: 'do-not-send-me' })).json(), { status: 400, code: 'REQUEST_INVALID' }, 'a secret in the body is refused, not stored')
  t.match((await put('enforcement', approval)).json(), { status: 409, code: 'SUBSCRIBER_FROM_POLICY' })

  const list = await s.app.inject({ method: 'GET', url: '/v1/subscribers', headers: s.auth() })
  t.same(list.json().map((x: { name: string, source: string }) => [x.name, x.source]), [['approval', 'api'], ['enforcement', 'policy']])
  t.notOk(list.body.includes(SECRET), 'the secret is never shown')
  t.match((await s.app.inject({ method: 'GET', url: '/v1/subscribers/nobody', headers: s.auth() })).json(), { status: 404, code: 'SUBSCRIBER_NOT_FOUND' })

  const events = await s.app.inject({ method: 'GET', url: '/v1/events?type=subscriber.created', headers: s.auth() })
  t.same(events.json().items.map((e: { objectId: string }) => e.objectId).sort(), ['subscriber:approval', 'subscriber:enforcement'])
})

t.test('a start-up with a typo in integration.yaml fails naming the file, line and key', async t => {
  const policies = scratch(t)
  writeFileSync(join(policies, 'integration.yaml'), 'subscribers: []\ndelivery:\n  maxAttemps: 3\n')
  await t.rejects(buildTestApp(t, { LANTAI_POLICIES: policies }), { code: 'CONFIG_INVALID', message: /integration\.yaml:3 delivery\.maxAttemps: Unexpected property/ })
})

t.test('the outbox: a failed delivery is listed with its attempts and last error, an admin retries it, and it lands once', async t => {
  const receiver = await startReceiver(t, SECRET, { answers: [502] })
  const s = await serviceWithPolicy(t, `
subscribers:
  - name: approval
    url: ${receiver.url}
    events: [acceptance.*]
    secretEnv: LANTAI_TEST_WEBHOOK_SECRET
delivery:
  maxAttempts: 1
`)
  const get = async (url: string) => await s.app.inject({ method: 'GET', url, headers: s.auth() })
  const { message, deliveries } = await s.catalogue.outbox.publish('acceptance.rectification.issued', { notice: 'ZG-2024-0007' })
  const id = deliveries[0]!.id
  t.match((await get('/v1/outbox?state=pending')).json(), { total: 1, items: [{ id, eventId: message.id, subscriber: 'approval', state: 'pending', attempts: 0 }] })

  await s.dispatcher.runOnce()
  t.match((await get('/v1/outbox?state=failed&subscriber=approval')).json(), { total: 1, limit: 50, offset: 0, items: [{ id, state: 'failed', lastError: 'HTTP 502: ok' }] })
  t.match((await get('/v1/outbox?state=delivered')).json(), { total: 0, items: [] })
  const detail = (await get(`/v1/outbox/${id}`)).json()
  t.match(detail, { id, state: 'failed', attempts: 1, message: { id: message.id, type: 'acceptance.rectification.issued', payload: { notice: 'ZG-2024-0007' } } })
  t.match(detail.attemptLog, [{ number: 1, status: 502, error: 'HTTP 502: ok' }])

  const retried = await s.app.inject({ method: 'POST', url: `/v1/outbox/${id}/retry`, headers: s.auth() })
  t.match(retried.json(), { id, state: 'pending', roundAttempts: 0 })
  t.match((await s.app.inject({ method: 'POST', url: `/v1/outbox/${id}/retry`, headers: s.auth() })).json(), { status: 409, code: 'STATE_CONFLICT' }, 'only a failed delivery')
  await s.dispatcher.runOnce()
  t.match((await get(`/v1/outbox/${id}`)).json(), { state: 'delivered', attempts: 2, lastError: null })
  t.same(receiver.processed, [message.id])
  t.same(receiver.received.map(r => r.headers['lantai-event-id']), [message.id, message.id], 'the same event id on the retry')

  const metrics = (await get('/metrics')).body
  t.match(metrics, 'lantai_webhook_deliveries{subscriber="approval",state="delivered"} 1')
  t.match(metrics, 'lantai_webhook_deliveries{subscriber="approval",state="failed"} 0', 'a state that emptied reads 0')

  t.match((await get('/v1/outbox/dlv_01HWRQ6W00X7BFRVSMP5PJGB83')).json(), { status: 404, code: 'DELIVERY_NOT_FOUND' })
  t.match((await get('/v1/outbox/not-an-id')).json(), { status: 400, code: 'REQUEST_INVALID' })
  const events = (await get(`/v1/events?objectType=system&objectId=${id}`)).json()
  t.same(events.items.map((e: { type: string }) => e.type), ['outbox.delivered', 'outbox.retried', 'outbox.failed'], 'every state change an event, newest first')
})

t.test('only an admin sees the outbox and the subscribers', async t => {
  const s = await serviceWithPolicy(t, 'subscribers: []\n')
  const token = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'archivist', label: 'archivist' } })
  const archivist = s.auth(token.json().secret)
  for (const [method, url] of [['GET', '/v1/outbox'], ['GET', '/v1/subscribers'], ['POST', '/v1/outbox/dlv_01HWRQ6W00X7BFRVSMP5PJGB83/retry']] as const) {
    t.equal((await s.app.inject({ method, url, headers: archivist })).statusCode, 403, `${method} ${url}`)
  }
})
