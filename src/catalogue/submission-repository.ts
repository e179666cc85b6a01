import type { Database, Statement, Transaction } from 'better-sqlite3'
import { LantaiError } from '../errors.js'
import type { EventOutcome, EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { checkPage, fromJson, isConstraint, toJson, type Clock, type Page, type PageQuery } from './sql.js'

// A submission is one upload of a package and its way through ingest: a resumable state machine whose
// every step is a compare-and-set on `state` plus an event, in one transaction
// (research-preservation.md §10 lesson 1). A crash leaves the old state or the new one, never half.

/**
 * What a submission states about the package's next version: a supplement adds or replaces the files
 * it carries (and removes those its removal list names), a replacement is the whole payload.
 */
export type SubmissionMode = 'supplement' | 'replace'
export const SUBMISSION_MODES: readonly SubmissionMode[] = ['supplement', 'replace']

export type SubmissionState = 'receiving' | 'received' | 'checking' | 'checked' | 'transferring' | 'stored' | 'rejected' | 'failed'

export const SUBMISSION_STATES: readonly SubmissionState[] =
  ['receiving', 'received', 'checking', 'checked', 'transferring', 'stored', 'rejected', 'failed']

/**
 * The edges a submission may take. The backward edges (checking → received, transferring → checked)
 * are for crash recovery: a worker that died mid-stage hands the submission back so the stage reruns.
 * received → stored is for a duplicate of a stored package (`duplicateOf` set). transferring → rejected
 * is the duplicate decision made again under the object's lease, where a submission that was new when
 * checked finds an identical one stored meanwhile. stored, rejected and failed are final: a
 * resubmission is a new submission.
 */
export const SUBMISSION_TRANSITIONS: Readonly<Record<SubmissionState, readonly SubmissionState[]>> = {
  receiving: ['received', 'rejected', 'failed'],
  received: ['checking', 'stored', 'rejected', 'failed'],
  checking: ['checked', 'rejected', 'failed', 'received'],
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
  createdAt: string
  updatedAt: string
}

export type SubmissionPatch = Partial<Pick<Submission,
  'bytesReceived' | 'sha256' | 'progress' | 'stage' | 'report' | 'packageId' | 'version' | 'error' | 'duplicateOf'>>

export interface NewSubmission { projectCode: string, contentType: string, createdBy: string | null, mode?: SubmissionMode }

export interface TransitionOptions {
  /** token id recorded as the event agent; 'system' when absent */
  agent?: string
  /** event outcome; 'failure' for rejected and failed, 'success' otherwise */
  outcome?: EventOutcome
  /** merged into the event detail (which always names from, to and the patched fields except the report) */
  detail?: Record<string, unknown>
}

export interface SubmissionQuery extends PageQuery {
  projectCode?: string
  state?: SubmissionState
}

interface SubmissionRow {
  id: string
  project_code: string
  state: string
  content_type: string
  mode: string
  bytes_received: number
  sha256: string | null
  progress: number
  stage: string | null
  report: string | null
  package_id: string | null
  version: number | null
  error_code: string | null
  error_message: string | null
  duplicate_of: string | null
  created_by: string | null
  created_at: string
  updated_at: string
}

export const toSubmission = (row: SubmissionRow): Submission => ({
  id: row.id,
  projectCode: row.project_code,
  state: row.state as SubmissionState,
  contentType: row.content_type,
  mode: row.mode as SubmissionMode,
  bytesReceived: row.bytes_received,
  sha256: row.sha256,
  progress: row.progress,
  stage: row.stage,
  report: fromJson(row.report),
  packageId: row.package_id,
  version: row.version,
  error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  duplicateOf: row.duplicate_of,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at
})

// Each patchable column is set only when its flag is 1, so a patch can also set a column to NULL.
const PATCH_COLUMNS = [
  ['bytesReceived', 'bytes_received'], ['sha256', 'sha256'], ['progress', 'progress'], ['stage', 'stage'],
  ['report', 'report'], ['packageId', 'package_id'], ['version', 'version'], ['error', 'error_code'],
  ['error', 'error_message'], ['duplicateOf', 'duplicate_of']
] as const

const EVENT_FIELDS = ['bytesReceived', 'sha256', 'packageId', 'version', 'error', 'duplicateOf'] as const

const checkProgress = (progress: number): void => {
  if (!(progress >= 0 && progress <= 100)) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `progress must be 0–100, got ${progress}`)
}

