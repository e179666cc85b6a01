import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { IdFactory } from './ids.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor, JobsTable } from './db/schema.js'
import { addMs, fromJson, mapViolation, toJson, type Clock } from './sql.js'

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

type JobRow = Selectable<JobsTable>

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
  readonly #db: CatalogueDatabase
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#clock = clock
    this.#newId = newId
  }

  /**
   * Throws JOB_ACTIVE when a job of this kind is already queued or running for the subject. `tx` puts
   * the job in a caller's transaction (a state change and the job that carries it on, as one commit).
   */
  async enqueue (kind: string, subjectId: string | null, payload: unknown = null, tx: Executor = this.#db.db): Promise<Job> {
    const at = this.#clock()
    const now = at.toISOString()
    // the partial unique index jobs_active_subject decides a race between two enqueuers, not a lookup first
    const row = await mapViolation(
      async () => await tx.insertInto('jobs').values({
        id: this.#newId('job', at), kind, state: 'queued', subject_id: subjectId, payload: JSON.stringify(payload ?? null), created_at: now, updated_at: now
      }).returningAll().executeTakeFirstOrThrow(),
      (v, err) => v.kind === 'unique' ? new LantaiError('JOB_ACTIVE', `${kind} for ${String(subjectId)}`, { kind, subjectId }, { cause: err }) : undefined)
      .catch(async (err: unknown) => {
        // Inside a caller's transaction the lookup cannot run: on SQLite the one connection is the
        // transaction's, on PostgreSQL the violation aborted it. The caller's rollback is the answer there.
        if (err instanceof LantaiError && err.code === 'JOB_ACTIVE' && tx === this.#db.db) err.details.jobId = (await this.activeFor(kind, subjectId ?? ''))?.id
        throw err
      })
    return toJob(row)
  }

  /**
   * The job, or null when one of this kind is already queued or running for the subject: what a schedule
   * wants when every process sharing the catalogue ticks at once (one queues it, the others find it there).
   */
  async enqueueUnlessActive (kind: string, subjectId: string | null, payload: unknown = null): Promise<Job | null> {
    if (await this.activeFor(kind, subjectId ?? '') !== null) return null
    try {
      return await this.enqueue(kind, subjectId, payload)
    } catch (err) {
      if (err instanceof LantaiError && err.code === 'JOB_ACTIVE') return null
      throw err
    }
  }

  /**
   * The job, or null when one of this kind was ever made for the subject, whatever its state: what a
   * schedule wants whose subject names one tick (a drill slot), so a peer ticking after the job already
   * ran does not run it again. Two processes that both find none are decided by the unique index.
   */
  async enqueueOnce (kind: string, subjectId: string, payload: unknown = null): Promise<Job | null> {
    const made = await this.#db.db.selectFrom('jobs').select('id').where('kind', '=', kind).where('subject_id', '=', subjectId).executeTakeFirst()
    if (made !== undefined) return null
    try {
      return await this.enqueue(kind, subjectId, payload)
    } catch (err) {
      if (err instanceof LantaiError && err.code === 'JOB_ACTIVE') return null
      throw err
    }
  }

  /** The oldest queued job of `kind`, or a running one whose lease ran out; null when there is none. */
  async claim (kind: string, owner: string, leaseMs: number): Promise<ClaimedJob | null> {
    checkLease(leaseMs)
    const now = this.#clock()
    const at = now.toISOString()
    const postgres = this.#db.engine === 'postgres'
    // Read, then update, in one transaction. PostgreSQL: the row is locked as it is read and rows other
    // claimers hold are skipped, so concurrent claimers each get another job without waiting. SQLite:
    // the transaction began IMMEDIATE, holding the one write lock, so no other claim runs in between.
    // The holder whose lease ran out is read before the update (RETURNING shows only the new owner).
    return await this.#db.db.transaction().execute(async tx => {
      const before = await tx.selectFrom('jobs').select(['id', 'state', 'lease_owner'])
        .where('kind', '=', kind)
        .where(eb => eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'running'), eb('lease_until', '<', at)])]))
        .orderBy('id').limit(1)
        .$if(postgres, q => q.forUpdate().skipLocked())
        .executeTakeFirst()
      if (before === undefined) return null
      const row = await tx.updateTable('jobs')
        .set(eb => ({ state: 'running', lease_owner: owner, lease_until: addMs(now, leaseMs), attempts: eb('attempts', '+', 1), updated_at: at }))
        .where('id', '=', before.id).returningAll().executeTakeFirstOrThrow()
      return { ...toJob(row), takenOverFrom: before.state === 'running' ? before.lease_owner : null }
    })
  }

  /** Every kind and state that has jobs, counted (read at each metrics scrape). */
  async counts (): Promise<JobCount[]> {
    const rows = await this.#db.db.selectFrom('jobs').select(eb => ['kind', 'state', eb.fn.countAll<number>().as('n')])
      .groupBy(['kind', 'state']).orderBy('kind').orderBy('state').execute()
    return rows.map(r => ({ kind: r.kind, state: r.state as JobState, count: r.n }))
  }

  /** Renews the lease (and records progress). Throws STATE_CONFLICT when the lease was lost. */
  async heartbeat (id: string, owner: string, leaseMs: number, progress?: number): Promise<Job> {
    checkLease(leaseMs)
    const now = this.#clock()
    // Only the owner renews; a lease that ran out but was not yet claimed by another may still be renewed.
    const row = await this.#db.db.updateTable('jobs')
      .set(eb => ({ lease_until: addMs(now, leaseMs), progress: progress ?? eb.ref('progress'), updated_at: now.toISOString() }))
      .where('id', '=', id).where('state', '=', 'running').where('lease_owner', '=', owner).returningAll().executeTakeFirst()
    return await this.#owned(id, owner, 'heartbeat', row)
  }

  async complete (id: string, owner: string): Promise<Job> {
    return await this.#finish(id, owner, 'done', null, 'complete')
  }

  /** Fails the job; `retry` puts it back in the queue (the attempt still counts). */
  async fail (id: string, owner: string, error: unknown, opts: { retry?: boolean } = {}): Promise<Job> {
    return await this.#finish(id, owner, opts.retry === true ? 'queued' : 'failed', toJson(error), 'fail')
  }

  async #finish (id: string, owner: string, state: JobState, error: string | null, action: string): Promise<Job> {
    const row = await this.#db.db.updateTable('jobs')
      .set(eb => ({ state, error, progress: state === 'done' ? 100 : eb.ref('progress'), lease_owner: null, lease_until: null, updated_at: this.#clock().toISOString() }))
      .where('id', '=', id).where('state', '=', 'running').where('lease_owner', '=', owner).returningAll().executeTakeFirst()
    return await this.#owned(id, owner, action, row)
  }

  /** Graceful shutdown: back to the queue, and the attempt does not count. */
  async park (id: string, owner: string): Promise<Job> {
    const row = await this.#db.db.updateTable('jobs')
      .set(eb => ({
        state: 'queued',
        attempts: eb.case().when('attempts', '>', 0).then(eb('attempts', '-', 1)).else(0).end(),
        lease_owner: null,
        lease_until: null,
        updated_at: this.#clock().toISOString()
      }))
      .where('id', '=', id).where('state', '=', 'running').where('lease_owner', '=', owner).returningAll().executeTakeFirst()
    return await this.#owned(id, owner, 'park', row)
  }

  async get (id: string): Promise<Job | null> {
    const row = await this.#db.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toJob(row)
  }

  /** The unfinished (queued, running or parked) job of this kind for this subject. */
  async activeFor (kind: string, subjectId: string): Promise<Job | null> {
    const row = await this.#db.db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('subject_id', '=', subjectId)
      .where('state', 'in', ['queued', 'running', 'parked']).executeTakeFirst()
    return row === undefined ? null : toJob(row)
  }

  /** The jobs of `kind` in every state, oldest first, at most `limit` (what a schedule made, say). */
  async ofKind (kind: string, limit: number): Promise<Job[]> {
    return (await this.#db.db.selectFrom('jobs').selectAll().where('kind', '=', kind).orderBy('id').limit(limit).execute()).map(toJob)
  }

  /** Every running job of `kind`, whoever holds the lease (a starting runner looks for dead owners). */
  async running (kind: string): Promise<Job[]> {
    return (await this.#db.db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('state', '=', 'running').orderBy('id').execute()).map(toJob)
  }

  async #owned (id: string, owner: string, action: string, row: JobRow | undefined): Promise<Job> {
    if (row !== undefined) return toJob(row)
    const current = await this.#db.db.selectFrom('jobs').select(['state', 'lease_owner']).where('id', '=', id).executeTakeFirst()
    if (current === undefined) throw new LantaiError('JOB_NOT_FOUND', id, { id })
    throw new LantaiError('STATE_CONFLICT', `cannot ${action} job ${id}: it is ${current.state}${current.lease_owner === null ? '' : ` leased by ${current.lease_owner}`}, not running under ${owner}`,
      { id, owner, state: current.state, leaseOwner: current.lease_owner })
  }
}
