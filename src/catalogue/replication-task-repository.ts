import { sql, type Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor, ReplicaFilesTable, ReplicationTasksTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { addMs, checkPage, fromJson, toJson, type Clock, type Page, type PageQuery } from './sql.js'

// The replication queue and the per-copy file records (migration 0017; issue 16 items 4-5). A task is
// one (package version, node) copy; a worker leases it as it would a job, but claims respect a bound
// per node and a failed attempt waits out its backoff. A file record says one content file was read
// back from one node and matched: what a resumed task skips and what per-copy fixity checks.

export const TASK_STATES = ['queued', 'running', 'done', 'failed', 'held'] as const
export type TaskState = typeof TASK_STATES[number]
export type ReplicaFileState = 'verified' | 'damaged' | 'missing'
export type CopyOutcome = 'ok' | 'mismatch' | 'missing' | 'drift'

export interface ReplicationTask {
  /** 'rpl_' + ULID */
  id: string
  packageId: string
  version: number
  nodeId: string
  state: TaskState
  attempts: number
  /** not tried again before this (backoff after a failed attempt) */
  nextAttemptAt: string
  leaseOwner: string | null
  leaseUntil: string | null
  filesTotal: number | null
  filesDone: number
  bytesTotal: number | null
  bytesDone: number
  /** the last failure, or why a task is held: { code, message } */
  lastError: { code: string, message: string } | null
  createdAt: string
  updatedAt: string
}

export interface TaskProgress { filesTotal: number, filesDone: number, bytesTotal: number, bytesDone: number }

export interface TaskQuery extends PageQuery { state?: TaskState, nodeId?: string, packageId?: string }

/** A content file as its copy on one node is recorded. */
export interface ReplicaFile {
  packageId: string
  contentPath: string
  nodeId: string
  state: ReplicaFileState
  size: number
  verifiedAt: string
  lastCheckedAt: string | null
  lastOutcome: CopyOutcome | null
  nextCheckAt: string
  detail: Record<string, unknown> | null
}

/** A copy due for a check, with what the catalogue says its bytes are. */
export interface DueCopy extends ReplicaFile { sha512: string }

/** A content file of a version, as the copy needs it. */
export interface VersionContent { contentPath: string, size: number, sha512: string }

/** A stored version placement has not seen yet: its `package.version` event. */
export interface StoredVersion { eventId: number, packageId: string, version: number }

type TaskRow = Selectable<ReplicationTasksTable>
type FileRow = Selectable<ReplicaFilesTable>

export const toTask = (r: TaskRow): ReplicationTask => ({
  id: r.id,
  packageId: r.package_id,
  version: r.version,
  nodeId: r.node_id,
  state: r.state as TaskState,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  filesTotal: r.files_total,
  filesDone: r.files_done,
  bytesTotal: r.bytes_total === null ? null : Number(r.bytes_total),
  bytesDone: Number(r.bytes_done),
  lastError: fromJson(r.last_error) as ReplicationTask['lastError'],
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

const toFile = (r: FileRow): ReplicaFile => ({
  packageId: r.package_id,
  contentPath: r.content_path,
  nodeId: r.node_id,
  state: r.state as ReplicaFileState,
  size: Number(r.size),
  verifiedAt: r.verified_at,
  lastCheckedAt: r.last_checked_at,
  lastOutcome: r.last_outcome as CopyOutcome | null,
  nextCheckAt: r.next_check_at,
  detail: fromJson(r.detail) as Record<string, unknown> | null
})

/** Candidates a claim looks at per call: enough to find one on a node below its bound. */
const CLAIM_WINDOW = 200

export class ReplicationTaskRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#clock = clock
    this.#newId = newId
  }

  /** `package.version` events after the named cursor, oldest first. */
  async storedSince (cursor: string, limit: number): Promise<StoredVersion[]> {
    const at = await this.#db.db.selectFrom('replication_cursor').select('event_id').where('name', '=', cursor).executeTakeFirst()
    const rows = await this.#db.db.selectFrom('events').select(['id', 'object_id', 'detail'])
      .where('type', '=', 'package.version').where('id', '>', Number(at?.event_id ?? 0)).orderBy('id').limit(limit).execute()
    return rows.map(r => ({ eventId: Number(r.id), packageId: r.object_id, version: Number((fromJson(r.detail) as { version?: number } | null)?.version ?? 0) }))
  }

  /** Moves the cursor forward (never back: a slower peer placing the same events leaves it where it is). */
  async advance (cursor: string, eventId: number): Promise<void> {
    const now = this.#clock().toISOString()
    await this.#db.db.insertInto('replication_cursor').values({ name: cursor, event_id: eventId, updated_at: now })
      .onConflict(oc => oc.column('name').doUpdateSet({ event_id: eventId, updated_at: now }).where('replication_cursor.event_id', '<', eventId)).execute()
  }

  /** A task for every planned copy that has none yet; returns how many were queued. */
  async enqueuePlanned (): Promise<number> {
    const planned = await this.#db.db.selectFrom('replicas as r')
      .leftJoin('replication_tasks as t', join => join.onRef('t.package_id', '=', 'r.package_id').onRef('t.version', '=', 'r.version').onRef('t.node_id', '=', 'r.node_id'))
      .select(['r.package_id', 'r.version', 'r.node_id']).where('r.state', '=', 'planned').where('t.id', 'is', null)
      .orderBy('r.package_id').orderBy('r.version').orderBy('r.node_id').limit(1000).execute()
    let queued = 0
    for (const p of planned) {
      const at = this.#clock()
      const row = await this.#db.db.insertInto('replication_tasks').values({
        id: this.#newId('rpl', at), package_id: p.package_id, version: p.version, node_id: p.node_id, state: 'queued', next_attempt_at: at.toISOString(), created_at: at.toISOString(), updated_at: at.toISOString()
      }).onConflict(oc => oc.columns(['package_id', 'version', 'node_id']).doNothing()).returning('id').executeTakeFirst()
      if (row !== undefined) queued++
    }
    return queued
  }

  /**
   * The next due task on a node running fewer than `perNode` tasks now (leases not run out), or a
   * running one whose lease ran out; null when there is none. Earlier versions of a package go first.
   */
  async claim (owner: string, leaseMs: number, perNode: (nodeId: string) => number): Promise<ReplicationTask | null> {
    const now = this.#clock()
    const at = now.toISOString()
    const postgres = this.#db.engine === 'postgres'
    return await this.#db.db.transaction().execute(async tx => {
      const busy = new Map((await tx.selectFrom('replication_tasks').select(eb => ['node_id', eb.fn.countAll<number>().as('n')])
        .where('state', '=', 'running').where('lease_until', '>=', at).groupBy('node_id').execute()).map(r => [r.node_id, Number(r.n)]))
      const candidates = await tx.selectFrom('replication_tasks').select(['id', 'node_id'])
        .where(eb => eb.or([eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', at)]), eb.and([eb('state', '=', 'running'), eb('lease_until', '<', at)])]))
        .orderBy('version').orderBy('next_attempt_at').orderBy('id').limit(CLAIM_WINDOW)
        .$if(postgres, q => q.forUpdate().skipLocked()).execute()
      const pick = candidates.find(c => (busy.get(c.node_id) ?? 0) < perNode(c.node_id))
      if (pick === undefined) return null
      const row = await tx.updateTable('replication_tasks')
        .set(eb => ({ state: 'running', lease_owner: owner, lease_until: addMs(now, leaseMs), attempts: eb('attempts', '+', 1), updated_at: at }))
        .where('id', '=', pick.id).returningAll().executeTakeFirstOrThrow()
      return toTask(row)
    })
  }

  /** Renews the lease and records progress; false when the lease was lost. */
  async heartbeat (id: string, owner: string, leaseMs: number, progress?: TaskProgress): Promise<boolean> {
    const now = this.#clock()
    const res = await this.#db.db.updateTable('replication_tasks')
      .set({
        lease_until: addMs(now, leaseMs),
        updated_at: now.toISOString(),
        ...(progress === undefined ? {} : { files_total: progress.filesTotal, files_done: progress.filesDone, bytes_total: progress.bytesTotal, bytes_done: progress.bytesDone })
      })
      .where('id', '=', id).where('state', '=', 'running').where('lease_owner', '=', owner).executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  async complete (id: string, owner: string): Promise<ReplicationTask> {
    return await this.#finish(id, owner, { state: 'done', last_error: null })
  }

  /** Back to the queue, not before `retryAt` (backoff); the error is kept for GET /v1/replication/tasks. */
  async retry (id: string, owner: string, error: { code: string, message: string }, retryAt: Date): Promise<ReplicationTask> {
    return await this.#finish(id, owner, { state: 'queued', last_error: toJson(error), next_attempt_at: retryAt.toISOString() })
  }

  /** Given up (a permanent error, or attempts spent): an event of the package says why. */
  async fail (id: string, owner: string, error: { code: string, message: string }): Promise<ReplicationTask> {
    return await this.#db.db.transaction().execute(async tx => {
      const task = await this.#finish(id, owner, { state: 'failed', last_error: toJson(error) }, tx)
      await this.#events.append({ type: 'replication.failed', outcome: 'failure', agent: 'system', objectType: 'package', objectId: task.packageId, detail: { task: id, version: task.version, node: task.nodeId, attempts: task.attempts, ...error } }, tx)
      return task
    })
  }

  /** Not to run now (a classified version before tier keys exist); an event says why. */
  async hold (id: string, owner: string, reason: { code: string, message: string }): Promise<ReplicationTask> {
    return await this.#db.db.transaction().execute(async tx => {
      const task = await this.#finish(id, owner, { state: 'held', last_error: toJson(reason) }, tx)
      await this.#events.append({ type: 'replication.held', outcome: 'warning', agent: 'system', objectType: 'package', objectId: task.packageId, detail: { task: id, version: task.version, node: task.nodeId, ...reason } }, tx)
      return task
    })
  }

  /** Shutdown: back to the queue at once, and the attempt does not count. */
  async park (id: string, owner: string): Promise<void> {
    await this.#db.db.updateTable('replication_tasks')
      .set(eb => ({ state: 'queued', attempts: eb.case().when('attempts', '>', 0).then(eb('attempts', '-', 1)).else(0).end(), lease_owner: null, lease_until: null, updated_at: this.#clock().toISOString() }))
      .where('id', '=', id).where('state', '=', 'running').where('lease_owner', '=', owner).execute()
  }

  /**
   * A package's tasks not running go back to the queue now, attempts reset (POST /v1/packages/:id/replicate):
   * failed, held and finished ones, and queued ones waiting out a backoff (the node was fixed meanwhile).
   */
  async requeue (packageId: string, agent: string): Promise<number> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const res = await tx.updateTable('replication_tasks').set({ state: 'queued', attempts: 0, next_attempt_at: now, last_error: null, lease_owner: null, lease_until: null, updated_at: now })
        .where('package_id', '=', packageId).where('state', 'in', ['failed', 'held', 'done', 'queued']).executeTakeFirst()
      const n = Number(res.numUpdatedRows)
      if (n > 0) await this.#events.append({ type: 'replication.requeued', outcome: 'info', agent, objectType: 'package', objectId: packageId, detail: { tasks: n } }, tx)
      return n
    })
  }

  async get (id: string): Promise<ReplicationTask | null> {
    const row = await this.#db.db.selectFrom('replication_tasks').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toTask(row)
  }

  async list (query: TaskQuery): Promise<Page<ReplicationTask>> {
    checkPage(query)
    const filtered = this.#db.db.selectFrom('replication_tasks')
      .$if(query.state !== undefined, q => q.where('state', '=', query.state ?? ''))
      .$if(query.nodeId !== undefined, q => q.where('node_id', '=', query.nodeId ?? ''))
      .$if(query.packageId !== undefined, q => q.where('package_id', '=', query.packageId ?? ''))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('id').limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toTask), total: Number(count?.n ?? 0) }
  }

  /** The content files a version added (OCFL: under its own vN/ directory), by content path. */
  async versionContents (packageId: string, version: number): Promise<VersionContent[]> {
    const rows = await this.#db.db.selectFrom('contents').select(['content_path', 'size', 'sha512'])
      .where('package_id', '=', packageId).where(sql<boolean>`substr(content_path, 1, ${`v${version}/`.length}) = ${`v${version}/`}`)
      .orderBy('content_path').execute()
    return rows.map(r => ({ contentPath: r.content_path, size: Number(r.size), sha512: r.sha512 }))
  }

  /** The files of a package a node holds, verified or found bad, by content path. */
  async files (packageId: string, nodeId: string): Promise<ReplicaFile[]> {
    return (await this.#db.db.selectFrom('replica_files').selectAll().where('package_id', '=', packageId).where('node_id', '=', nodeId).orderBy('content_path').execute()).map(toFile)
  }

  /** Every node's record of one content file. */
  async copiesOf (packageId: string, contentPath: string): Promise<ReplicaFile[]> {
    return (await this.#db.db.selectFrom('replica_files').selectAll().where('package_id', '=', packageId).where('content_path', '=', contentPath).orderBy('node_id').execute()).map(toFile)
  }

  /** A file read back from the node and matched: verified, next checked at `nextCheckAt`. */
  async recordVerified (f: { packageId: string, contentPath: string, nodeId: string, size: number, nextCheckAt: string }): Promise<void> {
    const now = this.#clock().toISOString()
    const values = { state: 'verified', size: f.size, verified_at: now, last_checked_at: now, last_outcome: 'ok', next_check_at: f.nextCheckAt, detail: null }
    await this.#db.db.insertInto('replica_files').values({ package_id: f.packageId, content_path: f.contentPath, node_id: f.nodeId, ...values })
      .onConflict(oc => oc.columns(['package_id', 'content_path', 'node_id']).doUpdateSet(values)).execute()
  }

  /** Copies due for a check by `now` (on one node, if given), most overdue first, after `after`. */
  async dueCopies (now: Date | string, limit: number, nodeId?: string, after?: Pick<ReplicaFile, 'packageId' | 'contentPath' | 'nodeId'>): Promise<DueCopy[]> {
    const at = typeof now === 'string' ? now : now.toISOString()
    const rows = await this.#db.db.selectFrom('replica_files as f')
      .innerJoin('contents as c', join => join.onRef('c.package_id', '=', 'f.package_id').onRef('c.content_path', '=', 'f.content_path'))
      .selectAll('f').select('c.sha512')
      .where('f.next_check_at', '<=', at)
      .$if(nodeId !== undefined, q => q.where('f.node_id', '=', nodeId ?? ''))
      .$if(after !== undefined, q => q.where(eb => eb.or([
        eb('f.node_id', '>', after?.nodeId ?? ''),
        eb.and([eb('f.node_id', '=', after?.nodeId ?? ''), eb('f.package_id', '>', after?.packageId ?? '')]),
        eb.and([eb('f.node_id', '=', after?.nodeId ?? ''), eb('f.package_id', '=', after?.packageId ?? ''), eb('f.content_path', '>', after?.contentPath ?? '')])
      ])))
      .orderBy('f.node_id').orderBy('f.package_id').orderBy('f.content_path').limit(limit).execute()
    return rows.map(r => ({ ...toFile(r), sha512: r.sha512 }))
  }

  /**
   * A check's outcome for one copy. Damage (mismatch or missing) marks the file and its version's
   * replica row, each change an event of the package; an ok or drift check only reschedules.
   */
  async recordCheck (f: { packageId: string, contentPath: string, nodeId: string, outcome: CopyOutcome, nextCheckAt: string, detail?: Record<string, unknown>, round?: string }): Promise<void> {
    const now = this.#clock().toISOString()
    const damage = f.outcome === 'mismatch' || f.outcome === 'missing'
    await this.#db.db.transaction().execute(async tx => {
      const before = await tx.selectFrom('replica_files').select('state').where('package_id', '=', f.packageId).where('content_path', '=', f.contentPath).where('node_id', '=', f.nodeId).executeTakeFirst()
      if (before === undefined) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `no copy of ${f.packageId} ${f.contentPath} on ${f.nodeId}`, { ...f })
      const state: ReplicaFileState = damage ? (f.outcome === 'missing' ? 'missing' : 'damaged') : before.state === 'verified' ? 'verified' : before.state as ReplicaFileState
      await tx.updateTable('replica_files').set({ state, last_checked_at: now, last_outcome: f.outcome, next_check_at: f.nextCheckAt, detail: toJson(f.detail ?? null) })
        .where('package_id', '=', f.packageId).where('content_path', '=', f.contentPath).where('node_id', '=', f.nodeId).execute()
      if (f.outcome === 'drift') {
        await this.#events.append({ at: now, type: 'replica.drift', outcome: 'warning', agent: 'system', objectType: 'package', objectId: f.packageId, detail: { ...f.detail, node: f.nodeId, contentPath: f.contentPath, round: f.round } }, tx)
      }
      if (!damage || before.state === state) return
      await this.#events.append({ at: now, type: `replica.file.${state}`, outcome: 'failure', agent: 'system', objectType: 'package', objectId: f.packageId, detail: { ...f.detail, node: f.nodeId, contentPath: f.contentPath, round: f.round } }, tx)
      const version = versionOf(f.contentPath)
      if (version === null) return
      const rep = await tx.updateTable('replicas').set({ state, detail: `${f.contentPath}: ${f.outcome}`, updated_at: now })
        .where('package_id', '=', f.packageId).where('version', '=', version).where('node_id', '=', f.nodeId).where('state', '=', 'verified').returning('bytes').executeTakeFirst()
      if (rep !== undefined) {
        await this.#events.append({ at: now, type: `replica.${state}`, outcome: 'failure', agent: 'system', objectType: 'package', objectId: f.packageId, detail: { version, node: f.nodeId, from: 'verified', bytes: rep.bytes, detail: `${f.contentPath}: ${f.outcome}` } }, tx)
      }
    })
  }

  /** Copies found damaged or missing (on one node, if given). */
  async badCopies (nodeId?: string): Promise<DueCopy[]> {
    const rows = await this.#db.db.selectFrom('replica_files as f')
      .innerJoin('contents as c', join => join.onRef('c.package_id', '=', 'f.package_id').onRef('c.content_path', '=', 'f.content_path'))
      .selectAll('f').select('c.sha512').where('f.state', 'in', ['damaged', 'missing'])
      .$if(nodeId !== undefined, q => q.where('f.node_id', '=', nodeId ?? ''))
      .orderBy('f.node_id').orderBy('f.package_id').orderBy('f.content_path').execute()
    return rows.map(r => ({ ...toFile(r), sha512: r.sha512 }))
  }

  async #finish (id: string, owner: string, set: { state: TaskState, last_error: string | null, next_attempt_at?: string }, tx: Executor = this.#db.db): Promise<ReplicationTask> {
    const row = await tx.updateTable('replication_tasks')
      .set({ ...set, lease_owner: null, lease_until: null, updated_at: this.#clock().toISOString() })
      .where('id', '=', id).where('state', '=', 'running').where('lease_owner', '=', owner).returningAll().executeTakeFirst()
    if (row === undefined) throw new LantaiError('STATE_CONFLICT', `replication task ${id} is not running under ${owner}`, { id, owner })
    return toTask(row)
  }
}

/** The version whose directory holds a content path (OCFL: vN/content/…), null for anything else. */
export function versionOf (contentPath: string): number | null {
  const m = /^v(\d+)\//.exec(contentPath)
  return m === null ? null : Number(m[1])
}