export class SubmissionRepository {
  readonly #clock: Clock
  readonly #newId: IdFactory
  readonly #get: Statement<[string], SubmissionRow>
  readonly #update: Statement<Record<string, unknown>, SubmissionRow>
  readonly #progress: Statement<Record<string, unknown>, void>
  readonly #stored: Statement<[string, string], SubmissionRow>
  readonly #byStates: Statement<[string], SubmissionRow>
  readonly #list = new Map<string, Statement<Record<string, unknown>, SubmissionRow>>()
  readonly #count = new Map<string, Statement<Record<string, unknown>, { n: number }>>()
  readonly #create: Transaction<(s: Submission) => void>
  readonly #transition: Transaction<(id: string, from: readonly SubmissionState[], to: SubmissionState, patch: SubmissionPatch, opts: TransitionOptions) => SubmissionRow>

  constructor (db: Database, events: EventRepository, clock: Clock, newId: IdFactory) {
    this.#clock = clock
    this.#newId = newId
    const insert = db.prepare<Record<string, unknown>>(`
      INSERT INTO submissions (id, project_code, state, content_type, mode, created_by, created_at, updated_at)
      VALUES (@id, @projectCode, 'receiving', @contentType, @mode, @createdBy, @createdAt, @createdAt)`)
    this.#get = db.prepare('SELECT * FROM submissions WHERE id = ?')
    const sets = PATCH_COLUMNS.map(([, c]) => `${c} = CASE WHEN @has_${c} THEN @${c} ELSE ${c} END`).join(',\n        ')
    // `state = @from` keeps this a compare-and-set even without the IMMEDIATE lock (PostgreSQL).
    this.#update = db.prepare(`
      UPDATE submissions SET state = @to, updated_at = @now,
        ${sets}
      WHERE id = @id AND state = @from RETURNING *`)
    this.#progress = db.prepare(`
      UPDATE submissions SET progress = @progress, stage = @stage,
        bytes_received = coalesce(@bytesReceived, bytes_received), updated_at = @now
      WHERE id = @id`)
    this.#stored = db.prepare(`
      SELECT * FROM submissions
      WHERE project_code = ? AND sha256 = ? AND state = 'stored' AND duplicate_of IS NULL
      ORDER BY id LIMIT 1`)
    this.#byStates = db.prepare('SELECT * FROM submissions WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id')
    for (const byProject of [false, true]) {
      for (const byState of [false, true]) {
        const where = [byProject ? 'project_code = @projectCode' : '', byState ? 'state = @state' : ''].filter(Boolean)
        const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
        this.#list.set(`${byProject}:${byState}`, db.prepare(`SELECT * FROM submissions ${clause} ORDER BY id DESC LIMIT @limit OFFSET @offset`))
        this.#count.set(`${byProject}:${byState}`, db.prepare(`SELECT count(*) AS n FROM submissions ${clause}`))
      }
    }

    this.#create = db.transaction((s: Submission) => {
      insert.run({ id: s.id, projectCode: s.projectCode, contentType: s.contentType, mode: s.mode, createdBy: s.createdBy, createdAt: s.createdAt })
      events.append({
        at: s.createdAt, type: 'submission.receiving', outcome: 'info', agent: s.createdBy ?? 'system',
        objectType: 'submission', objectId: s.id, detail: { projectCode: s.projectCode, contentType: s.contentType, mode: s.mode }
      })
    })

    this.#transition = db.transaction((id, from, to, patch, opts) => {
      const current = this.#get.get(id)
      if (current === undefined) throw new LantaiError('SUBMISSION_NOT_FOUND', id, { id })
      if (!from.includes(current.state as SubmissionState)) {
        throw new LantaiError('STATE_CONFLICT', `submission ${id} is ${current.state}, expected ${from.join(' or ')} to move to ${to}`,
          { id, expected: from, actual: current.state, to })
      }
      // the edge is checked from the actual state, so `from` may list candidates (any non-final state → failed)
      if (!SUBMISSION_TRANSITIONS[current.state as SubmissionState].includes(to)) {
        throw new LantaiError('SUBMISSION_TRANSITION_INVALID', `${current.state} → ${to}`, { id, from: current.state, to })
      }
      const now = this.#clock().toISOString()
      const params: Record<string, unknown> = { id, from: current.state, to, now }
      for (const [key, col] of PATCH_COLUMNS) {
        const has = patch[key] !== undefined
        params[`has_${col}`] = has ? 1 : 0
        params[col] = !has
          ? null
          : key === 'error' ? (col === 'error_code' ? patch.error?.code ?? null : patch.error?.message ?? null)
            : key === 'report' ? toJson(patch.report) : patch[key]
      }
      const row = this.#update.get(params)
      if (row === undefined) throw new LantaiError('STATE_CONFLICT', `submission ${id} changed under us`, { id, expected: from, to })
      const detail: Record<string, unknown> = { from: current.state, to }
      for (const key of EVENT_FIELDS) if (patch[key] !== undefined) detail[key] = patch[key]
      events.append({
        at: now,
        type: `submission.${to}`,
        outcome: opts.outcome ?? (to === 'rejected' || to === 'failed' ? 'failure' : 'success'),
        agent: opts.agent ?? 'system',
        objectType: 'submission',
        objectId: id,
        detail: { ...detail, ...opts.detail }
      })
      return row
    })
  }

  /** A new submission in state 'receiving'. Throws PROJECT_NOT_FOUND, CATALOGUE_ARGUMENT_INVALID (mode). */
  create (input: NewSubmission): Submission {
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
      createdAt: at.toISOString(),
      updatedAt: at.toISOString()
    }
    try {
      this.#create.immediate(s)
    } catch (err) {
      if (isConstraint(err, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new LantaiError('PROJECT_NOT_FOUND', input.projectCode, { code: input.projectCode }, { cause: err })
      throw err
    }
    return s
  }

  get (id: string): Submission | null {
    const row = this.#get.get(id)
    return row === undefined ? null : toSubmission(row)
  }

  /** Newest first. */
  list (query: SubmissionQuery): Page<Submission> {
    checkPage(query)
    const key = `${query.projectCode !== undefined}:${query.state !== undefined}`
    const filters = { projectCode: query.projectCode, state: query.state }
    const list = this.#list.get(key)
    const count = this.#count.get(key)
    if (list === undefined || count === undefined) throw new Error('unreachable: every filter combination is prepared')
    return {
      items: list.all({ ...filters, limit: query.limit, offset: query.offset }).map(toSubmission),
      total: count.get(filters)?.n ?? 0
    }
  }

  /**
   * Moves the submission from one of `from` to `to`, applies `patch`, and appends the event
   * `submission.<to>`, all in one transaction. Throws SUBMISSION_NOT_FOUND, STATE_CONFLICT (naming the
   * actual and expected states) or SUBMISSION_TRANSITION_INVALID (the edge from the actual state is not
   * in SUBMISSION_TRANSITIONS).
   */
  transition (id: string, from: SubmissionState | readonly SubmissionState[], to: SubmissionState, patch: SubmissionPatch = {}, opts: TransitionOptions = {}): Submission {
    const froms = typeof from === 'string' ? [from] : from
    if (patch.progress !== undefined) checkProgress(patch.progress)
    return toSubmission(this.#transition.immediate(id, froms, to, patch, opts))
  }

  /**
   * Progress within a state; no event (it would flood the log). Each call is a durable commit
   * (synchronous=FULL), so callers should report a few times a second at most.
   */
  progress (id: string, progress: number, stage: string | null, bytesReceived?: number): void {
    checkProgress(progress)
    const { changes } = this.#progress.run({ id, progress, stage, bytesReceived: bytesReceived ?? null, now: this.#clock().toISOString() })
    if (changes === 0) throw new LantaiError('SUBMISSION_NOT_FOUND', id, { id })
  }

  /** The first stored submission of this project with this body digest (a duplicate's original). */
  findStoredBySha256 (projectCode: string, sha256: string): Submission | null {
    const row = this.#stored.get(projectCode, sha256)
    return row === undefined ? null : toSubmission(row)
  }

  /** For crash recovery at start: every submission in one of `states`, oldest first. */
  listByStates (states: readonly SubmissionState[]): Submission[] {
    return this.#byStates.all(JSON.stringify(states)).map(toSubmission)
  }
}
