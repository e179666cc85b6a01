import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { STORAGE_DECLARATION } from '../../ocfl/index.js'
import { readAll, type BlobStore } from '../../storage/index.js'
import { sendProblem } from '../plugins/problem-details.js'
import type { Serving } from '../../recovery/failover-store.js'

// /healthz is liveness: the process answers, nothing else is asked, so a slow disk never gets a live
// service restarted. /readyz is readiness: a load balancer sends requests only while the catalogue
// answers a query and the store's OCFL root declaration can be read. Both are public: probes carry
// no token. Each check has a deadline: a probe that hangs on a stuck disk or an unanswering database
// would be cut off by the load balancer and read as a network fault, not as the dependency it waits on.

export interface HealthRoutesOptions {
  catalogue: Catalogue
  store: BlobStore
  /** How long each readiness check may take before it counts as failed (default READY_CHECK_MS). */
  readyCheckMs?: number
  /** Where reads are served from now (known, not probed: liveness asks nothing of the disk). */
  serving?: () => Serving
}

/** Below the 5 s probe timeout of common load balancers and orchestrators, so the 503 arrives. */
export const READY_CHECK_MS = 2_000

const Check = Type.Union([Type.Literal('ok'), Type.Literal('failed')], { description: 'ok, or failed (the problem detail says why)' })
const Checks = Type.Object({
  catalogue: Check,
  store: Check
}, { description: 'Each dependency checked' })

const Liveness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: 'degraded: the primary store is lost and reads are served from a replica' }),
  version: Type.String({ description: 'the Lantai version' }),
  servingFrom: Type.Optional(Type.String({ description: "'primary', or 'replica <node>' while the primary is lost" })),
  primaryLost: Type.Optional(Type.Object({ since: Type.String({ description: 'when it was found lost' }), reason: Type.String({ description: 'what was found' }) }, { description: 'present while serving from a replica' }))
})

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { catalogue, store, readyCheckMs = READY_CHECK_MS, serving }) => {
  app.get('/healthz', {
    config: { public: true },
    schema: { summary: 'Liveness: the process answers (nothing else is checked; see /readyz); says so when reads come from a replica', tags: ['service'], security: [], response: { 200: Liveness } }
  }, async () => {
    const now = serving?.()
    if (now === undefined) return { status: 'ok' as const, version: '0.1.0' }
    if (now.from === 'primary') return { status: 'ok' as const, version: '0.1.0', servingFrom: 'primary' }
    return { status: 'degraded' as const, version: '0.1.0', servingFrom: `replica ${now.node}`, primaryLost: { since: now.since, reason: now.reason } }
  })

  app.get('/readyz', {
    config: { public: true },
    schema: {
      summary: 'Readiness: the catalogue answers a query and the OCFL storage root (0=ocfl_1.1) is readable, each within 2 s; 503 problem+json naming what failed',
      tags: ['service'],
      security: [],
      response: { 200: Type.Object({ status: Type.Literal('ready'), checks: Checks }) }
    }
  }, async (req, reply) => {
    const failures: string[] = []
    // Both at once: the probe takes as long as the slower check, at most one deadline.
    const [catalogueCheck, storeCheck] = await Promise.all([
      attempt(async () => { await catalogue.ping() }, 'catalogue', readyCheckMs, failures),
      attempt(async () => {
        const text = (await readAll(store, STORAGE_DECLARATION)).toString('utf8')
        if (text.trim() !== STORAGE_DECLARATION.slice(2)) throw new Error(`${STORAGE_DECLARATION} reads ${JSON.stringify(text)}`)
      }, `store (${store.description})`, readyCheckMs, failures)
    ])
    const checks = { catalogue: catalogueCheck, store: storeCheck }
    if (failures.length === 0) return { status: 'ready' as const, checks }
    return sendProblem(req, reply, 'NOT_READY', 503, {
      en: `not ready: ${failures.join('; ')}`,
      zh: `服务尚未就绪：${failures.join('；')}`
    }, { checks })
  })
}

async function attempt (check: () => Promise<void>, name: string, ms: number, failures: string[]): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined
  // A check left running past its deadline is not awaited further; its late outcome is ignored.
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no answer within ${ms} ms`)) }, ms)
  })
  try {
    await Promise.race([check(), deadline])
    return 'ok'
  } catch (err) {
    failures.push(`${name}: ${(err as Error).message}`)
    return 'failed'
  } finally {
    clearTimeout(timer)
  }
}
