import type { Selectable } from 'kysely'
import type { CatalogueDatabase } from './db/open.js'
import type { SealDecisionsTable } from './db/schema.js'
import { checkPage, insertMany, type Clock, type Columns, type Page, type PageQuery } from './sql.js'

// The current paper decision of each stored file (notice clause 五), made at ingest and remade by a
// re-validation. The seal report with its evidence stays in the OCFL version; this is the index the
// package view and the review queue (rule R4) read.

export type PaperOutcomeName = 'paper_waived' | 'dual_set' | 'paper_required'

export interface SealDecisionInput {
  logicalPath: string
  format: string
  signatures: number
  outcome: PaperOutcomeName
  rule: string
  provisional: boolean
  integrityAlert: boolean
  reason: string
}

export interface SealDecision extends SealDecisionInput {
  packageId: string
  version: number
  checkedAt: string
}

export interface SealDecisionSummary {
  files: number
  signedFiles: number
  paperWaived: number
  dualSet: number
  paperRequired: number
  integrityAlerts: number
  /** Files whose decision is provisional (R4) and waits for a re-validation. */
  reviewQueue: number
  lastCheckedAt: string | null
}

export interface SealDecisionQuery extends PageQuery {
  outcome?: PaperOutcomeName
  provisional?: boolean
}

type Row = Selectable<SealDecisionsTable>

const toDecision = (r: Row): SealDecision => ({
  packageId: r.package_id,
  logicalPath: r.logical_path,
  version: r.version,
  format: r.format,
  signatures: r.signatures,
  outcome: r.outcome as PaperOutcomeName,
  rule: r.rule,
  provisional: r.provisional === 1,
  integrityAlert: r.integrity_alert === 1,
  reason: r.reason,
  checkedAt: r.checked_at
})

const DECISION_COLUMNS = {
  package_id: 'text', logical_path: 'text', version: 'integer', format: 'text', signatures: 'integer', outcome: 'text', rule: 'text', provisional: 'integer', integrity_alert: 'integer', reason: 'text', checked_at: 'text'
} as const satisfies Columns

export class SealDecisionRepository {
  readonly #db: CatalogueDatabase
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Replaces the decisions of these files in one transaction (one commit for 10,000 files). */
  async record (packageId: string, version: number, decisions: readonly SealDecisionInput[]): Promise<void> {
    if (decisions.length === 0) return
    const at = this.#clock().toISOString()
    // one decision per path: a path listed twice keeps its last decision, as one upsert after another did
    const last = new Map(decisions.map(d => [d.logicalPath, d]))
    const rows = [...last.values()].map(d => [packageId, d.logicalPath, version, d.format, d.signatures, d.outcome, d.rule, d.provisional ? 1 : 0, d.integrityAlert ? 1 : 0, d.reason, at])
    const { engine, maxParams } = this.#db
    await this.#db.db.transaction().execute(async tx => {
      await insertMany(tx, engine, maxParams, 'seal_decisions', DECISION_COLUMNS, rows, `
        ON CONFLICT (package_id, logical_path) DO UPDATE SET version = excluded.version, format = excluded.format,
          signatures = excluded.signatures, outcome = excluded.outcome, rule = excluded.rule, provisional = excluded.provisional,
          integrity_alert = excluded.integrity_alert, reason = excluded.reason, checked_at = excluded.checked_at`)
    })
  }

  async summary (packageId: string): Promise<SealDecisionSummary> {
    const s = await this.#db.db.selectFrom('seal_decisions').where('package_id', '=', packageId)
      .select(eb => [
        eb.fn.countAll<number>().as('files'),
        eb.fn.countAll<number>().filterWhere('signatures', '>', 0).as('signedFiles'),
        eb.fn.countAll<number>().filterWhere('outcome', '=', 'paper_waived').as('paperWaived'),
        eb.fn.countAll<number>().filterWhere('outcome', '=', 'dual_set').as('dualSet'),
        eb.fn.countAll<number>().filterWhere('outcome', '=', 'paper_required').as('paperRequired'),
        eb.fn.countAll<number>().filterWhere('integrity_alert', '=', 1).as('integrityAlerts'),
        eb.fn.countAll<number>().filterWhere('provisional', '=', 1).as('reviewQueue'),
        eb.fn.max('checked_at').as('lastCheckedAt')
      ]).executeTakeFirstOrThrow()
    return { ...s, lastCheckedAt: s.lastCheckedAt ?? null }
  }

  async list (packageId: string, query: SealDecisionQuery): Promise<Page<SealDecision>> {
    checkPage(query)
    const filtered = this.#db.db.selectFrom('seal_decisions').where('package_id', '=', packageId)
      .$if(query.outcome !== undefined, q => q.where('outcome', '=', query.outcome ?? ''))
      .$if(query.provisional !== undefined, q => q.where('provisional', '=', query.provisional === true ? 1 : 0))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('logical_path').limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toDecision), total: count?.n ?? 0 }
  }

  /** Keeps evidence by its sha256 (the caller's key); what is already kept is left as it is. Returns how many were new. */
  async keepEvidence (items: ReadonlyMap<string, Uint8Array>): Promise<number> {
    if (items.size === 0) return 0
    const at = this.#clock().toISOString()
    const rows = [...items].map(([sha256, der]) => [sha256, Buffer.from(der.buffer, der.byteOffset, der.byteLength), at])
    const { engine, maxParams } = this.#db
    return await this.#db.db.transaction().execute(async tx =>
      (await insertMany(tx, engine, maxParams, 'seal_evidence', { sha256: 'text', der: 'bytea', created_at: 'text' }, rows, 'ON CONFLICT (sha256) DO NOTHING RETURNING sha256')).length)
  }

  /** One piece of evidence (DER), or null. */
  async evidence (sha256: string): Promise<Buffer | null> {
    const row = await this.#db.db.selectFrom('seal_evidence').select('der').where('sha256', '=', sha256).executeTakeFirst()
    return row === undefined ? null : Buffer.from(row.der)
  }

  /** Packages with at least one provisional decision: the review queue to re-run when trust data arrives. */
  async packagesAwaitingReview (): Promise<string[]> {
    const rows = await this.#db.db.selectFrom('seal_decisions').select('package_id').distinct().where('provisional', '=', 1).orderBy('package_id').execute()
    return rows.map(r => r.package_id)
  }
}
