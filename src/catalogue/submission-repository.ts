import type { Selectable, Updateable } from 'kysely'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor, SubmissionsTable } from './db/schema.js'
import { LantaiError } from '../errors.js'
import type { EventOutcome, EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import type { JobRepository } from './job-repository.js'
import type { VisibleTiers } from './package-repository.js'
import { checkPage, fromJson, mapViolation, toJson, type Clock, type Page, type PageQuery } from './sql.js'
import { submissionVisible } from './tier-filters.js'

// A submission is one upload of a package and its way through ingest: a resumable state machine whose
// every step is a compare-and-set on `state` plus an event, in one transaction
// (research-preservation.md §10 lesson 1). A crash leaves the old state or the new one, never half.

/**
 * What a submission states about the package's next version: a supplement adds or replaces the files
 * it carries (and removes those its removal list names), a replacement is the whole payload.
 */
export type SubmissionMode = 'supplement' | 'replace'
export const SUBMISSION_MODES: readonly SubmissionMode[] = ['supplement', 'replace']

export type SubmissionState = 'receiving' | 'received' | 'checking' | 'checked' | 'awaiting_decision' | 'transferring' | 'stored' | 'rejected' | 'failed'

export const SUBMISSION_STATES: readonly SubmissionState[] =
  ['receiving', 'received', 'checking', 'checked', 'awaiting_decision', 'transferring', 'stored', 'rejected', 'failed']

/**
 * The edges a submission may take. The backward edges (checking → received, transferring → checked)
 * are for crash recovery: a worker that died mid-stage hands the submission back so the stage reruns.
 * received → stored is for a duplicate of a stored package (`duplicateOf` set). transferring → rejected
 * is the duplicate decision made again under the object's lease, where a submission that was new when
 * checked finds an identical one stored meanwhile. stored, rejected and failed are final: a
 * resubmission is a new submission. awaiting_decision (issue 14 item 5) waits for the archivist: accepted
 * goes on to checked (and the transfer), a rectification or a rejection ends it rejected.
 */
export const SUBMISSION_TRANSITIONS: Readonly<Record<SubmissionState, readonly SubmissionState[]>> = {
  receiving: ['received', 'rejected', 'failed'],
  received: ['checking', 'stored', 'rejected', 'failed'],
  checking: ['checked', 'awaiting_decision', 'rejected', 'failed', 'received'],
  awaiting_decision: ['checked', 'rejected', 'failed'],
  checked: ['transferring', 'rejected', 'failed'],
  transferring: ['stored', 'rejected', 'failed', 'checked'],
  stored: [],
  rejected: [],
  failed: []
}

export interface SubmissionError { code: string, message: string }

export interface Submission {
  /** 'sub_' + 26-character ULID, sortable by creation time */
  id: string
  projectCode: string
  state: SubmissionState
  contentType: string
  mode: SubmissionMode
  bytesReceived: number
  /** of the uploaded body, for duplicate detection */
  sha256: string | null
  /** 0–100 */
  progress: number
  /** free text: 'unpacking', 'hashing', … */
  stage: string | null
  /** the JSON validation report */
  report: unknown | null
  packageId: string | null
  version: number | null
  error: SubmissionError | null
  duplicateOf: string | null
  /** token id */
  createdBy: string | null
  /** the acceptance application (验收申请) this submission answers, if it names one */
  applicationId: string | null
  createdAt: string
  updatedAt: string
}

export type SubmissionPatch = Partial<Pick<Submission,
  'bytesReceived' | 'sha256' | 'progress' | 'stage' | 'report' | 'packageId' | 'version' | 'error' | 'duplicateOf'>>

export interface NewSubmission { projectCode: string, contentType: string, createdBy: string | null, mode?: SubmissionMode, applicationId?: string | null }

export interface TransitionOptions {
  /** token id recorded as the event agent; 'system' when absent */
  agent?: string
  /** event outcome; 'failure' for rejected and failed, 'success' otherwise */
  outcome?: EventOutcome
  /** merged into the event detail (which always names from, to and the patched fields except the report) */
  detail?: Record<string, unknown>
  /**
   * A job for this submission, queued in the same transaction: a process killed between the two would
   * otherwise leave the submission in a state nobody works on until some process starts again.
   */
  enqueue?: { kind: string, payload?: unknown }
}

export interface SubmissionQuery extends PageQuery {
  projectCode?: string
  state?: SubmissionState
  /**
   * only submissions whose project and package have one of these tiers (the caller's clearance): filtered
   * before paging, so totals leave the hidden ones out (issue 15 item 4)
   */
  tiers?: VisibleTiers
}

type SubmissionRow = Selectable<SubmissionsTable>

/**
 * The report is parsed when something reads it, not when the row is: a package's acceptance report
 * holds findings per file (23 MB of JSON for 20,000 files), and ingest's transitions and reads of a
 * submission, which look at its state, parsed it five times on the way from checked to stored, ~150 MB
 * of objects each time (issue 13 goal 2, service memory). Read or assigned, it becomes a plain value.
 */
function lazyReport (sub: Submission, text: SubmissionRow['report']): Submission {
  if (text === null) return sub
  const settle = (value: unknown): unknown => {
    Object.defineProperty(sub, 'report', { value, writable: true, enumerable: true, configurable: true })
    return value
  }
  Object.defineProperty(sub, 'report', { enumerable: true, configurable: true, get: () => settle(fromJson(text)), set: settle })
  return sub
}

export const toSubmission = (row: SubmissionRow): Submission => lazyReport({
  id: row.id,
  projectCode: row.project_code,
  state: row.state as SubmissionState,
  contentType: row.content_type,
  mode: row.mode as SubmissionMode,
  bytesReceived: row.bytes_received,
  sha256: row.sha256,
  progress: row.progress,
  stage: row.stage,
  report: null,
  packageId: row.package_id,
  version: row.version,
  error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  duplicateOf: row.duplicate_of,
  createdBy: row.created_by,
  applicationId: row.application_id ?? null,
  createdAt: row.created_at,
  updatedAt: row.updated_at
}, row.report)

const EVENT_FIELDS = ['bytesReceived', 'sha256', 'packageId', 'version', 'error', 'duplicateOf'] as const

const checkProgress = (progress: number): void => {
  if (!(progress >= 0 && progress <= 100)) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `progress must be 0–100, got ${progress}`)
}

