import type { Database, Statement, Transaction } from 'better-sqlite3'
import { createHash, randomBytes } from 'node:crypto'
import { LantaiError } from '../errors.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import type { Clock } from './sql.js'

// Bearer tokens. The secret is shown once, at creation, and never stored: the row keeps its SHA-256,
// and authentication looks the hash up. 32 random bytes make a brute-force or a precomputed table
// hopeless, so an unsalted fast hash is enough here (unlike passwords).

export type Role = 'admin' | 'archivist' | 'security-officer' | 'auditor' | 'reader'

export const ROLES: readonly Role[] = ['admin', 'archivist', 'security-officer', 'auditor', 'reader']

export interface Token {
  /** 'tok_' + ULID; safe to log, unlike the secret */
  id: string
  role: Role
  /** 密级 the holder may read (BRIEF.md §5); null for none beyond 非密 */
  clearance: string | null
  label: string
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface NewToken {
  role: Role
  label: string
  clearance?: string | null
}

export const TOKEN_PREFIX = 'lantai_'
/** `lantai_` + base64url of 32 bytes (43 characters, no padding). */
const SECRET_FORM = /^lantai_[A-Za-z0-9_-]{43}$/
/** lastUsedAt is a hint for admins, not an audit record (that is the access log): write it at most once a minute. */
const LAST_USED_RESOLUTION_MS = 60_000

interface TokenRow {
  id: string
  secret_sha256: string
  role: string
  clearance: string | null
  label: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export const toToken = (r: TokenRow): Token => ({
  id: r.id,
  role: r.role as Role,
  clearance: r.clearance,
  label: r.label,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at
})

const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex')

/** Who made a token, for its `token.created` event; the detail defaults to its role and label. */
export interface TokenAudit { agent: string, detail?: Record<string, unknown> }

export class TokenRepository {
  readonly #clock: Clock
  readonly #newId: IdFactory
  readonly #get: Statement<[string], TokenRow>
  readonly #byHash: Statement<[string], TokenRow>
  readonly #touch: Statement<Record<string, unknown>, void>
  readonly #list: Statement<[], TokenRow>
  readonly #count: Statement<[], { n: number }>
  readonly #insert: Transaction<(row: TokenRow, audit: TokenAudit) => void>
  readonly #revoke: Transaction<(id: string, agent: string) => TokenRow>

  constructor (db: Database, events: EventRepository, clock: Clock, newId: IdFactory) {
    this.#clock = clock
    this.#newId = newId
    const insert = db.prepare<TokenRow>(`
      INSERT INTO tokens (id, secret_sha256, role, clearance, label, created_at, last_used_at, revoked_at)
      VALUES (@id, @secret_sha256, @role, @clearance, @label, @created_at, NULL, NULL)`)
    // The token and its token.created event go in together, as a revocation and its event do.
    this.#insert = db.transaction((row: TokenRow, audit: TokenAudit) => {
      insert.run(row)
      events.append({ at: row.created_at, type: 'token.created', outcome: 'success', agent: audit.agent, objectType: 'token', objectId: row.id, detail: audit.detail ?? { role: row.role, label: row.label } })
    })
    const setRevoked = db.prepare<Record<string, unknown>>('UPDATE tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL')
    this.#get = db.prepare('SELECT * FROM tokens WHERE id = ?')
    this.#byHash = db.prepare('SELECT * FROM tokens WHERE secret_sha256 = ?')
    this.#touch = db.prepare('UPDATE tokens SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @cutoff)')
    this.#list = db.prepare('SELECT * FROM tokens ORDER BY id')
    this.#count = db.prepare('SELECT count(*) AS n FROM tokens')

    this.#revoke = db.transaction((id: string, agent: string) => {
      const now = this.#clock().toISOString()
      if (setRevoked.run({ id, now }).changes > 0) {
        events.append({ at: now, type: 'token.revoked', outcome: 'success', agent, objectType: 'token', objectId: id, detail: null })
      }
      const row = this.#get.get(id)
      if (row === undefined) throw new LantaiError('TOKEN_NOT_FOUND', id, { id })
      return row
    })
  }

  /**
   * The secret is returned here once and can never be recovered. The `token.created` event (agent and
   * detail from `audit`, never the secret) is written in the same transaction.
   */
  create (input: NewToken, audit: TokenAudit = { agent: 'system' }): { token: Token, secret: string } {
    if (!ROLES.includes(input.role)) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `unknown role ${String(input.role)}`, { role: input.role })
    const at = this.#clock()
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url')
    const row: TokenRow = {
      id: this.#newId('tok', at),
      secret_sha256: hashSecret(secret),
      role: input.role,
      clearance: input.clearance ?? null,
      label: input.label,
      created_at: at.toISOString(),
      last_used_at: null,
      revoked_at: null
    }
    this.#insert(row, audit)
    return { token: toToken(row), secret }
  }

  /** The token this secret belongs to; null when it is malformed, unknown or revoked. */
  authenticate (secret: string): Token | null {
    if (!SECRET_FORM.test(secret)) return null
    const row = this.#byHash.get(hashSecret(secret))
    if (row === undefined || row.revoked_at !== null) return null
    const now = this.#clock()
    const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString()
    // reads stay reads on the hot path: the write happens only when the stored time is a minute old
    if (row.last_used_at === null || row.last_used_at < cutoff) {
      this.#touch.run({ id: row.id, now: now.toISOString(), cutoff })
      return toToken({ ...row, last_used_at: now.toISOString() })
    }
    return toToken(row)
  }

  get (id: string): Token | null {
    const row = this.#get.get(id)
    return row === undefined ? null : toToken(row)
  }

  /** Every token, revoked ones included, oldest first. */
  list (): Token[] {
    return this.#list.all().map(toToken)
  }

  /** Idempotent: revoking a revoked token keeps the first revokedAt and appends no second event. Throws TOKEN_NOT_FOUND. */
  revoke (id: string, agent = 'system'): Token {
    return toToken(this.#revoke.immediate(id, agent))
  }

  /** The service creates a first admin when this is 0. */
  count (): number {
    return this.#count.get()?.n ?? 0
  }
}
