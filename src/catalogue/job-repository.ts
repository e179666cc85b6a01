import type { Database, Statement } from 'better-sqlite3'
import { LantaiError } from '../errors.js'
import type { IdFactory } from './ids.js'
import { addMs, fromJson, isConstraint, toJson, type Clock } from './sql.js'

// Job state lives in the catalogue, not in process memory, so a crash loses no work and several
// workers can share one database: a worker leases a job, renews the lease while it works, and a job
// whose lease ran out is claimed again by whoever asks next (research-preservation.md §10 lesson 1).

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'parked'

export interface Job {
  /** 'job_' + ULID */
  id: string
  /** 'ingest' | 'fixity' | … */
  kind: string
  state: JobState
  /** what the job works on: a submission id, a package id … */
  subjectId: string | null
  payload: unknown
  progress: number
  leaseOwner: string | null
  leaseUntil: string | null
  /** how many times the job was claimed, parks excluded */
  attempts: number
  error: unknown | null
  createdAt: string
  updatedAt: string
}

interface JobRow {
  id: string
  kind: string
  state: string
  subject_id: string | null
  payload: string
  progress: number
  lease_owner: string | null
  lease_until: string | null
  attempts: number
  error: string | null
  created_at: string
  updated_at: string
}

export const toJob = (r: JobRow): Job => ({
  id: r.id,
  kind: r.kind,
  state: r.state as JobState,
  subjectId: r.subject_id,
  payload: fromJson(r.payload),
  progress: r.progress,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  attempts: r.attempts,
  error: fromJson(r.error),
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

/** A claimed job; `takenOverFrom` names the holder whose lease ran out, when it was one. */
export interface ClaimedJob extends Job { takenOverFrom: string | null }

/** Jobs of one kind in one state, counted. */
export interface JobCount { kind: string, state: JobState, count: number }

const checkLease = (leaseMs: number): void => {
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `leaseMs must be a positive integer, got ${leaseMs}`)
}

export class JobRepository {
  readonly #clock: Clock
  readonly #newId: IdFactory
  readonly #insert: Statement<Record<string, unknown>, JobRow>
  readonly #get: Statement<[string], JobRow>
  readonly #claim: Statement<Record<string, unknown>, JobRow>
  readonly #claimable: Statement<Record<string, unknown>, Pick<JobRow, 'id' | 'state' | 'lease_owner'>>
  readonly #claimTx: (args: Record<string, unknown>) => { row: JobRow | undefined, from: string | null }
  readonly #counts: Statement<[], { kind: string, state: string, n: number }>
  readonly #heartbeat: Statement<Record<string, unknown>, JobRow>
  readonly #finish: Statement<Record<string, unknown>, JobRow>
  readonly #park: Statement<Record<string, unknown>, JobRow>
  readonly #active: Statement<[string, string], JobRow>
  readonly #running: Statement<[string], JobRow>

  constructor (db: Database, clock: Clock, newId: IdFactory) {
    this.#clock = clock
    this.#newId = newId
    this.#insert = db.prepare(`
      INSERT INTO jobs (id, kind, state, subject_id, payload, created_at, updated_at)
      VALUES (@id, @kind, 'queued', @subjectId, @payload, @now, @now) RETURNING *`)
    this.#get = db.prepare('SELECT * FROM jobs WHERE id = ?')
    const CLAIMABLE = `
        SELECT id, state, lease_owner FROM jobs
        WHERE kind = @kind AND (state = 'queued' OR (state = 'running' AND lease_until < @now))
        ORDER BY id LIMIT 1`
    this.#claimable = db.prepare(CLAIMABLE)
    // One statement, so claiming is atomic: SQLite serialises writers, and two connections can never
    // take the same row. (PostgreSQL: the subselect becomes … FOR UPDATE SKIP LOCKED.)
    this.#claim = db.prepare(`
      UPDATE jobs SET state = 'running', lease_owner = @owner, lease_until = @until, attempts = attempts + 1, updated_at = @now
      WHERE id = (SELECT id FROM (${CLAIMABLE}))
      RETURNING *`)
    // RETURNING shows the row after the update only; the holder whose lease ran out is read first, in
    // the same write transaction, so no other writer can claim between the two (a takeover counter).
    const claimTx = db.transaction((args: Record<string, unknown>) => {
      const before = this.#claimable.get(args)
      const row = this.#claim.get(args)
      return { row, from: before !== undefined && before.state === 'running' && before.id === row?.id ? before.lease_owner : null }
    })
    this.#claimTx = args => claimTx.immediate(args)
    this.#counts = db.prepare('SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state ORDER BY kind, state')
    // Only the owner renews; a lease that ran out but was not yet claimed by another may still be renewed.
    this.#heartbeat = db.prepare(`
      UPDATE jobs SET lease_until = @until, progress = coalesce(@progress, progress), updated_at = @now
      WHERE id = @id AND state = 'running' AND lease_owner = @owner RETURNING *`)
    this.#finish = db.prepare(`
      UPDATE jobs SET state = @state, error = @error, progress = CASE WHEN @state = 'done' THEN 100 ELSE progress END,
        lease_owner = NULL, lease_until = NULL, updated_at = @now
      WHERE id = @id AND state = 'running' AND lease_owner = @owner RETURNING *`)
    this.#park = db.prepare(`
      UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), lease_owner = NULL, lease_until = NULL, updated_at = @now
      WHERE id = @id AND state = 'running' AND lease_owner = @owner RETURNING *`)
    this.#active = db.prepare("SELECT * FROM jobs WHERE kind = ? AND subject_id = ? AND state IN ('queued', 'running', 'parked')")
    this.#running = db.prepare("SELECT * FROM jobs WHERE kind = ? AND state = 'running' ORDER BY id")
  }

  /** Throws JOB_ACTIVE when a job of this kind is already queued or running for the subject. */
  enqueue (kind: string, subjectId: string | null, payload: unknown = null): Job {
    const at = this.#clock()
    try {
      const row = this.#insert.get({ id: this.#newId('job', at), kind, subjectId, payload: JSON.stringify(payload ?? null), now: at.toISOString() })
      if (row === undefined) throw new Error('INSERT … RETURNING gave no row')
      return toJob(row)
    } catch (err) {
      if (isConstraint(err, 'SQLITE_CONSTRAINT_UNIQUE')) {
        throw new LantaiError('JOB_ACTIVE', `${kind} for ${String(subjectId)}`, { kind, subjectId, jobId: this.activeFor(kind, subjectId ?? '')?.id }, { cause: err })
      }
      throw err
    }
  }

  /** The oldest queued job of `kind`, or a running one whose lease ran out; null when there is none. */
  claim (kind: string, owner: string, leaseMs: number): ClaimedJob | null {
    checkLease(leaseMs)
    const now = this.#clock()
    const { row, from } = this.#claimTx({ kind, owner, now: now.toISOString(), until: addMs(now, leaseMs) })
    return row === undefined ? null : { ...toJob(row), takenOverFrom: from }
  }

  /** Every kind and state that has jobs, counted (read at each metrics scrape). */
  counts (): JobCount[] {
    return this.#counts.all().map(r => ({ kind: r.kind, state: r.state as JobState, count: r.n }))
  }

  /** Renews the lease (and records progress). Throws STATE_CONFLICT when the lease was lost. */
  heartbeat (id: string, owner: string, leaseMs: number, progress?: number): Job {
    checkLease(leaseMs)
    const now = this.#clock()
    return this.#owned(id, owner, 'heartbeat', this.#heartbeat.get({ id, owner, now: now.toISOString(), until: addMs(now, leaseMs), progress: progress ?? null }))
  }

  complete (id: string, owner: string): Job {
    return this.#owned(id, owner, 'complete', this.#finish.get({ id, owner, state: 'done', error: null, now: this.#clock().toISOString() }))
  }

  /** Fails the job; `retry` puts it back in the queue (the attempt still counts). */
  fail (id: string, owner: string, error: unknown, opts: { retry?: boolean } = {}): Job {
    const state = opts.retry === true ? 'queued' : 'failed'
    return this.#owned(id, owner, 'fail', this.#finish.get({ id, owner, state, error: toJson(error), now: this.#clock().toISOString() }))
  }

  /** Graceful shutdown: back to the queue, and the attempt does not count. */
  park (id: string, owner: string): Job {
    return this.#owned(id, owner, 'park', this.#park.get({ id, owner, now: this.#clock().toISOString() }))
  }

  get (id: string): Job | null {
    const row = this.#get.get(id)
    return row === undefined ? null : toJob(row)
  }

  /** The unfinished (queued, running or parked) job of this kind for this subject. */
  activeFor (kind: string, subjectId: string): Job | null {
    const row = this.#active.get(kind, subjectId)
    return row === undefined ? null : toJob(row)
  }

  /** Every running job of `kind`, whoever holds the lease (a starting runner looks for dead owners). */
  running (kind: string): Job[] {
    return this.#running.all(kind).map(toJob)
  }

  #owned (id: string, owner: string, action: string, row: JobRow | undefined): Job {
    if (row !== undefined) return toJob(row)
    const current = this.#get.get(id)
    if (current === undefined) throw new LantaiError('JOB_NOT_FOUND', id, { id })
    throw new LantaiError('STATE_CONFLICT', `cannot ${action} job ${id}: it is ${current.state}${current.lease_owner === null ? '' : ` leased by ${current.lease_owner}`}, not running under ${owner}`,
      { id, owner, state: current.state, leaseOwner: current.lease_owner })
  }
}