export class SubmissionRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #jobs: JobRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, jobs: JobRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#jobs = jobs
    this.#clock = clock
    this.#newId = newId
  }

  /** A new submission in state 'receiving'. Throws PROJECT_NOT_FOUND, CATALOGUE_ARGUMENT_INVALID (mode). */
  async create (input: NewSubmission): Promise<Submission> {
    if (input.mode !== undefined && !SUBMISSION_MODES.includes(input.mode)) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `mode must be supplement or replace, got ${String(input.mode)}`)
    const at = this.#clock()
    const s: Submission = {
      id: this.#newId('sub', at),
      projectCode: input.projectCode,
      state: 'receiving',
      contentType: input.contentType,
      mode: input.mode ?? 'supplement',
      bytesReceived: 0,
      sha256: null,
      progress: 0,
      stage: null,
      report: null,
      packageId: null,
      version: null,
      error: null,
      duplicateOf: null,
      createdBy: input.createdBy,
      applicationId: input.applicationId ?? null,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString()
    }
    await mapViolation(async () => {
      await this.#db.db.transaction().execute(async tx => {
        await tx.insertInto('submissions').values({
          id: s.id, project_code: s.projectCode, state: 'receiving', content_type: s.contentType, mode: s.mode, application_id: s.applicationId, created_by: s.createdBy, created_at: s.createdAt, updated_at: s.createdAt
        }).execute()
        await this.#events.append({
          at: s.createdAt, type: 'submission.receiving', outcome: 'info', agent: s.createdBy ?? 'system',
          objectType: 'submission', objectId: s.id, detail: { projectCode: s.projectCode, contentType: s.contentType, mode: s.mode, ...(s.applicationId === null ? {} : { applicationId: s.applicationId }) }
        }, tx)
      })
    }, (v, err) => v.kind === 'foreign-key' ? new LantaiError('PROJECT_NOT_FOUND', input.projectCode, { code: input.projectCode }, { cause: err }) : undefined)
    return s
  }

  /** The submission, or null when there is none or, given `tiers`, when its project or package is of another tier (hidden is missing). */
  async get (id: string, tiers?: VisibleTiers): Promise<Submission | null> {
    const { engine } = this.#db
    const row = await this.#db.db.selectFrom('submissions').selectAll().where('id', '=', id)
      .$if(tiers !== undefined, q => q.where(eb => submissionVisible(engine, eb.ref('submissions.project_code'), eb.ref('submissions.package_id'), [...tiers ?? []])))
      .executeTakeFirst()
    return row === undefined ? null : toSubmission(row)
  }

  /** The tier labels a submission takes, its project's and its package's (the gate's object takes the highest); null when there is no such submission. */
  async tiersOf (id: string): Promise<string[] | null> {
    const rows = await this.#db.db.selectFrom('submissions as s').innerJoin('projects as j', 'j.code', 's.project_code')
      .leftJoin('packages as p', join => join.on(eb => eb.or([eb('p.project_code', '=', eb.ref('s.project_code')), eb('p.id', '=', eb.ref('s.package_id'))])))
      .select(['j.tier as project_tier', 'p.tier as package_tier']).where('s.id', '=', id).execute()
    if (rows.length === 0) return null
    return rows.flatMap(r => r.package_tier === null ? [r.project_tier] : [r.project_tier, r.package_tier])
  }

  /** Newest first. */
  async list (query: SubmissionQuery): Promise<Page<Submission>> {
    checkPage(query)
    const { engine } = this.#db
    const filtered = this.#db.db.selectFrom('submissions')
      .$if(query.projectCode !== undefined, q => q.where('project_code', '=', query.projectCode ?? ''))
      .$if(query.state !== undefined, q => q.where('state', '=', query.state ?? ''))
      // issue 15 item 4: what the caller may not see is not in the query, so the total cannot count it
      .$if(query.tiers !== undefined, q => q.where(eb => submissionVisible(engine, eb.ref('submissions.project_code'), eb.ref('submissions.package_id'), [...query.tiers ?? []])))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toSubmission), total: count?.n ?? 0 }
  }

  /**
   * Moves the submission from one of `from` to `to`, applies `patch`, and appends the event
   * `submission.<to>`, all in one transaction. Throws SUBMISSION_NOT_FOUND, STATE_CONFLICT (naming the
   * actual and expected states) or SUBMISSION_TRANSITION_INVALID (the edge from the actual state is not
   * in SUBMISSION_TRANSITIONS).
   */
  async transition (id: string, from: SubmissionState | readonly SubmissionState[], to: SubmissionState, patch: SubmissionPatch = {}, opts: TransitionOptions = {}): Promise<Submission> {
    if (patch.progress !== undefined) checkProgress(patch.progress)
    return await this.#db.db.transaction().execute(async tx => await this.transitionIn(tx, id, from, to, patch, opts))
  }

  /** transition() inside a caller's transaction (a catalogue repository's), for changes that must commit with it. */
  async transitionIn (tx: Executor, id: string, from: SubmissionState | readonly SubmissionState[], to: SubmissionState, patch: SubmissionPatch = {}, opts: TransitionOptions = {}): Promise<Submission> {
    const froms = typeof from === 'string' ? [from] : from
    if (patch.progress !== undefined) checkProgress(patch.progress)
    // The state alone: the row's report may be megabytes, and the update below returns the row anyway.
    const current = await tx.selectFrom('submissions').select('state').where('id', '=', id).executeTakeFirst()
    if (current === undefined) throw new LantaiError('SUBMISSION_NOT_FOUND', id, { id })
    if (!froms.includes(current.state as SubmissionState)) {
      throw new LantaiError('STATE_CONFLICT', `submission ${id} is ${current.state}, expected ${froms.join(' or ')} to move to ${to}`,
        { id, expected: froms, actual: current.state, to })
    }
    // the edge is checked from the actual state, so `from` may list candidates (any non-final state → failed)
    if (!SUBMISSION_TRANSITIONS[current.state as SubmissionState].includes(to)) {
      throw new LantaiError('SUBMISSION_TRANSITION_INVALID', `${current.state} → ${to}`, { id, from: current.state, to })
    }
    const now = this.#clock().toISOString()
    const set: Updateable<SubmissionsTable> = { state: to, updated_at: now }
    if (patch.bytesReceived !== undefined) set.bytes_received = patch.bytesReceived
    if (patch.sha256 !== undefined) set.sha256 = patch.sha256
    if (patch.progress !== undefined) set.progress = patch.progress
    if (patch.stage !== undefined) set.stage = patch.stage
    if (patch.report !== undefined) set.report = toJson(patch.report)
    if (patch.packageId !== undefined) set.package_id = patch.packageId
    if (patch.version !== undefined) set.version = patch.version
    if (patch.error !== undefined) { set.error_code = patch.error?.code ?? null; set.error_message = patch.error?.message ?? null }
    if (patch.duplicateOf !== undefined) set.duplicate_of = patch.duplicateOf
    // `state = from` keeps this a compare-and-set: on PostgreSQL another transaction may have moved it since the read
    const row = await tx.updateTable('submissions').set(set).where('id', '=', id).where('state', '=', current.state).returningAll().executeTakeFirst()
    if (row === undefined) throw new LantaiError('STATE_CONFLICT', `submission ${id} changed under us`, { id, expected: froms, to })
    const detail: Record<string, unknown> = { from: current.state, to }
    for (const key of EVENT_FIELDS) if (patch[key] !== undefined) detail[key] = patch[key]
    await this.#events.append({
      at: now,
      type: `submission.${to}`,
      outcome: opts.outcome ?? (to === 'rejected' || to === 'failed' ? 'failure' : 'success'),
      agent: opts.agent ?? 'system',
      objectType: 'submission',
      objectId: id,
      detail: { ...detail, ...opts.detail }
    }, tx)
    if (opts.enqueue !== undefined) await this.#jobs.enqueue(opts.enqueue.kind, id, opts.enqueue.payload ?? null, tx)
    return toSubmission(row)
  }

  /**
   * Progress within a state; no event (it would flood the log). Each call is a durable commit
   * (synchronous=FULL), so callers should report a few times a second at most.
   */
  async progress (id: string, progress: number, stage: string | null, bytesReceived?: number): Promise<void> {
    checkProgress(progress)
    const r = await this.#db.db.updateTable('submissions')
      .set(eb => ({ progress, stage, bytes_received: bytesReceived ?? eb.ref('bytes_received'), updated_at: this.#clock().toISOString() }))
      .where('id', '=', id).executeTakeFirst()
    if (Number(r.numUpdatedRows) === 0) throw new LantaiError('SUBMISSION_NOT_FOUND', id, { id })
  }

  /** The first stored submission of this project with this body digest (a duplicate's original). */
  async findStoredBySha256 (projectCode: string, sha256: string): Promise<Submission | null> {
    const row = await this.#db.db.selectFrom('submissions').selectAll()
      .where('project_code', '=', projectCode).where('sha256', '=', sha256).where('state', '=', 'stored').where('duplicate_of', 'is', null)
      .orderBy('id').limit(1).executeTakeFirst()
    return row === undefined ? null : toSubmission(row)
  }

  /** For crash recovery at start: every submission in one of `states`, oldest first. */
  async listByStates (states: readonly SubmissionState[]): Promise<Submission[]> {
    if (states.length === 0) return []
    return (await this.#db.db.selectFrom('submissions').selectAll().where('state', 'in', states).orderBy('id').execute()).map(toSubmission)
  }
}
