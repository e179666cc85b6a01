import t, { type Test } from 'tap'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { makeBag, scratch } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// Storage nodes and placement through the real service: nodes from nodes.yaml and the admin API, every
// change an event, bad definitions refused naming the field, and the violations list following the
// copies: a version is out of policy until its copies are verified, and again when a node is lost.

const SHIPPED = join(import.meta.dirname, '../../storage-policies')
process.env.LANTAI_TEST_NODE_ACCESS_KEY = 'AKIATESTNODE'
process.env.LANTAI_TEST_NODE_SECRET_KEY = 'test-node-secret-key'

const PRIMARY = `nodes:
  - id: primary
    primary: true
    kind: filesystem
    path: store
    province: 北京
    city: 北京
    seismicRegion: NORTH_CHINA
    media: disk
    operator: 本馆
    implementation: local-ocfl
    clearance: 机密
`

async function serviceWith (t: Parameters<typeof buildTestApp>[0], nodesYaml = PRIMARY): Promise<TestService> {
  const policies = scratch(t)
  copyFileSync(join(SHIPPED, 'seismic-zones.yaml'), join(policies, 'seismic-zones.yaml'))
  copyFileSync(join(SHIPPED, 'placement.yaml'), join(policies, 'placement.yaml'))
  writeFileSync(join(policies, 'nodes.yaml'), nodesYaml)
  return await buildTestApp(t, { LANTAI_POLICIES: policies })
}

/** A filesystem node's body, its directory made in the test's scratch space. */
function fsNode (t: Parameters<typeof scratch>[0], id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const dir = join(scratch(t), id)
  mkdirSync(dir)
  return { id, kind: 'filesystem', path: dir, media: 'disk', operator: 'remote archive', implementation: 'nas', ...over }
}

async function storePackage (s: TestService, t: Test): Promise<string> {
  const code = '2026-310104-47-01-000001'
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: '滨江花园二期', unit: '某建设单位' } })
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${code}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { 'plan.pdf': 'plan v1' })) })
  const sub = await s.settle((res.json() as { id: string }).id)
  t.equal(sub.state, 'stored')
  return sub.packageId as string
}

