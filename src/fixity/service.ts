import { randomUUID } from 'node:crypto'
import cron from 'node-cron'
import type { HashPool } from '../hashing/index.js'
import { keptDigests, type Catalogue, type Content, type DamagedContent, type FixityRecord, type FixitySummary, type Job, type VisibleTiers } from '../catalogue/index.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { OcflObjectReader } from '../ocfl/index.js'
import { algorithmsFor, checkContent, Throttle, type CheckResult, type ConfinedDirectories, type ObjectRecord } from './check.js'
import type { FixityPolicy } from './policy.js'

// Scheduled fixity: a cron tick queues a job (job state lives in the catalogue, so only one worker runs
// it and a restart resumes it); the job checks the most overdue content files in a bounded batch.
// A manual run (`lantai fixity run`, POST /v1/fixity/runs) checks everything, or one package, now.

export const FIXITY_JOB = 'fixity'
/** The event type of a round's summary. */
export const ROUND_EVENT = 'fixity.round'
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
  /** Check every kept digest, not only the policy's one (`lantai fixity run --all-digests`). */
  allDigests?: boolean
  signal?: AbortSignal
  agent?: string
  /** Names the round in its events (default: a new id); a queued run is named by its job. */
  roundId?: string
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
  round: string
  /** what was compared: the policy's one algorithm, or 'all' (every kept digest) */
  algorithm: string
  /** 'finished': every file in scope was checked; 'stopped': a signal or the batch limit ended it first */
  state: 'finished' | 'stopped'
  damagedPackages: string[]
  /** every damaged or missing file this run found, by package and content path */
  damaged: DamagedFile[]
  ms: number
  /** the round's `fixity.round` summary event */
  eventId: number
}

/** The last round's summary, as its `fixity.round` event holds it. */
export interface FixityRoundSummary extends FixityProgress {
  round: string
  eventId: number
  startedAt: string
  finishedAt: string
  mode: 'due' | 'all'
  packageId: string | null
  algorithm: string
  state: 'finished' | 'stopped'
  drift: number
  damagedFiles: number
  ms: number
}

/** The whole-store round queued or going on now: its job, and the share of files checked (percent). */
export interface RunningRound { jobId: string, state: 'queued' | 'running', progress: number }

/** Content files asked for at once; outcomes are written a page at a time too. */
const PAGE = 500
/** Objects whose inventory (and SM3 log) a round keeps parsed at once: a package of 10,000 files has a 6 MB inventory. */
const OBJECTS_HELD = 8

export class FixityService {
  onQueued: (() => void) | undefined

  constructor (readonly deps: FixityDeps) {}

  get #now (): Date { return (this.deps.clock ?? (() => new Date()))() }

  /** Queues a run unless one is already queued or running (a tick never piles up). */
  async enqueue (mode: 'due' | 'all', packageId?: string, allDigests = false): Promise<Job | null> {
    const subject = packageId ?? '*'
    // Processes sharing the catalogue run the same schedule: one queues the batch, the others find it queued.
    const job = await this.deps.catalogue.jobs.enqueueUnlessActive(FIXITY_JOB, subject, { mode, packageId: packageId ?? null, allDigests })
    if (job === null) return null
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
    const payload = job.payload as { mode?: 'due' | 'all', packageId?: string | null, allDigests?: boolean } | null
    const mode = payload?.mode ?? 'due'
    const total = mode === 'due' ? this.deps.policy.batch.files : Math.max(1, (await this.deps.catalogue.packages.fixitySummary()).contents)
    // The round is named by its job: a parked round resumed goes on under the same name.
    const { damaged, damagedPackages, ...result } = await this.run({
      mode, packageId: payload?.packageId ?? undefined, allDigests: payload?.allDigests === true, signal, roundId: job.id,
      onProgress: p => progress(Math.min(99, Math.floor(100 * p.checked / total)))
    })
    this.deps.log.info({ ...result, damagedFiles: damaged.length, damagedPackages: damagedPackages.length }, 'fixity round ended')
  }

