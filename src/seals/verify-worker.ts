// One thread of SealVerifierPool: verifies the files it is handed by path, one at a time, with the trust
// store it was sent once (again only when the caller's store changes), and answers with the report
// verifyFile gives on the main thread. Parsing and checking are synchronous CPU work: here they no
// longer hold up the API.
import { parentPort, type MessagePort } from 'node:worker_threads'
import { isLantaiError } from '../errors.js'
import type { TrustStore } from './trust.js'
import { verifyFile } from './verify-file.js'
import type { FromSealWorker, ToSealWorker } from './verify-protocol.js'

const port = ((): MessagePort => {
  if (parentPort === null) throw new Error('verify-worker must run in a worker thread')
  return parentPort
})()

let trust: TrustStore | undefined
const running = new Map<number, AbortController>()

const reply = (m: FromSealWorker): void => { port.postMessage(m) }

port.on('message', (m: ToSealWorker) => {
  if (m.type === 'trust') { trust = m.trust; return }
  if (m.type === 'cancel') { running.get(m.task)?.abort(); return }
  if (trust === undefined) { reply({ task: m.task, ok: false, error: { message: 'no trust store was sent before the file' } }); return }
  const controller = new AbortController()
  running.set(m.task, controller)
  verifyFile(m.file, { ...m.options, trust, signal: controller.signal }).then(
    report => { reply({ task: m.task, ok: true, report }) },
    (err: unknown) => {
      const e = err as Error
      reply({ task: m.task, ok: false, error: { message: e.message, ...(isLantaiError(e) ? { code: e.code, details: e.details } : {}) } })
    }
  ).finally(() => running.delete(m.task))
})
