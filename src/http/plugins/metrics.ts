import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { PrometheusMetrics } from '../../service/prometheus.js'

// GET /metrics in the Prometheus text format (issue 12 item 7), and every request's duration by
// method, route template and status class. The route label is the template (/v1/packages/:id), never
// the URL, so the number of series stays bounded whatever clients send.
//
// The project rule is that every route but health and docs needs a token: Prometheus sends one with
// `authorization: { credentials_file: … }` in its scrape config (README "Operations"). Operators and
// the two oversight roles may read it; it names no package and no person.

export interface MetricsOptions { metrics: PrometheusMetrics }

export const metricsPlugin = fp<MetricsOptions>(async (app: FastifyInstance, { metrics }) => {
  app.addHook('onResponse', async (req, reply) => {
    metrics.requestDone(req.method, req.routeOptions.url ?? '(unmatched)', reply.statusCode, reply.elapsedTime / 1000)
  })

  app.get('/metrics', {
    config: { action: 'metrics.read' },
    schema: {
      summary: 'Prometheus metrics (text format 0.0.4): jobs by kind and state, ingest bytes and files, lease takeovers, fixity progress, HTTP durations, process',
      tags: ['service']
    }
  }, async (_req, reply) => {
    const text = await metrics.text()
    return reply.type(metrics.contentType).send(text)
  })
}, { name: 'metrics', dependencies: ['auth'] })
