import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { LantaiError } from '../../errors.js'
import type { Serving } from '../../recovery/failover-store.js'

// Issue 16 item 7: while the primary store is lost, every response says where its bytes came from
// (`Lantai-Serving-From: replica <node>`), and changes are refused with 503 PRIMARY_LOST before they
// start, except signing in and managing nodes (how an admin marks the restored primary active again).

export interface ServingFromOptions { serving: () => Serving }

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])
const STILL_ALLOWED = [/^\/v1\/session(\/|$|\?)/, /^\/v1\/nodes(\/|$|\?)/]

export const label = (s: Serving): string => s.from === 'primary' ? 'primary' : `replica ${s.node}`

export const servingFrom = fp(async (app: FastifyInstance, { serving }: ServingFromOptions) => {
  app.addHook('onRequest', async req => {
    const now = serving()
    if (now.from === 'replica' && !SAFE.has(req.method) && !STILL_ALLOWED.some(r => r.test(req.url))) {
      throw new LantaiError('PRIMARY_LOST', `serving from replica ${now.node} since ${now.since}: ${now.reason}`, { node: now.node })
    }
  })
  app.addHook('onSend', async (_req, reply) => { reply.header('lantai-serving-from', label(serving())) })
}, { name: 'serving-from' })
