import t from 'tap'
import { buildTestApp, type TestService } from '../fixtures/service.js'

// The approval system's inbound contract, v1 (issue 14 item 11): only system tokens, every call with the
// caller's Idempotency-Key, a retry answered as the first time, a reused key refused; the outbound
// contracts are in the OpenAPI document's webhooks.

const CODE = '2026-330106-47-01-000801'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

async function post (s: TestService, url: string, headers: Record<string, string>, payload: unknown): Promise<{ status: number, body: Json, replayed: boolean }> {
  const res = await s.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> })
  return { status: res.statusCode, body: res.json(), replayed: res.headers['idempotent-replayed'] === 'true' }
}

t.test('the approval system registers a project, a permit and an application; a retry gets the first answer; withdrawing closes the application', async t => {
  const s = await buildTestApp(t, {}, { decision: true })
  const make = async (role: string): Promise<Record<string, string>> => s.auth((await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role, label: role } })).json().secret as string)
  const system = await make('system')
  const archivist = await make('archivist')
  const key = (k: string): Record<string, string> => ({ ...system, 'idempotency-key': k })
  const project = { code: CODE, name: '滨江学校', phases: [{ code: 'P1', name: '一期' }] }

  t.match(await post(s, '/v1/systems/approval/v1/projects', system, project), { status: 400, body: { code: 'IDEMPOTENCY_KEY_INVALID' } }, 'the caller\'s id is required')
  t.match(await post(s, '/v1/systems/approval/v1/projects', { ...archivist, 'idempotency-key': 'a-1' }, project), { status: 403, body: { code: 'FORBIDDEN' } }, 'systems only')
  t.match(await post(s, '/v1/systems/approval/v1/projects', key('REQ-0001'), project), { status: 201, body: { code: CODE }, replayed: false })
  t.match(await post(s, '/v1/systems/approval/v1/projects', key('REQ-0001'), project), { status: 201, body: { code: CODE }, replayed: true }, 'a retry: the first answer again, nothing done twice')
  t.match(await post(s, '/v1/systems/approval/v1/projects', key('REQ-0001'), { ...project, name: '别的' }), { status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } })
  t.match(await post(s, '/v1/systems/approval/v1/projects', key('REQ-0002'), project), { status: 409, body: { code: 'PROJECT_EXISTS' } }, 'a new request for the same project is a conflict')

  t.match(await post(s, `/v1/systems/approval/v1/projects/${CODE}/permits`, key('REQ-0003'), { kind: 'construction', number: '330106202605010101', issuedOn: '2026-05-01' }), { status: 201, body: { kind: 'construction' } })
  const applied = await post(s, '/v1/systems/approval/v1/applications', key('REQ-0004'), { project: CODE, phase: 'P1' })
  t.match(applied, { status: 201, body: { projectCode: CODE, phaseCode: 'P1', state: 'under_review' } })
  t.match(await post(s, '/v1/systems/approval/v1/applications', key('REQ-0005'), { project: CODE, phase: 'P1' }), { status: 409, body: { code: 'ACCEPTANCE_APPLICATION_DUPLICATE' } })
  const id = applied.body.id as string
  t.match(await post(s, `/v1/systems/approval/v1/applications/${id}/withdraw`, key('REQ-0006'), { reason: '设计变更' }), { status: 200, body: { id, state: 'withdrawn' } })
  t.match(await post(s, `/v1/applications/${id}/withdraw`, archivist, {}), { status: 409, body: { code: 'ACCEPTANCE_APPLICATION_CLOSED' } }, 'withdrawn once')
  t.match(await post(s, '/v1/systems/approval/v1/applications', key('REQ-0007'), { project: CODE, phase: 'P1' }), { status: 201 }, 'the phase may apply again')

  const events = (await s.catalogue.events.list({ objectId: CODE, limit: 100, offset: 0 })).items.map(e => e.type)
  for (const type of ['project.created', 'project.permit-added', 'acceptance.application.under_review', 'acceptance.application.refused', 'acceptance.application.withdrawn']) t.ok(events.includes(type), type)
})

t.test('the OpenAPI document carries the inbound paths and the outbound webhooks, versioned', async t => {
  const s = await buildTestApp(t)
  const doc = (await s.app.inject({ method: 'GET', url: '/docs/json' })).json()
  t.ok(doc.paths['/v1/systems/approval/v1/projects'], 'approval system: projects in')
  t.ok(doc.paths['/v1/systems/approval/v1/applications'], 'approval system: applications in')
  t.same(Object.keys(doc.webhooks).sort(), ['acceptance.opinion', 'acceptance.rectification', 'commitment.fulfilled', 'commitment.overdue'])
  t.match(doc.webhooks['commitment.overdue'].post.requestBody.content['application/json'].schema, { properties: { type: { const: 'commitment.overdue' }, data: { properties: { version: { const: 1 } } } } })
})