t.test('nodes: the policy\'s primary is listed with its health; the API registers others, each change an event', async t => {
  const s = await serviceWith(t)
  const post = async (body: Record<string, unknown>) => await s.app.inject({ method: 'POST', url: '/v1/nodes', headers: s.auth(), payload: body })

  const created = await post(fsNode(t, 'sh-nas', { province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA', capacityBytes: 1_000_000 }))
  t.equal(created.statusCode, 201)
  t.match(created.json(), { id: 'sh-nas', source: 'api', state: 'active', clearance: '非密', health: { reachable: true }, usage: { copies: 0, bytes: 0, spareBytes: 1_000_000 }, lag: { pending: 0 } })
  t.equal((await post(fsNode(t, 'other', { id: 'sh-nas', province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA' }))).json().code, 'NODE_EXISTS')

  const list = (await s.app.inject({ method: 'GET', url: '/v1/nodes', headers: s.auth() })).json() as Array<Record<string, unknown>>
  t.same(list.map(n => [n.id, n.source, (n.health as { reachable: boolean }).reachable]), [['primary', 'policy', true], ['sh-nas', 'api', true]])

  const patch = async (id: string, body: Record<string, unknown>) => await s.app.inject({ method: 'PATCH', url: `/v1/nodes/${id}`, headers: s.auth(), payload: body })
  t.match((await patch('sh-nas', { state: 'draining' })).json(), { id: 'sh-nas', state: 'draining' })
  t.match((await patch('sh-nas', { operator: '上海城建档案馆' })).json(), { operator: '上海城建档案馆' })
  t.match((await patch('primary', { province: '天津', city: '天津' })).json(), { status: 409, code: 'NODE_FROM_POLICY', detail: /change province, city there/, findings: undefined })
  t.match((await patch('primary', { state: 'draining' })).json(), { id: 'primary', state: 'draining' }, 'a policy node\'s state changes here')
  t.match((await patch('nobody', { state: 'lost' })).json(), { status: 404, code: 'NODE_NOT_FOUND' })
  t.match((await patch('sh-nas', { state: 'retired' })).json(), { status: 400, code: 'REQUEST_INVALID' })

  const events = (await s.app.inject({ method: 'GET', url: '/v1/events?objectType=system&limit=20', headers: s.auth() })).json() as { items: Array<{ type: string, objectId: string }> }
  t.same(events.items.filter(e => e.objectId.startsWith('node:')).map(e => [e.type, e.objectId]).reverse(), [
    ['node.created', 'node:primary'], ['node.created', 'node:sh-nas'], ['node.draining', 'node:sh-nas'], ['node.changed', 'node:sh-nas'], ['node.draining', 'node:primary']
  ])
})

t.test('a bad node definition is refused naming the field: unknown region, unset credential variable, unreachable endpoint or path', async t => {
  const s = await serviceWith(t)
  const post = async (body: Record<string, unknown>) => (await s.app.inject({ method: 'POST', url: '/v1/nodes', headers: s.auth(), payload: body })).json()
  const s3 = {
    id: 'cd-ceph', kind: 's3', endpoint: 'http://127.0.0.1:1', bucket: 'lantai', province: '四川', city: '成都', seismicRegion: 'QINGHAI_TIBET',
    media: 'disk', operator: '电信政务云', implementation: 'ceph-rgw', credentials: { accessKeyEnv: 'LANTAI_TEST_NODE_ACCESS_KEY', secretKeyEnv: 'LANTAI_TEST_NODE_SECRET_KEY' }
  }
  t.match(await post({ ...s3, seismicRegion: 'SICHUAN' }), { status: 400, code: 'NODE_INVALID', detail: /seismicRegion: SICHUAN is not a seismic region/, findings: [{ field: 'seismicRegion' }] })
  t.match(await post({ ...s3, seismicRegion: 'NORTH_CHINA' }), { status: 400, code: 'NODE_INVALID', findings: [{ field: 'seismicRegion', message: '成都 is in QINGHAI_TIBET, not NORTH_CHINA' }] })
  t.match(await post({ ...s3, credentials: { ...s3.credentials, secretKeyEnv: 'LANTAI_TEST_NOBODY_SET' } }),
    { status: 422, code: 'NODE_CREDENTIAL_MISSING', findings: [{ field: 'credentials.secretKeyEnv', message: 'LANTAI_TEST_NOBODY_SET is not set' }] })
  t.match(await post({ ...s3, credentials: { accessKeyEnv: 'AWS_ACCESS_KEY_ID', secretKeyEnv: 'LANTAI_TEST_NODE_SECRET_KEY' } }), { status: 400, code: 'REQUEST_INVALID', detail: /accessKeyEnv/ })
  t.match(await post(s3), { status: 422, code: 'NODE_UNREACHABLE', findings: [{ field: 'endpoint' }] })
  t.match(await post({ ...fsNode(t, 'wh-tape'), path: join(scratch(t), 'not-mounted'), province: '湖北', city: '武汉', seismicRegion: 'SOUTH_CHINA' }),
    { status: 422, code: 'NODE_UNREACHABLE', findings: [{ field: 'path', message: /ENOENT/ }] })
  t.match(await post({ ...s3, state: 'lost' }), { id: 'cd-ceph', state: 'lost', health: { reachable: false } }, 'a node declared lost need not answer')

  // an S3 endpoint that answers at all is reachable; its keys are the store's to check
  const server = createServer((_req, res) => { res.statusCode = 403; res.end() })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  const port = (server.address() as { port: number }).port
  t.match(await post({ ...s3, id: 'cd-minio', endpoint: `http://127.0.0.1:${port}` }), { id: 'cd-minio', health: { reachable: true, detail: 'HTTP 403' } })
  const listed = (await s.app.inject({ method: 'GET', url: '/v1/nodes', headers: s.auth() })).body
  t.notOk(listed.includes('test-node-secret-key'), 'a key is never shown, only its variable')
})

t.test('a start-up with a node in an unknown region fails naming the file, line, column and key', async t => {
  const yaml = PRIMARY.replace('seismicRegion: NORTH_CHINA', 'seismicRegion: HUABEI')
  await t.rejects(serviceWith(t, yaml), { code: 'CONFIG_INVALID', message: /nodes\.yaml:8:20 nodes\.0\.seismicRegion: HUABEI is not a seismic region/ })
})

t.test('a declared node that does not answer at start is a warning, not a stop: its health says why', async t => {
  const missing = join(scratch(t), 'tape-not-mounted')
  const s = await serviceWith(t, `${PRIMARY}  - {id: wh-tape, kind: filesystem, path: ${missing}, province: 湖北, city: 武汉, seismicRegion: SOUTH_CHINA, media: tape, operator: 本馆异地库房, implementation: ltfs}\n`)
  const tape = (await s.app.inject({ method: 'GET', url: '/v1/nodes/wh-tape', headers: s.auth() })).json()
  t.match(tape, { id: 'wh-tape', source: 'policy', state: 'active', health: { reachable: false, detail: /tape-not-mounted: ENOENT/ } })
})

t.test('violations: a version is out of policy until its planned copies are verified, and again when a node is lost', async t => {
  const s = await serviceWith(t)
  const violations = async () => (await s.app.inject({ method: 'GET', url: '/v1/placement/violations', headers: s.auth() })).json()
  const packageId = await storePackage(s, t)

  // 1. The primary alone: the version is out of policy, and no set of nodes could satisfy any tier.
  const alone = await violations()
  t.match(alone, { total: 1, limit: 50, offset: 0, items: [{ packageId, version: 1, tier: '非密', copies: [{ node: 'primary', state: 'verified' }], satisfiable: false }] })
  t.same(alone.items[0].unmet.map((u: { rule: string }) => u.rule), ['copies', 'provinces', 'seismicRegions', 'implementationsOrMedia'])
  t.match(alone.items[0].unmet[0], { required: 3, found: 1, en: /1 good copy/, zh: /1 份有效副本/ })
  t.same(alone.rules.map((r: { tier: string }) => r.tier), ['非密', '秘密', '机密'])
  t.match(alone.rules[0].where, /placement\.yaml:\d+:\d+ tiers\.非密$/)

  // 2. Two nodes that, with the primary, can satisfy 非密: placement plans a copy on each.
  for (const body of [fsNode(t, 'sh-nas', { province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA' }), fsNode(t, 'cd-nas', { province: '四川', city: '成都', seismicRegion: 'QINGHAI_TIBET' })]) {
    t.equal((await s.app.inject({ method: 'POST', url: '/v1/nodes', headers: s.auth(), payload: body })).statusCode, 201)
  }
  const planned = await violations()
  t.match(planned, { total: 1, items: [{ satisfiable: true, copies: [{ node: 'primary', state: 'verified' }, { node: 'cd-nas', state: 'planned' }, { node: 'sh-nas', state: 'planned' }] }] }, 'a planned copy is not a copy')
  t.same(planned.rules.map((r: { tier: string }) => r.tier), ['秘密', '机密'], 'the nodes are not cleared for classified tiers')
  const nodes = (await s.app.inject({ method: 'GET', url: '/v1/nodes', headers: s.auth() })).json() as Array<{ id: string, lag: { pending: number } }>
  t.same(nodes.map(n => [n.id, n.lag.pending]), [['cd-nas', 1], ['primary', 0], ['sh-nas', 1]])

  // 3. The copies verified (as the replication queue will record them): in policy.
  for (const nodeId of ['sh-nas', 'cd-nas']) await s.catalogue.replicas.put({ packageId, version: 1, nodeId, state: 'verified', bytes: 7 })
  t.match(await violations(), { total: 0, items: [] })
  t.match((await s.app.inject({ method: 'GET', url: '/v1/nodes/sh-nas', headers: s.auth() })).json(), { usage: { copies: 1, bytes: 7 }, lag: { pending: 0 } })
  t.match((await s.app.inject({ method: 'GET', url: '/v1/nodes/primary', headers: s.auth() })).json(), { usage: { copies: 1, bytes: Number } }, 'the primary holds every stored version')

  // 4. Shanghai lost: the version is out of policy again, and nothing is left to place it on.
  t.match((await s.app.inject({ method: 'PATCH', url: '/v1/nodes/sh-nas', headers: s.auth(), payload: { state: 'lost' } })).json(), { state: 'lost' })
  const lost = await violations()
  t.match(lost, { total: 1, items: [{ packageId, version: 1, satisfiable: false }] })
  t.same(lost.items[0].unmet.map((u: { rule: string, found: number }) => [u.rule, u.found]), [['copies', 2]])
  const events = (await s.app.inject({ method: 'GET', url: `/v1/events?objectType=package&objectId=${packageId}&limit=50`, headers: s.auth() })).json() as { items: Array<{ type: string }> }
  t.same(events.items.map(e => e.type).filter(type => type.startsWith('replica.')), ['replica.verified', 'replica.verified', 'replica.planned', 'replica.planned'])
  const nodeEvents = (await s.app.inject({ method: 'GET', url: '/v1/events?type=node.lost', headers: s.auth() })).json() as { items: Array<{ objectId: string, detail: { from: string } }> }
  t.match(nodeEvents.items, [{ objectId: 'node:sh-nas', detail: { from: 'active' } }])
})

t.test('only an admin sees or changes nodes and violations', async t => {
  const s = await serviceWith(t)
  const token = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'archivist', label: 'archivist' } })
  const archivist = s.auth(token.json().secret)
  for (const [method, url] of [['GET', '/v1/nodes'], ['GET', '/v1/nodes/primary'], ['POST', '/v1/nodes'], ['PATCH', '/v1/nodes/primary'], ['GET', '/v1/placement/violations']] as const) {
    t.equal((await s.app.inject({ method, url, headers: archivist, payload: method === 'GET' ? undefined : { state: 'lost' } })).statusCode, 403, `${method} ${url}`)
  }
})
