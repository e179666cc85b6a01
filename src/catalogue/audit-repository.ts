import { sql, type Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { AuditCheckpointsTable, AuditTrailTable, Executor } from './db/schema.js'
import { checkPage, isoBound, type Page, type PageQuery } from './sql.js'

// The rows of the audit trail and its checkpoints (issue 15 item 8). This repository knows nothing of
// hashes: the appender (src/audit/trail.ts) is handed the chain head while the chain's lock is held and
// returns the whole row, hash included, so the hashing rules live in one place, src/audit/chain.ts.
//
// One appender at a time across every process: on SQLite the write lock that BEGIN IMMEDIATE takes (see
// db/open.ts), on PostgreSQL a transaction-scoped advisory lock taken before the head is read. Both are
// held until the row commits, so the next appender reads the row just written as its head.

/** 'LAUD': the PostgreSQL advisory lock of the audit chain head (db/open.ts uses 'LANT' for migrations). */
const PG_AUDIT_LOCK = 0x4c415544

export interface AuditRow {
  seq: number
  at: string
  actorId: string | null
  actorRole: string | null
  actorLabel: string | null
  action: string
  objectType: string | null
  objectId: string | null
  tier: string | null
  outcome: string
  requestId: string | null
  ip: string | null
  /** canonical JSON text, exactly as hashed; null for none */
  detail: string | null
  alg: string
  prevHash: string
  hash: string
}

export interface ChainHead { seq: number, hash: string }

export interface AuditCheckpoint {
  /** the chain up to and including this row */
  seq: number
  headHash: string
  signedAt: string
  /** 'sm2-sm3', 'ecdsa-sha256', or 'none' when no center key was configured */
  algorithm: string
  /** base64 DER signature; empty when unsigned */
  signature: string
  /** PEM certificate of the signer; empty when unsigned */
  certificate: string
}

export interface AuditQuery extends PageQuery {
  /** actor id (a token or account id) */
  actor?: string
  /** an action, or a prefix of one ending in '*' ('GET /v1/packages*') */
  action?: string
  objectType?: string
  objectId?: string
  tier?: string
  outcome?: string
  /** ISO-8601 bounds on `at`: from inclusive, to exclusive */
  from?: string
  to?: string
  order?: 'asc' | 'desc'
  /** only rows after / before this seq: a cursor that rows appended meanwhile cannot shift, as an offset would */
  afterSeq?: number
  beforeSeq?: number
}

/** Rows of one day (or any span) counted by action, outcome and tier: what the daily report is made of. */
export interface AuditCount { action: string, outcome: string, tier: string | null, n: number }

type Row = Selectable<AuditTrailTable>

export const toAuditRow = (r: Row): AuditRow => ({
  seq: r.seq,
  at: r.at,
  actorId: r.actor_id,
  actorRole: r.actor_role,
  actorLabel: r.actor_label,
  action: r.action,
  objectType: r.object_type,
  objectId: r.object_id,
  tier: r.tier,
  outcome: r.outcome,
  requestId: r.request_id,
  ip: r.ip,
  detail: r.detail,
  alg: r.alg,
  prevHash: r.prev_hash,
  hash: r.hash
})

const toCheckpoint = (r: Selectable<AuditCheckpointsTable>): AuditCheckpoint =>
  ({ seq: r.seq, headHash: r.head_hash, signedAt: r.signed_at, algorithm: r.algorithm, signature: r.signature, certificate: r.certificate })

export class AuditRepository {
  readonly #db: CatalogueDatabase

  constructor (db: CatalogueDatabase) {
    this.#db = db
  }

  /**
   * Appends the row `make` builds from the chain head (null for the first row), under the chain's lock.
   * Pass the transaction of the change the row reports, so both commit together or neither does.
   */
  async append (make: (head: ChainHead | null) => AuditRow, tx?: Executor): Promise<AuditRow> {
    if (tx === undefined) return await this.#db.db.transaction().execute(async own => await this.append(make, own))
    if (this.#db.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(${PG_AUDIT_LOCK})`.execute(tx)
    const head = await tx.selectFrom('audit_trail').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst()
    const row = make(head ?? null)
    const inserted = await tx.insertInto('audit_trail').values({
      seq: row.seq,
      at: row.at,
      actor_id: row.actorId,
      actor_role: row.actorRole,
      actor_label: row.actorLabel,
      action: row.action,
      object_type: row.objectType,
      object_id: row.objectId,
      tier: row.tier,
      outcome: row.outcome,
      request_id: row.requestId,
      ip: row.ip,
      detail: row.detail,
      alg: row.alg,
      prev_hash: row.prevHash,
      hash: row.hash
    }).returningAll().executeTakeFirstOrThrow()
    return toAuditRow(inserted)
  }

  async head (): Promise<ChainHead | null> {
    return await this.#db.db.selectFrom('audit_trail').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst() ?? null
  }

  /** Up to `limit` rows after `seq`, in seq order: how verify walks the chain a page at a time. */
  async after (seq: number, limit: number): Promise<AuditRow[]> {
    const rows = await this.#db.db.selectFrom('audit_trail').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute()
    return rows.map(toAuditRow)
  }

  /** The seqs of the rows whose stored hash is `hash` (verify asks where a row's predecessor went). */
  async seqsWithHash (hash: string): Promise<number[]> {
    const rows = await this.#db.db.selectFrom('audit_trail').select('seq').where('hash', '=', hash).orderBy('seq').execute()
    return rows.map(r => r.seq)
  }

  async bySeq (seq: number): Promise<AuditRow | null> {
    const row = await this.#db.db.selectFrom('audit_trail').selectAll().where('seq', '=', seq).executeTakeFirst()
    return row === undefined ? null : toAuditRow(row)
  }

  async list (query: AuditQuery): Promise<Page<AuditRow>> {
    checkPage(query)
    const order = query.order ?? 'desc'
    if (order !== 'asc' && order !== 'desc') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `order must be asc or desc, got ${String(query.order)}`)
    const from = isoBound('from', query.from)
    const to = isoBound('to', query.to)
    const action = query.action
    const prefix = action?.endsWith('*') === true ? action.slice(0, -1) : null
    const filtered = this.#db.db.selectFrom('audit_trail')
      .$if(query.actor !== undefined, q => q.where('actor_id', '=', query.actor ?? ''))
      .$if(action !== undefined && prefix === null, q => q.where('action', '=', action ?? ''))
      // a prefix as a range, not LIKE: no wildcard escaping, and the (action, seq) index serves it
      .$if(prefix !== null, q => q.where('action', '>=', prefix ?? '').where('action', '<', `${prefix ?? ''}\u{10FFFF}`))
      .$if(query.objectType !== undefined, q => q.where('object_type', '=', query.objectType ?? ''))
      .$if(query.objectId !== undefined, q => q.where('object_id', '=', query.objectId ?? ''))
      .$if(query.tier !== undefined, q => q.where('tier', '=', query.tier ?? ''))
      .$if(query.outcome !== undefined, q => q.where('outcome', '=', query.outcome ?? ''))
      .$if(from !== null, q => q.where('at', '>=', from ?? ''))
      .$if(to !== null, q => q.where('at', '<', to ?? ''))
      .$if(query.afterSeq !== undefined, q => q.where('seq', '>', query.afterSeq ?? 0))
      .$if(query.beforeSeq !== undefined, q => q.where('seq', '<', query.beforeSeq ?? 0))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('seq', order).limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toAuditRow), total: Number(count?.n ?? 0) }
  }

  /** Rows with `from <= at < to`, counted by action, outcome and tier. */
  async counts (from: string, to: string): Promise<AuditCount[]> {
    const rows = await this.#db.db.selectFrom('audit_trail')
      .select(eb => ['action', 'outcome', 'tier', eb.fn.countAll<number>().as('n')])
      .where('at', '>=', isoBound('from', from) ?? '').where('at', '<', isoBound('to', to) ?? '')
      .groupBy(['action', 'outcome', 'tier']).orderBy('action').orderBy('outcome').execute()
    return rows.map(r => ({ action: r.action, outcome: r.outcome, tier: r.tier, n: Number(r.n) }))
  }

  /** Keeps the first checkpoint of a seq: two processes may sign the same head at once. */
  async addCheckpoint (cp: AuditCheckpoint): Promise<boolean> {
    const r = await this.#db.db.insertInto('audit_checkpoints').values({
      seq: cp.seq, head_hash: cp.headHash, signed_at: cp.signedAt, algorithm: cp.algorithm, signature: cp.signature, certificate: cp.certificate
    }).onConflict(oc => oc.column('seq').doNothing()).executeTakeFirst()
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
  }

  async lastCheckpoint (): Promise<AuditCheckpoint | null> {
    const row = await this.#db.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst()
    return row === undefined ? null : toCheckpoint(row)
  }

  /** Every checkpoint, oldest first. */
  async checkpoints (): Promise<AuditCheckpoint[]> {
    return (await this.#db.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute()).map(toCheckpoint)
  }
}
