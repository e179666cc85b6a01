import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { AccountsTable, Executor } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import type { Clock } from './sql.js'
import type { Clearance, Role } from './token-repository.js'

// People's accounts (issue 15 item 3). The password hash is made and checked in src/people/passwords.ts;
// this repository only stores it and never hands it out except to `credentialsOf`, the login's one read.
// Every change writes its account.* event in the same transaction. The events table knows no 'account'
// object type (its CHECK predates accounts): account events are 'system' events whose object id is the
// account id ('acc_…'), so they are found by type and id.

/** An account holds one role, so no account holds two of 三员分立's duties; 'system' is for tokens only. */
export type AccountRole = Exclude<Role, 'system'>
export const ACCOUNT_ROLES: readonly AccountRole[] = ['admin', 'archivist', 'security-officer', 'auditor', 'reader']
export type AccountState = 'active' | 'disabled'

export interface Account {
  /** 'acc_' + ULID */
  id: string
  login: string
  displayName: string
  role: AccountRole
  clearance: Clearance
  state: AccountState
  failedAttempts: number
  /** the account refuses logins until then; null when not locked */
  lockedUntil: string | null
  createdAt: string
  updatedAt: string
}

export interface NewAccount { login: string, displayName: string, role: AccountRole, clearance: Clearance, passwordHash: string }
export interface AccountPatch { displayName?: string, state?: AccountState, clearance?: Clearance }

/** How many failures within which window lock an account, and for how long. */
export interface LockoutRule { maxFailures: number, windowMs: number, lockMs: number }

/** Who made a change and, optionally, why (a credential request id). */
export interface AccountAudit { agent: string, detail?: Record<string, unknown> }

type AccountRow = Selectable<AccountsTable>

export const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  login: r.login,
  displayName: r.display_name,
  role: r.role as AccountRole,
  clearance: r.clearance as Clearance,
  state: r.state as AccountState,
  failedAttempts: Number(r.failed_attempts),
  lockedUntil: r.locked_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

export class AccountRepository {
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

