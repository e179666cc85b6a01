// Seal verification off the main thread (issue 11 item 8): about 12 ms of synchronous parsing and
// checking a signature, minutes for a package of thousands of signed PDFs, during which the API would
// not answer. A few worker threads take file paths (never bytes: each reads its own file), get the trust
// store once, and answer with the report verifyFile gives in-process.
import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Worker } from 'node:worker_threads'
import { ERROR_CODES, LantaiError } from '../errors.js'
import { startWorker } from '../worker-start.js'
import { decidePaper } from './decision.js'
import { blankReport, emptyEvidence, type FileVerification, type SignatureReport } from './report.js'
import type { TrustStore } from './trust.js'
import { sniffSealFormat, verifyFile, type FileSealReport, type VerifyFileOptions } from './verify-file.js'
import type { FromSealWorker, TaskOptions, ToSealWorker } from './verify-protocol.js'

/** What checks a file: the pool, or verifyFile on the calling thread (the CLI's one-file `seals verify`). */
export interface SealVerifier {
  verify (file: string, options: VerifyFileOptions): Promise<FileSealReport>
}

export const inProcessVerifier: SealVerifier = { verify: verifyFile }

export interface SealVerifierPoolOptions {
  /** Worker threads; default min(2, cores): verification shares the machine with hashing and the API. */
  workers?: number
  /** Files waiting for a worker; verify() beyond that waits for room (default 64). */
  maxQueue?: number
  /**
   * Heap of each worker in MiB (default 1024): a file that needs more ends its worker, and only that file
   * is INDETERMINATE. File bytes are outside the heap; DEFAULT_VERIFY_LIMITS.maxFileBytes bounds them.
   */
  maxHeapMb?: number
  /** An idle worker ends after this many ms and gives its memory back (default 30 000). */
  idleMs?: number
}

interface Task {
  readonly id: number
  readonly file: string
  readonly options: TaskOptions
  readonly trust: TrustStore
  readonly signal: AbortSignal | undefined
  readonly resolve: (r: FileSealReport) => void
  readonly reject: (e: unknown) => void
  onAbort?: () => void
}

interface PoolWorker {
  readonly worker: Worker
  trust: TrustStore | undefined
  task: Task | undefined
  idle: NodeJS.Timeout | undefined
  gone: boolean
}

// Tests and benches run the .ts sources under tsx; the service runs dist/*.js (as src/hashing/hash.ts).
const OWN_EXTENSION = extname(fileURLToPath(import.meta.url))
const WORKER_URL = new URL('./verify-worker' + OWN_EXTENSION, import.meta.url)
const startVerifyWorker = (maxHeapMb: number): Worker => startWorker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } })

function rebuildError (e: { message: string, code?: keyof typeof ERROR_CODES, details?: Record<string, unknown> }): Error {
  if (e.code === undefined) return new Error(e.message)
  const prefix = `${ERROR_CODES[e.code].en}: `
  return new LantaiError(e.code, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : undefined, e.details ?? {})
}

export class SealVerifierPool implements SealVerifier {
  readonly size: number
  readonly #maxQueue: number
  readonly #maxHeapMb: number
  readonly #idleMs: number
  #workers: PoolWorker[] = []
  #queue: Task[] = []
  #room: Array<() => void> = []
  #nextTask = 1
  #closed = false

  constructor (options: SealVerifierPoolOptions = {}) {
    this.size = Math.max(1, options.workers ?? Math.min(2, availableParallelism()))
    this.#maxQueue = Math.max(1, options.maxQueue ?? 64)
    this.#maxHeapMb = options.maxHeapMb ?? 1024
    this.#idleMs = options.idleMs ?? 30_000
  }

