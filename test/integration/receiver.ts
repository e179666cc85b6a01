import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import type { SignatureAlgorithm } from '../../src/catalogue/index.js'
import { MemoryReplayGuard, verifyWebhook, type VerifyResult } from '../../src/integration/index.js'

// A partner system's webhook endpoint on 127.0.0.1, as docs/webhooks.md tells partners to write one:
// verify the signature over the raw body, refuse replays, and act on each event id once, answering 200
// to a repeat. `answers` scripts the statuses of the first requests (a receiver that is down at first).

export interface Received { headers: IncomingHttpHeaders, body: string, verdict: VerifyResult, status: number }

export interface Receiver {
  url: string
  received: Received[]
  /** event ids acted on, once each */
  processed: string[]
}

export async function startReceiver (t: Test, secret: string, options: { algorithm?: SignatureAlgorithm, answers?: number[], now?: () => Date, hang?: boolean } = {}): Promise<Receiver> {
  const replay = new MemoryReplayGuard()
  const answers = [...(options.answers ?? [])]
  const received: Received[] = []
  const processed: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (options.hang === true) return
      const body = Buffer.concat(chunks).toString('utf8')
      const verdict = verifyWebhook(secret, req.headers, body, options.now?.() ?? new Date(), { algorithm: options.algorithm, replay })
      let status = verdict.ok ? (answers.shift() ?? 200) : 401
      if (verdict.ok && status === 200) {
        if (!processed.includes(verdict.id)) processed.push(verdict.id)
        else status = 200 // a repeat of an event acted on: acknowledged, not acted on again
      }
      received.push({ headers: req.headers, body, verdict, status })
      res.writeHead(status, { 'content-type': 'text/plain' }).end(verdict.ok ? 'ok' : verdict.code)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, processed }
}