  async run (options: FixityRunOptions): Promise<FixityRunResult> {
    const { catalogue, policy } = this.deps
    const started = this.#now
    const round = options.roundId ?? `fixity-${randomUUID()}`
    const algorithm = options.allDigests === true ? 'all' : policy.algorithm ?? 'sha512'
    const throttle = new Throttle(policy.rateBytesPerSecond)
    // Everything due by start + maxAge is everything (a manual run); a scheduled batch takes what is due
    // now, most overdue first, up to the batch limits. Either way each file checked moves past the
    // horizon, and the pages go on from the last file asked for, so no file is read twice in a round.
    const horizon = options.mode === 'all' ? new Date(started.getTime() + policy.maxAgeDays * DAY_MS) : started
    const progress: FixityProgress = { checked: 0, bytes: 0, ok: 0, mismatches: 0, missing: 0 }
    let drift = 0
    const damaged = new Set<string>()
    const found: Array<Omit<DamagedFile, 'logicalPaths' | 'eventId'>> = []
    const objects = new Map<string, Promise<ObjectState>>()
    const confined: ConfinedDirectories = new Map()
    // Files counted as they start, so that files checked at once never take a batch past its limits.
    const begun = { files: 0, bytes: 0 }
    const full = (): boolean => options.mode === 'due' && (begun.files >= policy.batch.files || begun.bytes >= policy.batch.bytes)
    let exhausted = false
    let failure: { err: unknown } | undefined
    const stop = (): boolean => failure !== undefined || isAborted(options.signal) || full()

    // Pages are asked for ahead and the checks flow across them: waiting for a page's last file before
    // starting the next left a core idle behind each big file.
    let queue: Content[] = []
    let last: Content | undefined
    let fetching: Promise<void> | undefined
    const fetchPage = async (): Promise<void> => {
      const page = options.mode === 'all'
        ? await catalogue.packages.contentsForRound(horizon, PAGE, options.packageId, last)
        : await catalogue.packages.dueForFixity(horizon, Math.min(PAGE, policy.batch.files), options.packageId, last)
      if (page.length < PAGE) exhausted = true
      last = page.at(-1) ?? last
      queue = queue.length === 0 ? page : [...queue, ...page]
    }
    const next = async (): Promise<Content | undefined> => {
      for (;;) {
        if (stop()) return undefined
        if (queue.length < CONCURRENCY && !exhausted && fetching === undefined) fetching = fetchPage().finally(() => { fetching = undefined })
        if (queue.length > 0) return queue.shift()
        if (fetching === undefined) return undefined
        await fetching
      }
    }

    // Outcomes are written a page at a time, one write after another, beside the checks.
    let records: FixityRecord[] = []
    let writing: Promise<void> = Promise.resolve()
    const write = (): void => {
      if (records.length === 0) return
      const page = records
      records = []
      writing = writing.then(async () => { await catalogue.packages.recordFixityMany(page) })
    }

    const worker = async (): Promise<void> => {
      for (let content = await next(); content !== undefined; content = await next()) {
        begun.files++
        begun.bytes += content.size
        let result: CheckResult
        try {
          result = await this.#checkOne(content, algorithm, objects, confined, throttle, options.signal)
        } catch (err) {
          // A check cut off by the signal is not an outcome: the file stays due for the next round.
          if (!isAborted(options.signal)) failure ??= { err }
          return
        }
        const checkedAt = this.#now
        const isDamage = result.outcome === 'missing' || (result.outcome === 'mismatch' && result.kind === 'damage')
        records.push({
          packageId: content.packageId, contentPath: content.contentPath, outcome: result.outcome, checkedAt: checkedAt.toISOString(),
          nextCheckAt: new Date(checkedAt.getTime() + policy.maxAgeDays * DAY_MS).toISOString(),
          agent: options.agent ?? 'system', detail: result.outcome === 'ok' ? { round } : { ...detailOf(result), round }, damage: isDamage
        })
        if (records.length >= PAGE) write()
        progress.checked++
        progress.bytes += content.size
        if (result.outcome === 'ok') progress.ok++
        else if (result.outcome === 'missing') progress.missing++
        else progress.mismatches++
        if (result.outcome === 'mismatch' && result.kind === 'drift') drift++
        // Bit damage or a lost file makes the content and its package damaged as its page is recorded
        // (recordFixityMany); metadata drift is reported, not damage.
        this.deps.metrics?.fixityChecked(result.outcome, content.size, isDamage)
        if (isDamage) {
          damaged.add(content.packageId)
          found.push({ packageId: content.packageId, contentPath: content.contentPath, outcome: result.outcome === 'missing' ? 'missing' : 'mismatch', detail: detailOf(result) })
        }
        options.onProgress?.({ ...progress })
      }
    }
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    } finally {
      write() // an interrupted round keeps the checks it finished
      await writing
    }
    if (failure !== undefined) throw failure.err
    const state = exhausted && queue.length === 0 && !isAborted(options.signal) ? 'finished' : 'stopped'
    const finishedAt = this.#now
    const ms = finishedAt.getTime() - started.getTime()
    const named = await this.#named(found)
    // §10 lesson 4, one event per round: what it checked and found, not an event per intact file.
    const summary = await catalogue.events.append({
      at: finishedAt.toISOString(), type: ROUND_EVENT, outcome: named.length === 0 ? 'success' : 'failure', agent: options.agent ?? 'system',
      objectType: 'system', objectId: round,
      detail: {
        round, startedAt: started.toISOString(), finishedAt: finishedAt.toISOString(), mode: options.mode, packageId: options.packageId ?? null,
        algorithm, state, ...progress, drift, damagedFiles: named.length, ms,
        // The first damaged files, to read the round at a glance; each also has its content.damaged event.
        damaged: named.slice(0, 100).map(f => ({ packageId: f.packageId, contentPath: f.contentPath, outcome: f.outcome, eventId: f.eventId }))
      }
    })
    return { ...progress, round, algorithm, state, damagedPackages: [...damaged], damaged: named, ms, eventId: summary.id }
  }

  /** The last round's summary event, null before the first round. */
  async lastRound (): Promise<FixityRoundSummary | null> {
    const last = (await this.deps.catalogue.events.list({ type: ROUND_EVENT, order: 'desc', limit: 1, offset: 0 })).items[0]
    if (last === undefined) return null
    const d = last.detail as Omit<FixityRoundSummary, 'eventId'>
    return {
      round: d.round, eventId: last.id, startedAt: d.startedAt, finishedAt: d.finishedAt, mode: d.mode, packageId: d.packageId, algorithm: d.algorithm,
      state: d.state, checked: d.checked, bytes: d.bytes, ok: d.ok, mismatches: d.mismatches, missing: d.missing, drift: d.drift, damagedFiles: d.damagedFiles, ms: d.ms
    }
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

  async #checkOne (content: Content, algorithm: string, objects: Map<string, Promise<ObjectState>>, confined: ConfinedDirectories, throttle: Throttle, signal?: AbortSignal): Promise<CheckResult> {
    // Promises, so that the files of one object checked at once wait for one read of its records.
    let loading = objects.get(content.packageId)
    if (loading === undefined) {
      loading = this.#object(content.packageId, algorithm)
      objects.set(content.packageId, loading)
      if (objects.size > OBJECTS_HELD) objects.delete(objects.keys().next().value as string)
    }
    const object = await loading
    if ('missing' in object) return { outcome: 'missing', detail: object.missing }
    const catalogue = keptDigests(content)
    return await checkContent({ objectId: object.ocflId, contentPath: content.contentPath, size: content.size, catalogue, algorithms: algorithmsFor(catalogue, algorithm) }, object, {
      reader: this.deps.reader, pool: this.deps.pool, throttle, graceMs: this.deps.policy.graceSeconds * 1000, signal, confined
    })
  }

  /** A package's OCFL object as a round reads it: its inventory, and its SM3 log when sm3 is compared. */
  async #object (packageId: string, algorithm: string): Promise<ObjectState> {
    const pkg = await this.deps.catalogue.packages.get(packageId)
    if (pkg === null) return { missing: `package ${packageId} is not in the catalogue` }
    try {
      const inventory = await this.deps.reader.readInventory(pkg.ocflId)
      const sm3 = algorithm === 'sm3' || algorithm === 'all' ? await this.deps.reader.sm3Digests(pkg.ocflId) : undefined
      return { ocflId: pkg.ocflId, inventory, ...(sm3 === undefined ? {} : { sm3 }) }
    } catch (err) {
      return { missing: `inventory of ${pkg.ocflId} cannot be read: ${(err as Error).message}` }
    }
  }

  /** The catalogue's counts, every file known damaged or missing now, and the policy. */
  /**
   * Given `tiers` (the caller's, issue 15 item 4), the counts and the damaged files are over the packages
   * of these tiers only, and the last round is left out when it was the round of one package above them.
   */
  async summary (tiers?: VisibleTiers): Promise<FixitySummary & { damagedFiles: DamagedContent[], policy: FixityPolicy, lastRound: FixityRoundSummary | null, running: RunningRound | null }> {
    const now = this.#now
    const { catalogue } = this.deps
    const active = await catalogue.jobs.activeFor(FIXITY_JOB, '*')
    const last = await this.lastRound()
    const lastPackage = last?.packageId ?? null
    const lastHidden = tiers !== undefined && lastPackage !== null && await catalogue.packages.get(lastPackage, tiers) === null
    return {
      ...await catalogue.packages.fixitySummary(now, tiers),
      damagedFiles: await catalogue.packages.damagedContents(undefined, tiers),
      policy: { ...this.deps.policy, algorithm: this.deps.policy.algorithm ?? 'sha512' },
      lastRound: lastHidden ? null : last,
      running: active === null ? null : { jobId: active.id, state: active.state === 'running' ? 'running' : 'queued', progress: active.progress }
    }
  }
}

type ObjectState = (ObjectRecord & { ocflId: string }) | { missing: string }

/** Read through a call, so the compiler does not narrow a signal that an await may have changed. */
const isAborted = (signal?: AbortSignal): boolean => signal?.aborted === true

function detailOf (result: CheckResult): Record<string, unknown> {
  if (result.outcome === 'ok') return {}
  if (result.outcome === 'missing') return { missing: result.detail }
  return { kind: result.kind, disagreements: result.disagreements }
}
