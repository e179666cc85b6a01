import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { STORAGE_DECLARATION } from '../../ocfl/index.js'
import { readAll, type BlobStore } from '../../storage/index.js'
import { sendProblem } from '../plugins/problem-details.js'

// /healthz is liveness: the process answers, nothing else is asked, so a slow disk never gets a live
// service restarted. /readyz is readiness: a load balancer sends requests only while the catalogue
// answers a query and the store's OCFL root declaration can be read. Both are public: probes carry
// no token.

export interface HealthRoutesOptions { catalogue: Catalogue, store: BlobStore }

const Check = Type.Union([Type.Literal('ok'), Type.Literal('failed')], { description: 'ok, or failed (the problem detail says why)' })
const Checks = Type.Object({
  catalogue: Check,
  store: Check
}, { description: 'Each dependency checked' })

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { catalogue, store }) => {
  app.get('/healthz', {
    config: { public: true },
    schema: { summary: 'Liveness: the process answers (nothing else is checked; see /readyz)', tags: ['service'], security: [], response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) } }
  }, async () => ({ status: 'ok' as const, version: '0.1.0' }))

  app.get('/readyz', {
    config: { public: true },
    schema: {
      summary: 'Readiness: the catalogue answers a query and the OCFL storage root (0=ocfl_1.1) is readable; 503 problem+json naming what failed',
      tags: ['service'],
      security: [],
      response: { 200: Type.Object({ status: Type.Literal('ready'), checks: Checks }) }
    }
  }, async (req, reply) => {
    const failures: string[] = []
    const checks = {
      catalogue: await attempt(async () => { await catalogue.ping() }, 'catalogue', failures),
      store: await attempt(async () => {
        const text = (await readAll(store, STORAGE_DECLARATION)).toString('utf8')
        if (text.trim() !== STORAGE_DECLARATION.slice(2)) throw new Error(`${STORAGE_DECLARATION} reads ${JSON.stringify(text)}`)
      }, `store (${store.description})`, failures)
    }
    if (failures.length === 0) return { status: 'ready' as const, checks }
    return sendProblem(req, reply, 'NOT_READY', 503, {
      en: `not ready: ${failures.join('; ')}`,
      zh: `服务尚未就绪：${failures.join('；')}`
    }, { checks })
  })
}

async function attempt (check: () => Promise<void>, name: string, failures: string[]): Promise<'ok' | 'failed'> {
  try {
    await check()
    return 'ok'
  } catch (err) {
    failures.push(`${name}: ${(err as Error).message}`)
    return 'failed'
  }
}
