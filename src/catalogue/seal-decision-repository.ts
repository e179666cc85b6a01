import type { Database, Statement, Transaction } from 'better-sqlite3'
import { checkPage, type Clock, type Page, type PageQuery } from './sql.js'

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

interface Row {
  package_id: string
  logical_path: string
  version: number
  format: string
  signatures: number
  outcome: string
  rule: string
  provisional: number
  integrity_alert: number
  reason: string
  checked_at: string
}

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

export class SealDecisionRepository {
  readonly #clock: Clock
  readonly #upsert: Statement
  readonly #record: Transaction<(packageId: string, version: number, decisions: readonly SealDecisionInput[], at: string) => void>
  readonly #summary: Statement
  readonly #awaiting: Statement
  readonly #keep: Statement
  readonly #evidence: Statement
  readonly #keepAll: Transaction<(items: Array<[string, Uint8Array]>, at: string) => number>

  constructor (readonly db: Database, clock: Clock) {
    this.#clock = clock
    this.#upsert = db.prepare(`
      INSERT INTO seal_decisions (package_id, logical_path, version, format, signatures, outcome, rule, provisional, integrity_alert, reason, checked_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (package_id, logical_path) DO UPDATE SET version = excluded.version, format = excluded.format,
        signatures = excluded.signatures, outcome = excluded.outcome, rule = excluded.rule, provisional = excluded.provisional,
        integrity_alert = excluded.integrity_alert, reason = excluded.reason, checked_at = excluded.checked_at`)
    this.#record = db.transaction((packageId, version, decisions, at) => {
      for (const d of decisions) {
        this.#upsert.run(packageId, d.logicalPath, version, d.format, d.signatures, d.outcome, d.rule, d.provisional ? 1 : 0, d.integrityAlert ? 1 : 0, d.reason, at)
      }
    })
    this.#summary = db.prepare(`
      SELECT count(*) AS files, coalesce(sum(signatures > 0), 0) AS signedFiles,
        coalesce(sum(outcome = 'paper_waived'), 0) AS paperWaived, coalesce(sum(outcome = 'dual_set'), 0) AS dualSet,
        coalesce(sum(outcome = 'paper_required'), 0) AS paperRequired, coalesce(sum(integrity_alert), 0) AS integrityAlerts,
        coalesce(sum(provisional), 0) AS reviewQueue, max(checked_at) AS lastCheckedAt
      FROM seal_decisions WHERE package_id = ?`)
    this.#keep = db.prepare('INSERT INTO seal_evidence (sha256, der, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING')
    this.#evidence = db.prepare('SELECT der FROM seal_evidence WHERE sha256 = ?')
    this.#keepAll = db.transaction((items, at) => {
      let added = 0
      for (const [sha256, der] of items) added += this.#keep.run(sha256, Buffer.from(der.buffer, der.byteOffset, der.byteLength), at).changes
      return added
    })
    this.#awaiting = db.prepare('SELECT DISTINCT package_id AS id FROM seal_decisions WHERE provisional = 1 ORDER BY package_id')
  }

  /** Replaces the decisions of these files in one transaction (one commit for 10,000 files). */
  record (packageId: string, version: number, decisions: readonly SealDecisionInput[]): void {
    this.#record.immediate(packageId, version, decisions, this.#clock().toISOString())
  }

  summary (packageId: string): SealDecisionSummary {
    return this.#summary.get(packageId) as SealDecisionSummary
  }

  list (packageId: string, query: SealDecisionQuery): Page<SealDecision> {
    checkPage(query)
    const where = ['package_id = @packageId']
    if (query.outcome !== undefined) where.push('outcome = @outcome')
    if (query.provisional !== undefined) where.push('provisional = @provisional')
    const params = { packageId, outcome: query.outcome, provisional: query.provisional === undefined ? undefined : query.provisional ? 1 : 0 }
    const named = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined))
    const filter = where.join(' AND ')
    const total = (this.db.prepare(`SELECT count(*) AS n FROM seal_decisions WHERE ${filter}`).get(named) as { n: number }).n
    const rows = this.db.prepare(`SELECT * FROM seal_decisions WHERE ${filter} ORDER BY logical_path LIMIT @limit OFFSET @offset`)
      .all({ ...named, limit: query.limit, offset: query.offset }) as Row[]
    return { items: rows.map(toDecision), total }
  }

  /** Keeps evidence by its sha256 (the caller's key); what is already kept is left as it is. Returns how many were new. */
  keepEvidence (items: ReadonlyMap<string, Uint8Array>): number {
    return this.#keepAll.immediate([...items], this.#clock().toISOString())
  }

  /** One piece of evidence (DER), or null. */
  evidence (sha256: string): Buffer | null {
    return (this.#evidence.get(sha256) as { der: Buffer } | undefined)?.der ?? null
  }

  /** Packages with at least one provisional decision: the review queue to re-run when trust data arrives. */
  packagesAwaitingReview (): string[] {
    return (this.#awaiting.all() as Array<{ id: string }>).map(r => r.id)
  }
}
