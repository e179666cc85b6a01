import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Problem } from '../schemas/common.js'
import { OUTBOUND_WEBHOOKS } from '../schemas/webhooks.js'

// OpenAPI 3 from the route schemas; the UI at /docs and the JSON at /docs/json need no token.
export const openapi = fp(async (app: FastifyInstance) => {
  app.addSchema(Problem)
  await app.register(swagger, {
    openapi: {
      info: { title: 'Lantai 兰台', version: '0.1.0', description: 'Preservation repository for construction-project archives. Every route but /healthz and /docs needs `Authorization: Bearer <token>`. Errors are application/problem+json with a stable `code` (docs/errors.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      // the outbound contracts to partner systems (issue 14 item 11)
      webhooks: OUTBOUND_WEBHOOKS
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'openapi' })
