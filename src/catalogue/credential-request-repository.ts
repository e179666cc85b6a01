import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { CredentialRequestsTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { fromJson, type Clock } from './sql.js'

// Requests to create, change or revoke a security officer's or an auditor's credential (issue 15 item 3):
// they take effect only once a security officer other than the requester approves them (src/people/
// approvals.ts decides who may). A requested password is held as its hash until the request is decided,
// then dropped. Each step is a credential.* event ('system' object, id 'crq_…').

export type CredentialAction = 'create' | 'change' | 'revoke'
export type CredentialSubject = 'account' | 'token'
export type CredentialRole = 'security-officer' | 'auditor'
export type CredentialRequestState = 'pending' | 'approved' | 'rejected'

export interface CredentialRequest {
  /** 'crq_' + ULID */
  id: string
  action: CredentialAction
  subject: CredentialSubject
  role: CredentialRole
  /** the account or token changed or revoked; null for a create */
  targetId: string | null
  /** what to make or change: login, displayName, label, clearance; never a password */
  detail: Record<string, unknown>
  /** a password was given with the request (its hash is held until the decision) */
  withPassword: boolean
  /** the account id or token id that asked */
  requestedBy: string
  requestedAt: string
  expiresAt: string
  state: CredentialRequestState
  decidedBy: string | null
  decidedAt: string | null
  reason: string | null
  /** the account or token made or changed */
  resultId: string | null
}

export interface NewCredentialRequest {
  action: CredentialAction
  subject: CredentialSubject
  role: CredentialRole
  targetId: string | null
  detail: Record<string, unknown>
  passwordHash: string | null
  requestedBy: string
  ttlMs: number
}

type Row = Selectable<CredentialRequestsTable>

const toRequest = (r: Row): CredentialRequest => ({
  id: r.id,
  action: r.action as CredentialAction,
  subject: r.subject as CredentialSubject,
  role: r.role as CredentialRole,
  targetId: r.target_id,
  detail: fromJson(r.detail) as Record<string, unknown>,
  withPassword: r.password_hash !== null,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  expiresAt: r.expires_at,
  state: r.state as CredentialRequestState,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  reason: r.reason,
  resultId: r.result_id
})

export class CredentialRequestRepository {
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

  async create (input: NewCredentialRequest): Promise<CredentialRequest> {
    return await this.#db.db.transaction().execute(async tx => {
      const at = this.#clock()
      const row: Row = {
        id: this.#newId('crq', at),
        action: input.action,
        subject: input.subject,
        role: input.role,
        target_id: input.targetId,
        detail: JSON.stringify(input.detail),
        password_hash: input.passwordHash,
        requested_by: input.requestedBy,
        requested_at: at.toISOString(),
        expires_at: new Date(at.getTime() + input.ttlMs).toISOString(),
        state: 'pending',
        decided_by: null,
        decided_at: null,
        reason: null,
        result_id: null
      }
      await tx.insertInto('credential_requests').values(row).execute()
      await this.#events.append({
        at: row.requested_at, type: 'credential.requested', outcome: 'info', agent: input.requestedBy, objectType: 'system', objectId: row.id,
        detail: { action: row.action, subject: row.subject, role: row.role, targetId: row.target_id, ...input.detail, withPassword: input.passwordHash !== null }
      }, tx)
      return toRequest(row)
    })
  }

  async get (id: string): Promise<CredentialRequest | null> {
    const row = await this.#db.db.selectFrom('credential_requests').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toRequest(row)
  }

  /** Newest first; only one state when given. */
  async list (state?: CredentialRequestState): Promise<CredentialRequest[]> {
    let q = this.#db.db.selectFrom('credential_requests').selectAll().orderBy('id', 'desc')
    if (state !== undefined) q = q.where('state', '=', state)
    return (await q.execute()).map(toRequest)
  }

  /**
   * Decides a pending, unexpired request, once: two officers deciding at once cannot both win. Returns the
   * request and, for an approval, the password hash it held (dropped from the row in the same step).
   * Throws CREDENTIAL_REQUEST_NOT_FOUND, or CREDENTIAL_REQUEST_DECIDED for one decided or expired.
   */
  async decide (id: string, decision: { state: 'approved' | 'rejected', by: string, reason: string | null }): Promise<{ request: CredentialRequest, passwordHash: string | null }> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.selectFrom('credential_requests').selectAll().where('id', '=', id).executeTakeFirst()
      if (row === undefined) throw new LantaiError('CREDENTIAL_REQUEST_NOT_FOUND', id, { id })
      const now = this.#clock().toISOString()
      if (row.state !== 'pending') throw new LantaiError('CREDENTIAL_REQUEST_DECIDED', `${id} is ${row.state}`, { id, state: row.state })
      if (row.expires_at <= now) throw new LantaiError('CREDENTIAL_REQUEST_DECIDED', `${id} expired at ${row.expires_at}`, { id, state: 'expired' })
      const r = await tx.updateTable('credential_requests').set({ state: decision.state, decided_by: decision.by, decided_at: now, reason: decision.reason, password_hash: null })
        .where('id', '=', id).where('state', '=', 'pending').executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw new LantaiError('CREDENTIAL_REQUEST_DECIDED', id, { id })
      await this.#events.append({ at: now, type: `credential.${decision.state}`, outcome: 'success', agent: decision.by, objectType: 'system', objectId: id, detail: { requestedBy: row.requested_by, reason: decision.reason } }, tx)
      return { request: toRequest({ ...row, state: decision.state, decided_by: decision.by, decided_at: now, reason: decision.reason, password_hash: null }), passwordHash: row.password_hash }
    })
  }

  /** What an approved request made or changed; its own event, since it follows the approval. */
  async recordResult (id: string, resultId: string, agent: string): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      await tx.updateTable('credential_requests').set({ result_id: resultId }).where('id', '=', id).execute()
      await this.#events.append({ type: 'credential.applied', outcome: 'success', agent, objectType: 'system', objectId: id, detail: { resultId } }, tx)
    })
  }
}
