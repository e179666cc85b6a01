import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

export const healthRoutes: FastifyPluginAsyncTypebox = async app => {
  app.get('/healthz', {
    config: { public: true },
    schema: { summary: 'Liveness: the process answers and the catalogue opens', tags: ['service'], security: [], response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) } }
  }, async () => ({ status: 'ok' as const, version: '0.1.0' }))
}
