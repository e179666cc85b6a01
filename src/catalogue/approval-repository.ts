import { sql, type Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { AuditRepository, AuditRow, ChainHead } from './audit-repository.js'
import type { CatalogueDatabase } from './db/open.js'
import type { ApprovalRequestsTable, Executor, PackageTombstonesTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { fromJson, toJson, type Clock } from './sql.js'

// Two-person requests (issue 15 item 6): what one person asks and another, of the right role, decides
// (src/access/approvals.ts decides who may). Every step is one transaction holding the row change, its
// approval.* event ('system' object, id 'apr_…') and its audit row, each naming requester and approver.
// The table refuses an approver who is the requester (a CHECK), whatever the code above it does.
//
// Deletion of a package goes through here too: its tombstone, its event and the executed request are
// one commit (see deletePackage), and the package is hidden from the catalogue's reads from then on.

export const APPROVAL_KINDS = ['export-classified', 'delete-package', 'declassify', 'access-policy-change', 'aggregation-scope'] as const
export type ApprovalKind = typeof APPROVAL_KINDS[number]
export const APPROVAL_STATES = ['requested', 'approved', 'refused', 'expired', 'executed', 'cancelled'] as const
export type ApprovalState = typeof APPROVAL_STATES[number]

export interface ApprovalRequest {
  /** 'apr_' + ULID */
  id: string
  kind: ApprovalKind
  /** what the request is about: 'package', 'project', 'file', 'policy', 'person' … */
  objectType: string
  objectId: string
  /** what the kind needs: the scope of an aggregation request, the tier of a declassification … */
  parameters: Record<string, unknown>
  /** why the requester asks */
  reason: string
  state: ApprovalState
  requestedBy: string
  requesterRole: string
  requestedAt: string
  /** a request undecided by then, or an approval unused by then, is expired */
  expiresAt: string
  decidedBy: string | null
  approverRole: string | null
  decidedAt: string | null
  decisionReason: string | null
  executedAt: string | null
  /** what the execution did, or why it failed */
  result: Record<string, unknown> | null
  updatedAt: string
}

export interface NewApprovalRequest {
  kind: ApprovalKind
  objectType: string
  objectId: string
  parameters: Record<string, unknown>
  reason: string
  requestedBy: string
  requesterRole: string
  expiresAt: string
}

export interface ApprovalQuery { state?: ApprovalState, kind?: ApprovalKind, requestedBy?: string, objectId?: string, limit?: number }

/** An audit row as a function of the chain head (AuditTrail.rowMaker), so it commits with the change. */
export type AuditMaker = (head: ChainHead | null) => AuditRow

/** What the audit row of a step says; the engine turns it into an AuditMaker. */
export interface ApprovalAuditNote {
  actor: { id: string, role: string | null } | null
  action: string
  objectType: string
  objectId: string
  outcome: 'success' | 'failure'
  detail: Record<string, unknown>
}
export type AuditNoter = (note: ApprovalAuditNote) => AuditMaker

/** Work on a package that a deletion would pull the floor from under. */
export interface PendingWork { jobs: string[], submissions: string[], replicas: string[], requests: string[] }

export interface Tombstone {
  packageId: string
  projectCode: string
  ocflId: string
  requestId: string
  requestedBy: string
  approvedBy: string
  deletedAt: string
  storeRemoved: boolean
  removedAt: string | null
}

type Row = Selectable<ApprovalRequestsTable>

const toRequest = (r: Row): ApprovalRequest => ({
  id: r.id,
  kind: r.kind as ApprovalKind,
  objectType: r.object_type,
  objectId: r.object_id,
  parameters: fromJson(r.parameters) as Record<string, unknown>,
  reason: r.reason,
  state: r.state as ApprovalState,
  requestedBy: r.requested_by,
  requesterRole: r.requester_role,
  requestedAt: r.requested_at,
  expiresAt: r.expires_at,
  decidedBy: r.decided_by,
  approverRole: r.approver_role,
  decidedAt: r.decided_at,
  decisionReason: r.decision_reason,
  executedAt: r.executed_at,
  result: fromJson(r.result) as Record<string, unknown> | null,
  updatedAt: r.updated_at
})

/** Both names and the kind, in every event and audit row of a request. */
const names = (r: Row): Record<string, unknown> => ({ kind: r.kind, objectType: r.object_type, objectId: r.object_id, requestedBy: r.requested_by, approvedBy: r.decided_by })

/** A submission not yet stored, rejected or failed is still being received, checked, decided or transferred. */
const OPEN_SUBMISSION = ['receiving', 'received', 'checking', 'checked', 'transferring', 'awaiting_decision']

export class ApprovalRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #audit: AuditRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, audit: AuditRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#audit = audit
    this.#clock = clock
    this.#newId = newId
  }

  async create (input: NewApprovalRequest, note: AuditNoter): Promise<ApprovalRequest> {
    return await this.#db.db.transaction().execute(async tx => {
      const at = this.#clock()
      const now = at.toISOString()
      const row: Row = {
        id: this.#newId('apr', at),
        kind: input.kind,
        object_type: input.objectType,
        object_id: input.objectId,
        parameters: JSON.stringify(input.parameters),
        reason: input.reason,
        state: 'requested',
        requested_by: input.requestedBy,
        requester_role: input.requesterRole,
        requested_at: now,
        expires_at: input.expiresAt,
        decided_by: null,
        approver_role: null,
        decided_at: null,
        decision_reason: null,
        executed_at: null,
        result: null,
        updated_at: now
      }
      await tx.insertInto('approval_requests').values(row).execute()
      await this.#step(tx, row, 'approval.requested', input.requestedBy, input.requesterRole, 'success', { parameters: input.parameters, reason: input.reason, expiresAt: input.expiresAt }, note, now)
      return toRequest(row)
    })
  }

  async get (id: string): Promise<ApprovalRequest | null> {
    const row = await this.#db.db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toRequest(row)
  }

  /** Newest first. */
  async list (query: ApprovalQuery = {}): Promise<ApprovalRequest[]> {
    const rows = await this.#db.db.selectFrom('approval_requests').selectAll()
      .$if(query.state !== undefined, q => q.where('state', '=', query.state ?? ''))
      .$if(query.kind !== undefined, q => q.where('kind', '=', query.kind ?? ''))
      .$if(query.requestedBy !== undefined, q => q.where('requested_by', '=', query.requestedBy ?? ''))
      .$if(query.objectId !== undefined, q => q.where('object_id', '=', query.objectId ?? ''))
      .orderBy('id', 'desc').limit(query.limit ?? 500).execute()
    return rows.map(toRequest)
  }

  /**
   * Approves or refuses a request that is still requested and unexpired, once: two approvers at once
   * cannot both win. `grantUntil` is when an approval lapses unused (or an approved scope ends).
   * Throws APPROVAL_NOT_FOUND, or APPROVAL_CLOSED for one decided, expired or cancelled.
   */
  async decide (id: string, decision: { state: 'approved' | 'refused', by: string, role: string, reason: string | null, grantUntil?: string }, note: AuditNoter): Promise<ApprovalRequest> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await this.#open(tx, id, ['requested'])
      const now = this.#clock().toISOString()
      const expires = decision.state === 'approved' && decision.grantUntil !== undefined ? decision.grantUntil : row.expires_at
      const patch = { state: decision.state, decided_by: decision.by, approver_role: decision.role, decided_at: now, decision_reason: decision.reason, expires_at: expires, updated_at: now }
      const r = await tx.updateTable('approval_requests').set(patch).where('id', '=', id).where('state', '=', 'requested').executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw new LantaiError('APPROVAL_CLOSED', `${id} was decided meanwhile`, { id })
      const next = { ...row, ...patch }
      await this.#step(tx, next, `approval.${decision.state}`, decision.by, decision.role, 'success', { reason: decision.reason, expiresAt: expires }, note, now)
      return toRequest(next)
    })
  }

  /** The requester withdraws a request not yet executed. Throws APPROVAL_NOT_FOUND or APPROVAL_CLOSED. */
  async cancel (id: string, by: string, role: string, note: AuditNoter): Promise<ApprovalRequest> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await this.#open(tx, id, ['requested', 'approved'])
      const now = this.#clock().toISOString()
      await tx.updateTable('approval_requests').set({ state: 'cancelled', updated_at: now }).where('id', '=', id).where('state', '=', row.state).execute()
      const next = { ...row, state: 'cancelled', updated_at: now }
      await this.#step(tx, next, 'approval.cancelled', by, role, 'success', { from: row.state }, note, now)
      return toRequest(next)
    })
  }

  /** A decision refused (the requester approving, a wrong role): an event and an audit row, nothing else changes. */
  async noteRefusedDecision (request: ApprovalRequest, by: string, role: string, code: string, note: AuditNoter): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      const row = await tx.selectFrom('approval_requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow()
      await this.#step(tx, row, 'approval.decision-refused', by, role, 'failure', { code, attemptedBy: by }, note, this.#clock().toISOString())
    })
  }

  /**
   * Marks an approved request executed with what it did; `work` runs in the same transaction first
   * (a catalogue change that must commit with it). Throws APPROVAL_CLOSED unless it is approved and unexpired.
   */
  async markExecuted (id: string, by: string, role: string | null, result: Record<string, unknown>, note: AuditNoter, work?: (tx: Executor, request: ApprovalRequest) => Promise<void>): Promise<ApprovalRequest> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await this.#open(tx, id, ['approved'])
      await work?.(tx, toRequest(row))
      const now = this.#clock().toISOString()
      const patch = { state: 'executed', executed_at: now, result: toJson(result), updated_at: now }
      await tx.updateTable('approval_requests').set(patch).where('id', '=', id).where('state', '=', 'approved').execute()
      const next = { ...row, ...patch }
      await this.#step(tx, next, 'approval.executed', by, role, 'success', { result }, note, now)
      return toRequest(next)
    })
  }

  /** An execution that failed: the request stays approved (it may be tried again until it expires); the failure is recorded. */
  async noteExecutionFailed (id: string, by: string, role: string | null, error: Record<string, unknown>, note: AuditNoter): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      await tx.updateTable('approval_requests').set({ result: toJson({ error }), updated_at: now }).where('id', '=', id).execute()
      const row = await tx.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      await this.#step(tx, row, 'approval.execution-failed', by, role, 'failure', { error }, note, now)
    })
  }

  /**
   * Expires every request undecided by its expiry and every approval unused by its end, each with an
   * event and an audit row; returns them. Called lazily before reads and by the periodic sweep.
   */
  async expireDue (note: AuditNoter): Promise<ApprovalRequest[]> {
    const now = this.#clock().toISOString()
    const due = await this.#db.db.selectFrom('approval_requests').select('id')
      .where('state', 'in', ['requested', 'approved']).where('expires_at', '<=', now).execute()
    const out: ApprovalRequest[] = []
    for (const { id } of due) {
      const expired = await this.#db.db.transaction().execute(async tx => {
        const row = await tx.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst()
        if (row === undefined || (row.state !== 'requested' && row.state !== 'approved') || row.expires_at > now) return null
        await tx.updateTable('approval_requests').set({ state: 'expired', updated_at: now }).where('id', '=', id).where('state', '=', row.state).execute()
        const next = { ...row, state: 'expired', updated_at: now }
        await this.#step(tx, next, 'approval.expired', 'system', null, 'success', { from: row.state, expiresAt: row.expires_at }, note, now)
        return toRequest(next)
      })
      if (expired !== null) out.push(expired)
    }
    return out
  }

  /** Approved aggregation-scope requests of `person` in force at `at` (the guard reads them in its transaction). */
  async scopesInForce (person: string, at: string, tx: Executor = this.#db.db): Promise<ApprovalRequest[]> {
    const rows = await tx.selectFrom('approval_requests').selectAll()
      .where('requested_by', '=', person).where('kind', '=', 'aggregation-scope').where('state', '=', 'approved').where('expires_at', '>', at)
      .orderBy('id').execute()
    return rows.map(toRequest).filter(r => typeof r.parameters.from !== 'string' || r.parameters.from <= at)
  }

  /** What still works on a package: queued or running jobs, open submissions, copies under way, other open requests. */
  async pendingWork (packageId: string, except?: string, tx: Executor = this.#db.db): Promise<PendingWork> {
    const pkg = await tx.selectFrom('packages').select(['project_code']).where('id', '=', packageId).executeTakeFirst()
    if (pkg === undefined) return { jobs: [], submissions: [], replicas: [], requests: [] }
    const submissions = await tx.selectFrom('submissions').select('id').where('project_code', '=', pkg.project_code).where('state', 'in', OPEN_SUBMISSION).execute()
    const subjects = [packageId, ...submissions.map(s => s.id)]
    const jobs = await tx.selectFrom('jobs').select('id').where('state', 'in', ['queued', 'running']).where('subject_id', 'in', subjects).execute()
    const replicas = await tx.selectFrom('replicas').select(['node_id', 'version']).where('package_id', '=', packageId).where('state', 'in', ['planned', 'copying']).execute()
    // a copy task queued or under way (the replication queue, 0017) is pending work too, even before its replica row moves
    const tasks = await tx.selectFrom('replication_tasks').select(['node_id', 'version']).where('package_id', '=', packageId).where('state', 'in', ['queued', 'running']).execute()
    const copies = [...new Set([...replicas, ...tasks].map(r => `${r.node_id}@v${r.version}`))]
    const requests = await tx.selectFrom('approval_requests').select('id').where('object_id', '=', packageId).where('state', 'in', ['requested', 'approved'])
      .$if(except !== undefined, q => q.where('id', '<>', except ?? '')).execute()
    return { jobs: jobs.map(j => j.id), submissions: submissions.map(s => s.id), replicas: copies, requests: requests.map(r => r.id) }
  }

  /**
   * Marks an approved delete-package request executed: the tombstone, the `package.deleted` event and the
   * request's `approval.executed` commit together, after checking again, in the same transaction, that
   * no work is pending (PACKAGE_DELETION_BLOCKED). Its contents leave the fixity schedule. The store is
   * the caller's to empty afterwards (storeRemoved). Throws APPROVAL_CLOSED, PACKAGE_NOT_FOUND.
   */
  async deletePackage (requestId: string, by: string, role: string | null, note: AuditNoter): Promise<{ request: ApprovalRequest, tombstone: Tombstone }> {
    let tombstone: Tombstone | undefined
    const request = await this.markExecuted(requestId, by, role, { deleted: true }, note, async (tx, req) => {
      if (this.#db.engine === 'postgres') await sql`SELECT id FROM packages WHERE id = ${req.objectId} FOR UPDATE`.execute(tx)
      const pkg = await tx.selectFrom('packages').selectAll().where('id', '=', req.objectId).executeTakeFirst()
      const gone = await tx.selectFrom('package_tombstones').select('package_id').where('package_id', '=', req.objectId).executeTakeFirst()
      if (pkg === undefined || gone !== undefined) throw new LantaiError('PACKAGE_NOT_FOUND', req.objectId, { id: req.objectId })
      const pending = await this.pendingWork(req.objectId, req.id, tx)
      if (Object.values(pending).some(list => list.length > 0)) throw blocked(req.objectId, pending)
      const now = this.#clock().toISOString()
      tombstone = { packageId: pkg.id, projectCode: pkg.project_code, ocflId: pkg.ocfl_id, requestId: req.id, requestedBy: req.requestedBy, approvedBy: req.decidedBy ?? '', deletedAt: now, storeRemoved: false, removedAt: null }
      await tx.insertInto('package_tombstones').values({
        package_id: pkg.id, project_code: pkg.project_code, ocfl_id: pkg.ocfl_id, request_id: req.id, requested_by: req.requestedBy, approved_by: req.decidedBy ?? '', deleted_at: now, store_removed: 0, removed_at: null
      }).execute()
      // Far beyond any schedule: the fixity rounds never ask for bytes that are meant to be gone.
      await tx.updateTable('contents').set({ next_check_at: '9999-12-31T00:00:00.000Z' }).where('package_id', '=', pkg.id).execute()
      await this.#events.append({
        at: now, type: 'package.deleted', outcome: 'success', agent: by, objectType: 'package', objectId: pkg.id,
        detail: { request: req.id, projectCode: pkg.project_code, ocflId: pkg.ocfl_id, headVersion: pkg.head_version, fileCount: pkg.file_count, requestedBy: req.requestedBy, approvedBy: req.decidedBy, reason: req.reason }
      }, tx)
    })
    if (tombstone === undefined) throw new LantaiError('PACKAGE_NOT_FOUND', request.objectId)
    return { request, tombstone }
  }

  /**
   * Marks an approved access-policy-change executed with `result` (the section, the change, the values
   * before and after): its `access-policy.changed` event and an audit row, each naming requester and
   * approver, commit with it. Throws APPROVAL_CLOSED unless it is approved and unexpired.
   */
  async changePolicy (requestId: string, by: string, role: string | null, result: Record<string, unknown>, note: AuditNoter): Promise<ApprovalRequest> {
    return await this.markExecuted(requestId, by, role, result, note, async (tx, req) => {
      const at = this.#clock().toISOString()
      const detail = { request: req.id, requestedBy: req.requestedBy, approvedBy: req.decidedBy, reason: req.reason, ...result }
      await this.#events.append({ at, type: 'access-policy.changed', outcome: 'success', agent: by, objectType: 'system', objectId: 'access-policy', detail }, tx)
      await this.#audit.append(note({ actor: { id: by, role }, action: 'access-policy.changed', objectType: 'policy', objectId: req.objectId, outcome: 'success', detail }), tx)
    })
  }

  /** Every executed request of `kind`, oldest first (the access-policy changes in force, in the order made). */
  async executed (kind: ApprovalKind): Promise<ApprovalRequest[]> {
    return (await this.#db.db.selectFrom('approval_requests').selectAll().where('kind', '=', kind).where('state', '=', 'executed')
      .orderBy('executed_at').orderBy('id').execute()).map(toRequest)
  }

  async tombstone (packageId: string): Promise<Tombstone | null> {
    const r = await this.#db.db.selectFrom('package_tombstones').selectAll().where('package_id', '=', packageId).executeTakeFirst()
    return r === undefined ? null : toTombstone(r)
  }

  /** Tombstones whose OCFL object is not yet known removed (a removal cut short): the sweep finishes them. */
  async unremoved (): Promise<Tombstone[]> {
    return (await this.#db.db.selectFrom('package_tombstones').selectAll().where('store_removed', '=', 0).orderBy('deleted_at').execute()).map(toTombstone)
  }

  async markStoreRemoved (packageId: string, agent: string): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const r = await tx.updateTable('package_tombstones').set({ store_removed: 1, removed_at: now }).where('package_id', '=', packageId).where('store_removed', '=', 0).executeTakeFirst()
      if (Number(r.numUpdatedRows) > 0) await this.#events.append({ at: now, type: 'package.store-removed', outcome: 'success', agent, objectType: 'package', objectId: packageId, detail: null }, tx)
    })
  }

  async #open (tx: Executor, id: string, states: readonly ApprovalState[]): Promise<Row> {
    const row = await tx.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst()
    if (row === undefined) throw new LantaiError('APPROVAL_NOT_FOUND', id, { id })
    if (!(states as readonly string[]).includes(row.state)) throw new LantaiError('APPROVAL_CLOSED', `${id} is ${row.state}`, { id, state: row.state })
    if (row.expires_at <= this.#clock().toISOString()) throw new LantaiError('APPROVAL_CLOSED', `${id} expired at ${row.expires_at}`, { id, state: 'expired' })
    return row
  }

  async #step (tx: Executor, row: Row, type: string, agent: string, role: string | null, outcome: 'success' | 'failure', extra: Record<string, unknown>, note: AuditNoter, at: string): Promise<void> {
    const detail = { ...names(row), ...extra }
    await this.#events.append({ at, type, outcome: outcome === 'failure' ? 'failure' : type === 'approval.requested' ? 'info' : 'success', agent, objectType: 'system', objectId: row.id, detail }, tx)
    await this.#audit.append(note({ actor: agent === 'system' ? null : { id: agent, role }, action: type, objectType: 'approval', objectId: row.id, outcome, detail }), tx)
  }
}

const toTombstone = (r: Selectable<PackageTombstonesTable>): Tombstone => ({
  packageId: r.package_id,
  projectCode: r.project_code,
  ocflId: r.ocfl_id,
  requestId: r.request_id,
  requestedBy: r.requested_by,
  approvedBy: r.approved_by,
  deletedAt: r.deleted_at,
  storeRemoved: r.store_removed === 1,
  removedAt: r.removed_at
})

/** PACKAGE_DELETION_BLOCKED naming every piece of pending work. */
export function blocked (packageId: string, pending: PendingWork): LantaiError {
  const parts = Object.entries(pending).filter(([, v]) => (v as string[]).length > 0).map(([k, v]) => `${k}: ${(v as string[]).join(', ')}`)
  return new LantaiError('PACKAGE_DELETION_BLOCKED', `${packageId} has pending work (${parts.join('; ')})`, { packageId, pending })
}
