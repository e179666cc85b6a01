import cron from 'node-cron'
import { eachConcurrently } from '../concurrent.js'
import type { HashPool } from '../hashing/index.js'
import type { Catalogue, Content, DamagedContent, FixityRecord, FixitySummary, Job } from '../catalogue/index.js'
import { isLantaiError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { Inventory, OcflObjectReader } from '../ocfl/index.js'
import { checkContent, Throttle, type CheckResult } from './check.js'
import type { FixityPolicy } from './policy.js'

// Scheduled fixity: a cron tick queues a job (job state lives in the catalogue, so only one worker runs
// it and a restart resumes it); the job checks the most overdue content files in a bounded batch.
// A manual run (`lantai fixity run`, POST /v1/fixity/runs) checks everything, or one package, now.

export const FIXITY_JOB = 'fixity'
const DAY_MS = 86_400_000
/**
 * Files checked at once. One at a time kept one hash worker busy and the other idle, and each small file
 * waited on its own round trips; eight keep the pool fed (its workers read local files themselves).
 */
const CONCURRENCY = 8

export interface FixityDeps {
  catalogue: Catalogue
  reader: OcflObjectReader
  pool: HashPool
  policy: FixityPolicy
  log: Logger
  /** Files checked and found damaged (default: none). */
  metrics?: Metrics
  clock?: () => Date
}

export interface FixityRunOptions {
  /** 'due': one scheduled batch of overdue files; 'all': every file (of one package, if given). */
  mode: 'due' | 'all'
  packageId?: string
  signal?: AbortSignal
  agent?: string
  onProgress?: (p: FixityProgress) => void
}

export interface FixityProgress { checked: number, bytes: number, ok: number, mismatches: number, missing: number }
/** A file a run found damaged or missing: the content file and every logical path that names it. */
export interface DamagedFile {
  packageId: string
  contentPath: string
  logicalPaths: string[]
  outcome: 'mismatch' | 'missing'
  /** what disagreed, or why it is missing */
  detail: Record<string, unknown>
  /** the package's `content.damaged` event (the first one, when the damage was known before this run) */
  eventId: number | null
}

export interface FixityRunResult extends FixityProgress {
  damagedPackages: string[]
  /** every damaged or missing file this run found, by package and content path */
  damaged: DamagedFile[]
  ms: number
}

export class FixityService {
  onQueued: (() => void) | undefined

  constructor (readonly deps: FixityDeps) {}

  get #now (): Date { return (this.deps.clock ?? (() => new Date()))() }

  /** Queues a run unless one is already queued or running (a tick never piles up). */
  async enqueue (mode: 'due' | 'all', packageId?: string): Promise<Job | null> {
    const subject = packageId ?? '*'
    if (await this.deps.catalogue.jobs.activeFor(FIXITY_JOB, subject) !== null) return null
    let job: Job
    try {
      job = await this.deps.catalogue.jobs.enqueue(FIXITY_JOB, subject, { mode, packageId: packageId ?? null })
    } catch (err) {
      // Processes sharing the catalogue run the same schedule: one queues the batch, the others find it queued.
      if (isLantaiError(err) && err.code === 'JOB_ACTIVE') return null
      throw err
    }
    this.onQueued?.()
    return job
  }

  schedule (expression: string): { stop (): void } | null {
    if (expression === 'off') return null
    // The tick's promise goes to node-cron (noOverlap waits for it); a failed enqueue is logged, the next tick tries again.
    const task = cron.schedule(expression, async () => {
      try { await this.enqueue('due') } catch (err) { this.deps.log.error({ err }, 'scheduled fixity run not queued') }
    }, { name: 'lantai-fixity', noOverlap: true })
    return { stop: () => { void task.stop() } }
  }

  readonly runJob = async (job: Job, signal: AbortSignal, progress: (p: number) => void): Promise<void> => {
    const payload = job.payload as { mode?: 'due' | 'all', packageId?: string | null } | null
    const mode = payload?.mode ?? 'due'
    const total = mode === 'due' ? this.deps.policy.batch.files : Math.max(1, (await this.deps.catalogue.packages.fixitySummary()).contents)
    const result = await this.run({
      mode, packageId: payload?.packageId ?? undefined, signal,
      onProgress: p => progress(Math.min(99, Math.floor(100 * p.checked / total)))
    })
    this.deps.log.info(result, 'fixity run finished')
  }

  async run (options: FixityRunOptions): Promise<FixityRunResult> {
    const { catalogue, policy } = this.deps
    const started = this.#now
    const throttle = new Throttle(policy.rateBytesPerSecond)
    // Everything due by start + maxAge is everything; each file checked moves past that horizon, so the
    // loop ends (a manual run). A scheduled batch takes what is due now, up to the batch limits.
    const horizon = options.mode === 'all' ? new Date(started.getTime() + policy.maxAgeDays * DAY_MS) : started
    const progress: FixityProgress = { checked: 0, bytes: 0, ok: 0, mismatches: 0, missing: 0 }
    const damaged = new Set<string>()
    const found: Array<Omit<DamagedFile, 'logicalPaths' | 'eventId'>> = []
    // Promises, so that the files of one object checked at once wait for one read of its inventory.
    const inventories = new Map<string, Promise<Inventory>>()
    // Files counted as they start, so that files checked at once never take a batch past its limits.
    const begun = { files: 0, bytes: 0 }
    const full = (): boolean => options.mode === 'due' && (begun.files >= policy.batch.files || begun.bytes >= policy.batch.bytes)
    for (;;) {
      if (isAborted(options.signal) || full()) break
      const batch = await catalogue.packages.dueForFixity(horizon, 100, options.packageId)
      if (batch.length === 0) break
      // Outcomes are recorded a page at a time (one commit), before the next page is asked for.
      const records: FixityRecord[] = []
      const flush = async (): Promise<void> => { await catalogue.packages.recordFixityMany(records.splice(0)) }
      try {
        await eachConcurrently(batch, CONCURRENCY, async content => {
          if (isAborted(options.signal) || full()) return
          begun.files++
          begun.bytes += content.size
          const result = await this.#checkOne(content, inventories, throttle, options.signal)
          const outcome = result.outcome === 'ok' ? 'ok' : result.outcome
          const checkedAt = this.#now
          records.push({
            packageId: content.packageId, contentPath: content.contentPath, outcome, checkedAt: checkedAt.toISOString(),
            nextCheckAt: new Date(checkedAt.getTime() + policy.maxAgeDays * DAY_MS).toISOString(),
            agent: options.agent ?? 'system', detail: detailOf(result)
          })
          progress.checked++
          progress.bytes += content.size
          if (result.outcome === 'ok') progress.ok++
          else if (result.outcome === 'missing') progress.missing++
          else progress.mismatches++
          // Bit damage or a lost file makes the content and its package damaged as the page is recorded
          // (recordFixityMany); metadata drift is reported, not damage.
          const isDamage = result.outcome === 'missing' || (result.outcome === 'mismatch' && result.kind === 'damage')
          this.deps.metrics?.fixityChecked(result.outcome, content.size, isDamage)
          if (isDamage) {
            damaged.add(content.packageId)
            found.push({ packageId: content.packageId, contentPath: content.contentPath, outcome: result.outcome, detail: detailOf(result) })
          }
          options.onProgress?.({ ...progress })
        })
      } finally {
        await flush() // an interrupted page keeps the checks it finished
      }
    }
    return { ...progress, damagedPackages: [...damaged], damaged: await this.#named(found), ms: this.#now.getTime() - started.getTime() }
  }

  /** Each damaged file with its logical paths and its damage event, as the catalogue now has them. */
  async #named (found: Array<Omit<DamagedFile, 'logicalPaths' | 'eventId'>>): Promise<DamagedFile[]> {
    const known = new Map<string, Map<string, DamagedContent>>()
    for (const f of found) {
      if (!known.has(f.packageId)) known.set(f.packageId, new Map((await this.deps.catalogue.packages.damagedContents(f.packageId)).map(d => [d.contentPath, d])))
    }
    return found
      .map(f => {
        const d = known.get(f.packageId)?.get(f.contentPath)
        return { ...f, logicalPaths: d?.logicalPaths ?? [], eventId: d?.eventId ?? null }
      })
      .sort((a, b) => a.packageId === b.packageId ? (a.contentPath < b.contentPath ? -1 : 1) : a.packageId < b.packageId ? -1 : 1)
  }

  async #checkOne (content: Content, inventories: Map<string, Promise<Inventory>>, throttle: Throttle, signal?: AbortSignal): Promise<CheckResult> {
    const pkg = await this.deps.catalogue.packages.get(content.packageId)
    if (pkg === null) return { outcome: 'missing', detail: `package ${content.packageId} is not in the catalogue` }
    let loading = inventories.get(pkg.ocflId)
    if (loading === undefined) {
      loading = this.deps.reader.readInventory(pkg.ocflId)
      inventories.set(pkg.ocflId, loading)
    }
    let inventory: Inventory
    try {
      inventory = await loading
    } catch (err) {
      return { outcome: 'missing', detail: `inventory of ${pkg.ocflId} cannot be read: ${(err as Error).message}` }
    }
    return await checkContent({ objectId: pkg.ocflId, contentPath: content.contentPath, size: content.size, catalogue: content }, inventory, {
      reader: this.deps.reader, pool: this.deps.pool, throttle, graceMs: this.deps.policy.graceSeconds * 1000, signal
    })
  }

  /** The catalogue's counts, every file known damaged or missing now, and the policy. */
  async summary (): Promise<FixitySummary & { damagedFiles: DamagedContent[], policy: FixityPolicy }> {
    const now = this.#now
    return { ...await this.deps.catalogue.packages.fixitySummary(now), damagedFiles: await this.deps.catalogue.packages.damagedContents(), policy: this.deps.policy }
  }
}

/** Read through a call, so the compiler does not narrow a signal that an await may have changed. */
const isAborted = (signal?: AbortSignal): boolean => signal?.aborted === true

function detailOf (result: CheckResult): Record<string, unknown> {
  if (result.outcome === 'ok') return {}
  if (result.outcome === 'missing') return { missing: result.detail }
  return { kind: result.kind, disagreements: result.disagreements }
}