  /** Throws ACCOUNT_EXISTS when the login is taken. */
  async create (input: NewAccount, audit: AccountAudit): Promise<Account> {
    return await this.#db.db.transaction().execute(async tx => {
      const taken = await tx.selectFrom('accounts').select('id').where('login', '=', input.login).executeTakeFirst()
      if (taken !== undefined) throw new LantaiError('ACCOUNT_EXISTS', input.login, { login: input.login })
      const at = this.#clock()
      const row: AccountRow = {
        id: this.#newId('acc', at),
        login: input.login,
        display_name: input.displayName,
        role: input.role,
        clearance: input.clearance,
        password_hash: input.passwordHash,
        failed_attempts: 0,
        last_failed_at: null,
        locked_until: null,
        state: 'active',
        created_at: at.toISOString(),
        updated_at: at.toISOString()
      }
      await tx.insertInto('accounts').values(row).execute()
      await this.#event(tx, 'account.created', row.id, audit, { login: row.login, role: row.role, clearance: row.clearance }, row.created_at)
      return toAccount(row)
    })
  }

  async get (id: string): Promise<Account | null> {
    const row = await this.#db.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toAccount(row)
  }

  /** Throws ACCOUNT_NOT_FOUND. */
  async require (id: string): Promise<Account> {
    const account = await this.get(id)
    if (account === null) throw new LantaiError('ACCOUNT_NOT_FOUND', id, { id })
    return account
  }

  /** The account and its stored hash, for the login only; null for an unknown login. */
  async credentialsOf (login: string): Promise<{ account: Account, passwordHash: string } | null> {
    const row = await this.#db.db.selectFrom('accounts').selectAll().where('login', '=', login).executeTakeFirst()
    return row === undefined ? null : { account: toAccount(row), passwordHash: row.password_hash }
  }

  /** The stored hash of an account, to check a current password before it is changed. */
  async passwordHashOf (id: string): Promise<string | null> {
    return (await this.#db.db.selectFrom('accounts').select('password_hash').where('id', '=', id).executeTakeFirst())?.password_hash ?? null
  }

  /** Oldest first. */
  async list (): Promise<Account[]> {
    return (await this.#db.db.selectFrom('accounts').selectAll().orderBy('id').execute()).map(toAccount)
  }

  /** Active accounts of a role (the CLI makes the first security officer and auditor only when there is none). */
  async countActive (role: AccountRole): Promise<number> {
    const r = await this.#db.db.selectFrom('accounts').select(eb => eb.fn.countAll<number>().as('n')).where('role', '=', role).where('state', '=', 'active').executeTakeFirst()
    return Number(r?.n ?? 0)
  }

  /**
   * One event per kind of change. Disabling an account also revokes its sessions and tokens, in the same
   * transaction: a disabled person keeps no way in. Throws ACCOUNT_NOT_FOUND.
   */
  async update (id: string, patch: AccountPatch, audit: AccountAudit): Promise<Account> {
    return await this.#db.db.transaction().execute(async tx => {
      const before = await tx.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()
      if (before === undefined) throw new LantaiError('ACCOUNT_NOT_FOUND', id, { id })
      const now = this.#clock().toISOString()
      const set: Partial<AccountRow> = {}
      if (patch.displayName !== undefined && patch.displayName !== before.display_name) set.display_name = patch.displayName
      if (patch.clearance !== undefined && patch.clearance !== before.clearance) set.clearance = patch.clearance
      if (patch.state !== undefined && patch.state !== before.state) set.state = patch.state
      if (Object.keys(set).length === 0) return toAccount(before)
      await tx.updateTable('accounts').set({ ...set, updated_at: now }).where('id', '=', id).execute()
      if (set.display_name !== undefined) await this.#event(tx, 'account.renamed', id, audit, { from: before.display_name, to: set.display_name }, now)
      if (set.clearance !== undefined) await this.#event(tx, 'account.clearance-changed', id, audit, { from: before.clearance, to: set.clearance }, now)
      if (set.state === 'disabled') {
        await this.#event(tx, 'account.disabled', id, audit, {}, now)
        await this.#revokeAccess(tx, id, now, audit.agent, null)
      }
      if (set.state === 'active') await this.#event(tx, 'account.enabled', id, audit, {}, now)
      return toAccount({ ...before, ...set, updated_at: now })
    })
  }

  /** A new hash; failures are forgotten and every session but `keepSession` ends. Throws ACCOUNT_NOT_FOUND. */
  async setPassword (id: string, passwordHash: string, audit: AccountAudit, keepSession: string | null = null): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const r = await tx.updateTable('accounts').set({ password_hash: passwordHash, failed_attempts: 0, last_failed_at: null, locked_until: null, updated_at: now }).where('id', '=', id).executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw new LantaiError('ACCOUNT_NOT_FOUND', id, { id })
      await this.#event(tx, 'account.password-changed', id, audit, {}, now)
      await this.#revokeSessions(tx, id, now, audit.agent, keepSession)
    })
  }

  /** Lifts a lockout. Throws ACCOUNT_NOT_FOUND. */
  async unlock (id: string, audit: AccountAudit): Promise<Account> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const r = await tx.updateTable('accounts').set({ failed_attempts: 0, last_failed_at: null, locked_until: null, updated_at: now }).where('id', '=', id).executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw new LantaiError('ACCOUNT_NOT_FOUND', id, { id })
      await this.#event(tx, 'account.unlocked', id, audit, {}, now)
      const row = await tx.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      return toAccount(row)
    })
  }

  /** Locks an account now for `lockMs` (an operator's `lantai accounts lock`). Throws ACCOUNT_NOT_FOUND. */
  async lock (id: string, lockMs: number, audit: AccountAudit): Promise<Account> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock()
      const until = new Date(now.getTime() + lockMs).toISOString()
      const r = await tx.updateTable('accounts').set({ locked_until: until, updated_at: now.toISOString() }).where('id', '=', id).executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw new LantaiError('ACCOUNT_NOT_FOUND', id, { id })
      await this.#event(tx, 'account.locked', id, audit, { until, by: 'operator' }, now.toISOString())
      await this.#revokeSessions(tx, id, now.toISOString(), audit.agent, null)
      return toAccount(await tx.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow())
    })
  }

  /**
   * A wrong password: counts it (a count older than the window starts again) and, at the limit, locks
   * the account. Decided inside one transaction, so parallel guesses cannot each see the count below the
   * limit. Writes session.login-failed, and account.locked when this failure locks it.
   */
  async recordFailure (id: string, rule: LockoutRule, why: string): Promise<{ lockedUntil: string | null }> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.selectFrom('accounts').select(['failed_attempts', 'last_failed_at', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow()
      const now = this.#clock()
      const iso = now.toISOString()
      const windowStart = new Date(now.getTime() - rule.windowMs).toISOString()
      const failures = (row.last_failed_at !== null && row.last_failed_at >= windowStart ? Number(row.failed_attempts) : 0) + 1
      const locksNow = failures >= rule.maxFailures && (row.locked_until === null || row.locked_until <= iso)
      const lockedUntil = locksNow ? new Date(now.getTime() + rule.lockMs).toISOString() : row.locked_until
      await tx.updateTable('accounts').set({ failed_attempts: locksNow ? 0 : failures, last_failed_at: iso, locked_until: lockedUntil }).where('id', '=', id).execute()
      await this.#event(tx, 'session.login-failed', id, { agent: 'anonymous' }, { why, failures }, iso, 'failure')
      if (locksNow) await this.#event(tx, 'account.locked', id, { agent: 'system' }, { until: lockedUntil, failures }, iso, 'warning')
      return { lockedUntil: lockedUntil !== null && lockedUntil > iso ? lockedUntil : null }
    })
  }

  /** A good password forgets earlier failures (only when there were some: logins stay one write). */
  async recordSuccess (id: string): Promise<void> {
    await this.#db.db.updateTable('accounts').set({ failed_attempts: 0, last_failed_at: null }).where('id', '=', id).where('failed_attempts', '>', 0).execute()
  }

  async #revokeAccess (tx: Executor, id: string, now: string, agent: string, keepSession: string | null): Promise<void> {
    await this.#revokeSessions(tx, id, now, agent, keepSession)
    const tokens = await tx.selectFrom('tokens').select('id').where('account_id', '=', id).where('revoked_at', 'is', null).execute()
    for (const t of tokens) {
      await tx.updateTable('tokens').set({ revoked_at: now }).where('id', '=', t.id).execute()
      await this.#events.append({ at: now, type: 'token.revoked', outcome: 'success', agent, objectType: 'token', objectId: t.id, detail: { account: id } }, tx)
    }
  }

  async #revokeSessions (tx: Executor, id: string, now: string, agent: string, keepSession: string | null): Promise<void> {
    let q = tx.selectFrom('sessions').select('id').where('account_id', '=', id).where('revoked_at', 'is', null).where('expires_at', '>', now)
    if (keepSession !== null) q = q.where('id', '!=', keepSession)
    for (const s of await q.execute()) {
      await tx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', s.id).execute()
      await this.#events.append({ at: now, type: 'session.revoked', outcome: 'success', agent, objectType: 'system', objectId: s.id, detail: { account: id } }, tx)
    }
  }

  async #event (tx: Executor, type: string, id: string, audit: AccountAudit, detail: Record<string, unknown>, at: string, outcome: 'success' | 'failure' | 'warning' = 'success'): Promise<void> {
    await this.#events.append({ at, type, outcome, agent: audit.agent, objectType: 'system', objectId: id, detail: { ...detail, ...audit.detail } }, tx)
  }
}