  /** The report of verifyFile(file, options), made on a worker thread. */
  async verify (file: string, options: VerifyFileOptions): Promise<FileSealReport> {
    while (this.#queue.length >= this.#maxQueue && !this.#closed) await new Promise<void>(resolve => this.#room.push(resolve))
    if (this.#closed) throw new LantaiError('SEAL_VERIFIER_CLOSED', file)
    options.signal?.throwIfAborted()
    const { trust, signal, ...rest } = options
    return await new Promise<FileSealReport>((resolve, reject) => {
      const task: Task = { id: this.#nextTask++, file, options: rest, trust, signal, resolve, reject }
      if (signal !== undefined) {
        task.onAbort = () => this.#abort(task)
        signal.addEventListener('abort', task.onAbort, { once: true })
      }
      this.#queue.push(task)
      this.#dispatch()
    })
  }

  /** The file each busy worker holds now, with its thread (diagnostics, and tests that stop a worker mid-file). */
  held (): Array<{ file: string, worker: Worker }> {
    return this.#workers.filter(w => w.task !== undefined && !w.gone).map(w => ({ file: w.task!.file, worker: w.worker }))
  }

  /** Ends every worker; files not yet answered are rejected with SEAL_VERIFIER_CLOSED. Idempotent. */
  async close (): Promise<void> {
    this.#closed = true
    for (const wake of this.#room.splice(0)) wake()
    for (const task of this.#queue.splice(0)) this.#settle(task, () => task.reject(new LantaiError('SEAL_VERIFIER_CLOSED', task.file)))
    const workers = this.#workers.splice(0)
    for (const w of workers) {
      w.gone = true
      clearTimeout(w.idle)
      const task = w.task
      if (task !== undefined) this.#settle(task, () => task.reject(new LantaiError('SEAL_VERIFIER_CLOSED', task.file)))
    }
    await Promise.all(workers.map(async w => await w.worker.terminate()))
  }

  #dispatch (): void {
    while (this.#queue.length > 0 && !this.#closed) {
      const w = this.#workers.find(x => x.task === undefined && !x.gone) ?? (this.#workers.length < this.size ? this.#spawn() : undefined)
      if (w === undefined) return
      const task = this.#queue.shift()!
      this.#room.shift()?.()
      clearTimeout(w.idle)
      w.task = task
      w.worker.ref()
      if (w.trust !== task.trust) {
        this.#post(w, { type: 'trust', trust: task.trust })
        w.trust = task.trust
      }
      this.#post(w, { type: 'verify', task: task.id, file: task.file, options: task.options })
    }
  }

  #post (w: PoolWorker, m: ToSealWorker): void { w.worker.postMessage(m) }

  #spawn (): PoolWorker {
    const w: PoolWorker = { worker: startVerifyWorker(this.#maxHeapMb), trust: undefined, task: undefined, idle: undefined, gone: false }
    w.worker.on('message', (m: FromSealWorker) => {
      const task = w.task
      if (task === undefined || task.id !== m.task) return
      w.task = undefined
      this.#rest(w)
      this.#settle(task, () => {
        // the caller gave up: whatever the worker got to, the answer is ABORTED (as verifyFile's own)
        if (task.signal?.aborted === true) task.reject(new LantaiError('ABORTED', task.file, {}, { cause: task.signal.reason }))
        else if (m.ok) task.resolve(m.report)
        else task.reject(rebuildError(m.error))
      })
      this.#dispatch()
    })
    // 'error' (an uncaught exception, running out of heap) is followed by 'exit'; a terminate() gives 'exit' only
    let why: string | undefined
    w.worker.on('error', err => { why ??= err.message })
    w.worker.on('exit', code => this.#lose(w, why ?? `exit code ${code}`))
    this.#workers.push(w)
    return w
  }

  /** An idle worker does not keep the process alive, and ends after idleMs. */
  #rest (w: PoolWorker): void {
    w.worker.unref()
    w.idle = setTimeout(() => {
      if (w.task !== undefined || w.gone) return
      w.gone = true
      this.#workers = this.#workers.filter(x => x !== w)
      void w.worker.terminate()
    }, this.#idleMs)
    w.idle.unref()
  }

  /** A worker that stopped fails only the file it held, and a new one takes the queue. */
  #lose (w: PoolWorker, why: string): void {
    clearTimeout(w.idle)
    const wasGone = w.gone
    w.gone = true
    this.#workers = this.#workers.filter(x => x !== w)
    const task = w.task
    w.task = undefined
    if (task !== undefined && !wasGone) {
      this.#settle(task, () => {
        crashReport(task, why).then(task.resolve, task.reject)
      })
    }
    this.#dispatch()
  }

  #abort (task: Task): void {
    const queued = this.#queue.indexOf(task)
    if (queued >= 0) {
      this.#queue.splice(queued, 1)
      this.#room.shift()?.()
      this.#settle(task, () => task.reject(new LantaiError('ABORTED', task.file, {}, { cause: task.signal?.reason })))
      return
    }
    // the worker stops at its next await and answers ABORTED, which frees it
    const w = this.#workers.find(x => x.task === task)
    if (w !== undefined) this.#post(w, { type: 'cancel', task: task.id })
  }

  #settle (task: Task, done: () => void): void {
    if (task.onAbort !== undefined) task.signal?.removeEventListener('abort', task.onAbort)
    done()
  }
}

/** The report of a file whose worker stopped: not verified, so INDETERMINATE and provisional (rule R4), never waived. */
async function crashReport (task: Task, why: string): Promise<FileSealReport> {
  const format = await sniffSealFormat(task.file).catch(() => 'other' as const)
  const kind: SignatureReport['kind'] = format === 'pdf' ? 'pades' : format === 'ofd' ? 'ofd-ses' : 'cms'
  const validationTime = task.options.validationTime ?? new Date()
  const signature: SignatureReport = {
    ...blankReport(kind, '(document)', 'not verified', validationTime, { wholeDocument: false, description: 'nothing: the file was not verified' }),
    indication: 'INDETERMINATE',
    subIndication: null,
    reasons: [`the seal verifier worker stopped while checking this file (${why}); it was not verified, and a re-validation checks it again`]
  }
  const verification: FileVerification = { format, signatures: [signature], evidence: emptyEvidence(), originHints: [] }
  return { ...verification, archivalFormat: false, decision: decidePaper({ verification, archivalFormat: false, declaredOrigin: task.options.declaredOrigin }) }
}
