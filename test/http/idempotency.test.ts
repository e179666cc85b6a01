import t from 'tap'
import Fastify from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../src/catalogue/index.js'
import { LantaiError } from '../../src/errors.js'
import { auth } from '../../src/http/plugins/auth.js'
import { idempotency } from '../../src/http/plugins/idempotency.js'
import { input } from '../../src/http/plugins/input.js'
import { problemDetails } from '../../src/http/plugins/problem-details.js'
import { requestDigest } from '../../src/integration/index.js'
import { eachEngine, makeCatalogue } from '../catalogue/helpers.js'

// Inbound calls from other systems are idempotent by the caller's Idempotency-Key. A route opts in with
// `config: { idempotency: 'required' }`; this one stands for an acceptance application from the approval
// management system, and counts how often its handler really ran.

async function appWith (t: Parameters<Parameters<typeof eachEngine>[2]>[0], c: Catalogue, abandonedMs?: number) {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  await app.register(problemDetails)
  await app.register(input)
  await app.register(auth, { catalogue: c })
  await app.register(idempotency, { catalogue: c, abandonedMs })
  const runs: string[] = []
  app.post('/v1/applications', {
    config: { roles: ['admin', 'archivist'], idempotency: 'required' },
    schema: { body: Type.Object({ project: Type.String(), phase: Type.Optional(Type.String()) }) }
  }, async (req, reply) => {
    runs.push(req.body.project)
    if (req.body.project === 'down') throw new LantaiError('DB_UNAVAILABLE', 'the catalogue went away')
    if (req.body.project === 'unknown') throw new LantaiError('PROJECT_NOT_FOUND', 'unknown')
    return await reply.code(201).send({ application: `APP-${runs.length}`, project: req.body.project })
  })
  await app.ready()
  t.teardown(() => app.close())
  const system = await c.tokens.create({ role: 'archivist', label: 'approval management system' })
  const other = await c.tokens.create({ role: 'archivist', label: 'drawing-management system' })
  const call = async (key: string | undefined, body: unknown, secret = system.secret) => await app.inject({
    method: 'POST', url: '/v1/applications', payload: body as Record<string, unknown>,
    headers: { authorization: `Bearer ${secret}`, ...(key === undefined ? {} : { 'idempotency-key': key }) }
  })
  return { app, runs, call, otherSecret: other.secret }
}

eachEngine(t, 'the same key and body get the first answer again, without running twice', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const { runs, call } = await appWith(t, c)
  const first = await call('SP-2024-000123', { project: 'P-1', phase: 'I' })
  t.equal(first.statusCode, 201)
  t.same(first.json(), { application: 'APP-1', project: 'P-1' })
  const again = await call('SP-2024-000123', { phase: 'I', project: 'P-1' })
  t.equal(again.statusCode, 201)
  t.equal(again.body, first.body, 'byte for byte, whatever the order of the fields')
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(runs, ['P-1'], 'the handler ran once')
})

eachEngine(t, 'the same key with another body is IDEMPOTENCY_KEY_REUSED; a key is the caller\'s own', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const { runs, call, otherSecret } = await appWith(t, c)
  await call('K-1', { project: 'P-1' })
  const reused = await call('K-1', { project: 'P-2' })
  t.equal(reused.statusCode, 422)
  t.match(reused.json(), { code: 'IDEMPOTENCY_KEY_REUSED', detail: /K-1/ })
  t.equal(reused.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal((await call('K-1', { project: 'P-2' }, otherSecret)).statusCode, 201, 'another system may use the same key')
  t.same(runs, ['P-1', 'P-2'])
})

eachEngine(t, 'a refusal is kept like any answer; a 5xx keeps nothing so the caller can send again', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const { runs, call } = await appWith(t, c)
  t.equal((await call('K-404', { project: 'unknown' })).statusCode, 404)
  t.match((await call('K-404', { project: 'unknown' })).json(), { code: 'PROJECT_NOT_FOUND' })
  t.equal((await call('K-503', { project: 'down' })).statusCode, 503)
  t.equal((await call('K-503', { project: 'down' })).statusCode, 503)
  t.same(runs, ['unknown', 'down', 'down'], 'the 404 ran once; the 503 ran each time')
})

eachEngine(t, 'no key, a malformed key, and a request the schema refuses', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const { runs, call } = await appWith(t, c)
  t.match((await call(undefined, { project: 'P-1' })).json(), { status: 400, code: 'IDEMPOTENCY_KEY_INVALID' })
  t.match((await call('has space', { project: 'P-1' })).json(), { status: 400, code: 'IDEMPOTENCY_KEY_INVALID' })
  t.match((await call('K-1', { projec: 'P-1' })).json(), { status: 400, code: 'REQUEST_INVALID' })
  t.equal((await call('K-1', { project: 'P-1' })).statusCode, 201, 'the refused request reserved nothing; corrected, it goes through under its key')
  t.same(runs, ['P-1'])
})

eachEngine(t, 'a key whose first request is still unanswered is IDEMPOTENCY_IN_PROGRESS', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const { call } = await appWith(t, c)
  const tok = await c.tokens.list()
  const caller = tok.find(x => x.label === 'approval management system')!.id
  // a first copy reserved the key and is still running (or its process died: after abandonedMs the key is free)
  await c.inbound.reserve({ caller, key: 'K-busy', method: 'POST', route: '/v1/applications', digest: requestDigest('POST', '/v1/applications', { project: 'P-1' }) }, 60_000)
  t.match((await call('K-busy', { project: 'P-1' })).json(), { status: 409, code: 'IDEMPOTENCY_IN_PROGRESS' })
})
