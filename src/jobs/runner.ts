import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Catalogue, Job } from '../catalogue/index.js'
import { isLantaiError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'

// Runs jobs of one kind from the catalogue's job table: claims with a lease, heartbeats while working,
// and on shutdown aborts and parks what it holds, so another worker (or this one after a restart)
// resumes it. Job state lives in the database, never only in this process.

export type JobHandler = (job: Job, signal: AbortSignal, progress: (p: number) => void) => Promise<void>

export interface JobRunnerOptions {
  kind: string
  concurrency: number
  leaseMs?: number
  /** Attempts before a transient failure stops being retried (default 3). */
  maxAttempts?: number
  idleMs?: number
  /** Counts lease takeovers (default: none). */
  metrics?: Metrics
  /**
   * With peers on this host (a shared catalogue), how often to look for jobs of dead workers beyond the
   * one look at start: a peer killed mid-job is taken over at once rather than after its lease. Default:
   * only at start (one process per data directory: nobody else can die beside it).
   */
  orphanSweepMs?: number
}

export class JobRunner {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  readonly #running = new Map<string, { abort: AbortController, done: Promise<void> }>()
  #stopped = true
  #timer: NodeJS.Timeout | undefined
  #wake: (() => void) | undefined
  #loop: Promise<void> | undefined

  constructor (readonly jobs: Catalogue['jobs'], readonly handler: JobHandler, readonly options: JobRunnerOptions, readonly log: Logger) {}

  get leaseMs (): number { return this.options.leaseMs ?? 60_000 }

  /** Requeues the jobs of dead workers, then starts claiming; resolves once the loop runs. */
  async start (): Promise<void> {
    if (!this.#stopped) return
    this.#stopped = false
    await this.#requeueOrphans()
    this.#loop = this.#run()
  }

  /**
   * A process killed mid-job (kill -9, OOM, power cut) leaves its jobs running under a lease nobody
   * renews, and claim() would wait out the whole lease (a minute) before a restarted service resumes
   * them. Jobs leased by a process of this host that is gone go back to the queue now; the crashed
   * attempt counts. Leases held on other hosts are left to expire: their liveness is not visible here.
   */
  async #requeueOrphans (): Promise<void> {
    for (const job of await this.jobs.running(this.options.kind)) {
      const owner = job.leaseOwner
      if (owner === null || !ownerIsGone(owner, this.owner)) continue
      try {
        await this.jobs.fail(job.id, owner, { code: 'ABORTED', message: `its worker ${owner} is gone` }, { retry: true })
      } catch (err) {
        // A peer on this host saw the same dead worker first (STATE_CONFLICT): the job is queued either way.
        this.log.debug({ err, job: job.id }, 'job of a dead worker already queued again')
        continue
      }
      this.options.metrics?.leaseTakenOver('job', 'holder_gone')
      this.log.info({ job: job.id, subject: job.subjectId, owner }, 'job of a dead worker queued again')
    }
  }

  /** Asks the loop to look for work now (after an enqueue) instead of at the next idle tick. */
  poke (): void { this.#wake?.() }

  async #run (): Promise<void> {
    let swept = Date.now()
    while (!this.#stopped) {
      const sweep = this.options.orphanSweepMs
      if (sweep !== undefined && Date.now() - swept >= sweep) {
        swept = Date.now()
        // A catalogue that does not answer now is asked again at the next sweep; claiming goes on.
        await this.#requeueOrphans().catch((err: unknown) => { this.log.warn({ err }, 'looking for jobs of dead workers failed') })
      }
      while (!this.#stopped && this.#running.size < this.options.concurrency) {
        const job = await this.jobs.claim(this.options.kind, this.owner, this.leaseMs)
        if (job === null) break
        if (this.#stopped) {
          // stop() came while the claim was in flight and no longer waits for new work: hand it back.
          await this.#safe(async () => await this.jobs.park(job.id, this.owner))
          break
        }
        if (job.takenOverFrom !== null) {
          this.options.metrics?.leaseTakenOver('job', 'expired')
          this.log.warn({ job: job.id, kind: job.kind, from: job.takenOverFrom }, 'job taken over: its lease ran out')
        }
        this.#execute(job)
      }
      if (this.#stopped) break
      await new Promise<void>(resolve => {
        this.#wake = resolve
        this.#timer = setTimeout(resolve, this.options.idleMs ?? 500)
      })
      clearTimeout(this.#timer)
    }
  }

  #execute (job: Job): void {
    const abort = new AbortController()
    const log = this.log.child({ job: job.id, kind: job.kind, subject: job.subjectId })
    let progress = job.progress
    // One heartbeat at a time; the job's bookkeeping below waits for the one in flight, so a late
    // heartbeat never lands after complete/park/fail.
    let beating: Promise<void> | undefined
    const heartbeat = async (): Promise<void> => {
      try { await this.jobs.heartbeat(job.id, this.owner, this.leaseMs, progress) } catch (err) {
        log.warn({ err }, 'lease lost; stopping the job')
        abort.abort(err)
      }
    }
    const beat = setInterval(() => {
      if (beating !== undefined || abort.signal.aborted) return
      beating = heartbeat().finally(() => { beating = undefined })
    }, Math.max(1000, this.leaseMs / 3))
    beat.unref()
    const done = (async () => {
      try {
        await this.handler(job, abort.signal, p => { progress = p })
        clearInterval(beat)
        await beating
        if (abort.signal.aborted) await this.jobs.park(job.id, this.owner)
        else await this.jobs.complete(job.id, this.owner)
      } catch (err) {
        clearInterval(beat)
        await beating
        if (abort.signal.aborted) {
          log.info('job parked for a later run')
          await this.#safe(async () => await this.jobs.park(job.id, this.owner))
        } else {
          log.error({ err }, 'job failed')
          // Transient errors (a moved head, a full staging disk) go back to the queue a few times.
          const retry = isLantaiError(err) && err.transient && job.attempts < (this.options.maxAttempts ?? 3)
          await this.#safe(async () => await this.jobs.fail(job.id, this.owner, { code: isLantaiError(err) ? err.code : 'INTERNAL', message: (err as Error).message }, { retry }))
        }
      } finally {
        clearInterval(beat)
        this.#running.delete(job.id)
        this.poke()
      }
    })()
    this.#running.set(job.id, { abort, done })
  }

  async #safe (f: () => Promise<unknown>): Promise<void> {
    try { await f() } catch (err) { this.log.warn({ err }, 'job bookkeeping failed') }
  }

  /** Stops claiming, aborts running jobs and waits for them to park. */
  async stop (): Promise<void> {
    this.#stopped = true
    this.poke()
    for (const { abort } of this.#running.values()) abort.abort(new Error('shutting down'))
    await Promise.all([...this.#running.values()].map(r => r.done))
    await this.#loop
  }

  /** Waits until no job is running (tests and the CLI use it). */
  async idle (): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()].map(r => r.done))
  }
}

/** Whether the runner that wrote `owner` (host:pid:random, see JobRunner.owner) is known to be dead. */
function ownerIsGone (owner: string, self: string): boolean {
  const parts = owner.split(':')
  if (parts.length < 3) return false
  const pid = Number(parts[parts.length - 2])
  if (parts.slice(0, -2).join(':') !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false
  // Our own pid under another owner is an earlier life of this pid (a container's pid 1 after a
  // restart): startService runs one runner per kind, so it cannot be a live peer in this process.
  if (pid === process.pid) return owner !== self
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
