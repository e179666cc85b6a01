import type { Selectable } from 'kysely'
import { createHash, randomBytes } from 'node:crypto'
import { LantaiError } from '../errors.js'
import { toAccount, type Account } from './account-repository.js'
import type { CatalogueDatabase } from './db/open.js'
import type { SessionsTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import type { Clock } from './sql.js'

// Console sessions (issue 15 item 3). The cookie carries a random secret and the session answers a CSRF
// token; the row keeps the SHA-256 of each (32 random bytes: an unsalted hash is enough, as for tokens).
// A session ends at its expiry, when revoked (logout, a password change, a disabled or locked account),
// or when its account is disabled.

export interface Session {
  /** 'ses_' + ULID; safe to log, unlike the secret */
  id: string
  accountId: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  revokedAt: string | null
}

/** A session found by its cookie: the session, its account, and the hash its CSRF token must match. */
export interface SessionMatch { session: Session, account: Account, csrfSha256: string }

/** base64url of 32 bytes */
const SECRET_FORM = /^[A-Za-z0-9_-]{43}$/
const LAST_SEEN_RESOLUTION_MS = 60_000

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

const toSession = (r: Selectable<SessionsTable>): Session => ({
  id: r.id, accountId: r.account_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, revokedAt: r.revoked_at
})

export class SessionRepository {
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

  /** A session for a logged-in account; its cookie secret and CSRF token are returned here only. */
  async create (accountId: string, ttlMs: number, detail: Record<string, unknown> = {}): Promise<{ session: Session, secret: string, csrfToken: string }> {
    return await this.#db.db.transaction().execute(async tx => {
      const at = this.#clock()
      const secret = randomBytes(32).toString('base64url')
      const csrfToken = randomBytes(32).toString('base64url')
      const row: Selectable<SessionsTable> = {
        id: this.#newId('ses', at),
        secret_sha256: sha256Hex(secret),
        csrf_sha256: sha256Hex(csrfToken),
        account_id: accountId,
        created_at: at.toISOString(),
        last_seen_at: at.toISOString(),
        expires_at: new Date(at.getTime() + ttlMs).toISOString(),
        revoked_at: null
      }
      await tx.insertInto('sessions').values(row).execute()
      await this.#events.append({ at: row.created_at, type: 'session.created', outcome: 'success', agent: accountId, objectType: 'system', objectId: row.id, detail: { account: accountId, expiresAt: row.expires_at, ...detail } }, tx)
      return { session: toSession(row), secret, csrfToken }
    })
  }

  /** The live session this cookie secret names, with its account; null when malformed, unknown, expired, revoked or the account is disabled. */
  async authenticate (secret: string): Promise<SessionMatch | null> {
    if (!SECRET_FORM.test(secret)) return null
    const row = await this.#db.db.selectFrom('sessions').innerJoin('accounts', 'accounts.id', 'sessions.account_id')
      .selectAll('accounts').select(['sessions.id as session_id', 'sessions.csrf_sha256', 'sessions.created_at as session_created_at', 'sessions.last_seen_at',
        'sessions.expires_at', 'sessions.revoked_at'])
      .where('sessions.secret_sha256', '=', sha256Hex(secret)).executeTakeFirst()
    const now = this.#clock()
    if (row === undefined || row.revoked_at !== null || row.expires_at <= now.toISOString() || row.state !== 'active') return null
    const session: Session = { id: row.session_id, accountId: row.id, createdAt: row.session_created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at, revokedAt: null }
    // a hint, like a token's lastUsedAt: written at most once a minute so reads stay reads
    if (row.last_seen_at < new Date(now.getTime() - LAST_SEEN_RESOLUTION_MS).toISOString()) {
      await this.#db.db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', session.id).execute()
      session.lastSeenAt = now.toISOString()
    }
    return { session, account: toAccount(row), csrfSha256: row.csrf_sha256 }
  }

  async get (id: string): Promise<Session | null> {
    const row = await this.#db.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toSession(row)
  }

  /** Idempotent, like a token's revocation. Throws SESSION_NOT_FOUND. */
  async revoke (id: string, agent: string, why: string): Promise<Session> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const r = await tx.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
      const row = await tx.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
      if (row === undefined) throw new LantaiError('SESSION_NOT_FOUND', id, { id })
      if (Number(r.numUpdatedRows) > 0) {
        await this.#events.append({ at: now, type: 'session.revoked', outcome: 'success', agent, objectType: 'system', objectId: id, detail: { account: row.account_id, why } }, tx)
      }
      return toSession(row)
    })
  }
}
