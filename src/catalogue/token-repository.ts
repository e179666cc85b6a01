import { sql, type Selectable, type Transaction } from 'kysely'
import { createHash, randomBytes } from 'node:crypto'
import { LantaiError } from '../errors.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Schema, TokensTable } from './db/schema.js'
import type { Clock } from './sql.js'
import { CLASSIFICATIONS, type Classification } from './project-repository.js'

// Bearer tokens. The secret is shown once, at creation, and never stored: the row keeps its SHA-256,
// and authentication looks the hash up. 32 random bytes make a brute-force or a precomputed table
// hopeless, so an unsalted fast hash is enough here (unlike passwords).

// 'system' is for tokens only: the approval, drawing-management and law-enforcement systems (issue 14 item 11).
export type Role = 'admin' | 'archivist' | 'security-officer' | 'auditor' | 'reader' | 'system'

export const ROLES: readonly Role[] = ['admin', 'archivist', 'security-officer', 'auditor', 'reader', 'system']

/** 密级 a token or an account may read, low to high (BRIEF §5); the same tiers as a project's classification. */
export type Clearance = Classification
export const CLEARANCES: readonly Clearance[] = CLASSIFICATIONS

export interface Token {
  /** 'tok_' + ULID; safe to log, unlike the secret */
  id: string
  role: Role
  /** 密级 the holder may read (BRIEF.md §5) */
  clearance: Clearance
  /** the account the token acts for; null for a system's or an operator's token */
  accountId: string | null
  label: string
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface NewToken {
  role: Role
  label: string
  /** '非密' when absent */
  clearance?: Clearance
  accountId?: string | null
}

export const TOKEN_PREFIX = 'lantai_'
/** `lantai_` + base64url of 32 bytes (43 characters, no padding). */
const SECRET_FORM = /^lantai_[A-Za-z0-9_-]{43}$/
/** lastUsedAt is a hint for admins, not an audit record (that is the access log): write it at most once a minute. */
const LAST_USED_RESOLUTION_MS = 60_000

type TokenRow = Selectable<TokensTable>

export const toToken = (r: TokenRow): Token => ({
  id: r.id,
  role: r.role as Role,
  clearance: r.clearance as Clearance,
  accountId: r.account_id,
  label: r.label,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at
})

const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex')

/** Who made a token, for its `token.created` event; the detail defaults to its role and label. */
export interface TokenAudit { agent: string, detail?: Record<string, unknown> }

export class TokenRepository {
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

  /**
   * The secret is returned here once and can never be recovered. The `token.created` event (agent and
   * detail from `audit`, never the secret) is written in the same transaction.
   */
  async create (input: NewToken, audit: TokenAudit = { agent: 'system' }): Promise<{ token: Token, secret: string }> {
    return await this.#db.db.transaction().execute(async tx => await this.#insert(tx, input, audit))
  }

  /**
   * The first start's admin token: made only when the catalogue has no token at all, decided inside the
   * transaction that makes it, so two processes starting at once on one PostgreSQL catalogue make one.
   * Null when a token exists.
   */
  async createFirst (input: NewToken, audit: TokenAudit): Promise<{ token: Token, secret: string } | null> {
    return await this.#db.db.transaction().execute(async tx => {
      // SQLite's IMMEDIATE transaction already excludes other writers; PostgreSQL needs the table held
      // against concurrent inserts between the count and the insert (reads still go on).
      if (this.#db.engine === 'postgres') await sql`LOCK TABLE tokens IN SHARE ROW EXCLUSIVE MODE`.execute(tx)
      const n = (await tx.selectFrom('tokens').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0
      return Number(n) > 0 ? null : await this.#insert(tx, input, audit)
    })
  }

  /** The token and its token.created event go in together, as a revocation and its event do. */
  async #insert (tx: Transaction<Schema>, input: NewToken, audit: TokenAudit): Promise<{ token: Token, secret: string }> {
    if (!ROLES.includes(input.role)) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `unknown role ${String(input.role)}`, { role: input.role })
    const clearance = input.clearance ?? '非密'
    if (!CLEARANCES.includes(clearance)) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `unknown clearance ${String(clearance)}`, { clearance })
    const at = this.#clock()
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url')
    const row: TokenRow = {
      id: this.#newId('tok', at),
      secret_sha256: hashSecret(secret),
      role: input.role,
      clearance,
      account_id: input.accountId ?? null,
      label: input.label,
      created_at: at.toISOString(),
      last_used_at: null,
      revoked_at: null
    }
    await tx.insertInto('tokens').values(row).execute()
    await this.#events.append({ at: row.created_at, type: 'token.created', outcome: 'success', agent: audit.agent, objectType: 'token', objectId: row.id, detail: audit.detail ?? { role: row.role, label: row.label, clearance: row.clearance, accountId: row.account_id } }, tx)
    return { token: toToken(row), secret }
  }

  /** The token this secret belongs to; null when it is malformed, unknown or revoked. */
  async authenticate (secret: string): Promise<Token | null> {
    if (!SECRET_FORM.test(secret)) return null
    const row = await this.#db.db.selectFrom('tokens').selectAll().where('secret_sha256', '=', hashSecret(secret)).executeTakeFirst()
    if (row === undefined || row.revoked_at !== null) return null
    const now = this.#clock()
    const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString()
    // reads stay reads on the hot path: the write happens only when the stored time is a minute old
    if (row.last_used_at === null || row.last_used_at < cutoff) {
      await this.#db.db.updateTable('tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id)
        .where(eb => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', cutoff)])).execute()
      return toToken({ ...row, last_used_at: now.toISOString() })
    }
    return toToken(row)
  }

  async get (id: string): Promise<Token | null> {
    const row = await this.#db.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toToken(row)
  }

  /** Every token, revoked ones included, oldest first. */
  async list (): Promise<Token[]> {
    return (await this.#db.db.selectFrom('tokens').selectAll().orderBy('id').execute()).map(toToken)
  }

  /** Idempotent: revoking a revoked token keeps the first revokedAt and appends no second event. Throws TOKEN_NOT_FOUND. */
  async revoke (id: string, agent = 'system'): Promise<Token> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const r = await tx.updateTable('tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
      if (Number(r.numUpdatedRows) > 0) {
        await this.#events.append({ at: now, type: 'token.revoked', outcome: 'success', agent, objectType: 'token', objectId: id, detail: null }, tx)
      }
      const row = await tx.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst()
      if (row === undefined) throw new LantaiError('TOKEN_NOT_FOUND', id, { id })
      return toToken(row)
    })
  }

  /** The service creates a first admin when this is 0. */
  async count (): Promise<number> {
    return (await this.#db.db.selectFrom('tokens').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0
  }
}
