import type { Selectable } from 'kysely'
import type { CatalogueDatabase } from './db/open.js'
import type { DrillsTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { checkPage, fromJson, type Clock, type Page, type PageQuery } from './sql.js'

// Restore drills (issue 16 item 8): each drill's signed report, and each package's last drill, which the
// next sample is drawn by. A drill is an event of the system, written with its row.

export type DrillOutcome = 'passed' | 'failed'

export interface Drill {
  id: string
  nodeId: string
  outcome: DrillOutcome
  sampleSize: number
  /** time to restore and validate the sample, milliseconds */
  rtoMs: number
  /** replication lag of the node at drill time (age of the oldest version it lacked a verified copy of); null when the node holds every version */
  rpoMs: number | null
  /** the report exactly as signed (JSON text) */
  report: string
  algorithm: 'sm2-sm3' | 'ecdsa-sha256' | 'none'
  /** base64; '' when unsigned */
  signature: string
  /** the signer's PEM certificate; '' when unsigned */
  certificate: string
  agent: string
  startedAt: string
  finishedAt: string
}

export type NewDrill = Omit<Drill, 'id'> & { id: string }

export interface DrillCandidate { packageId: string, projectCode: string, ocflId: string, headVersion: number, lastDrilledAt: string | null }

type DrillRow = Selectable<DrillsTable>

const toDrill = (r: DrillRow): Drill => ({
  id: r.id,
  nodeId: r.node_id,
  outcome: r.outcome as DrillOutcome,
  sampleSize: r.sample_size,
  rtoMs: Number(r.rto_ms),
  rpoMs: r.rpo_ms === null ? null : Number(r.rpo_ms),
  report: r.report,
  algorithm: r.algorithm as Drill['algorithm'],
  signature: r.signature,
  certificate: r.certificate,
  agent: r.agent,
  startedAt: r.started_at,
  finishedAt: r.finished_at
})

export class DrillRepository {
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

  /** A new drill's id, minted before the report that names it is signed. */
  newId (): string { return this.#newId('drl', this.#clock()) }

  /**
   * The packages least recently drilled, never-drilled first, then oldest drill first: `pool` of them,
   * from which the caller draws its sample (so a small sample still rotates through the whole archive).
   */
  async candidates (pool: number): Promise<DrillCandidate[]> {
    const rows = await this.#db.db.selectFrom('packages as p').leftJoin('package_drills as d', 'd.package_id', 'p.id')
      .select(['p.id as packageId', 'p.project_code as projectCode', 'p.ocfl_id as ocflId', 'p.head_version as headVersion', 'd.drilled_at as lastDrilledAt'])
      // NULL first on both engines: SQLite sorts NULL low, PostgreSQL high, so order by "is null" explicitly
      .orderBy(eb => eb.case().when('d.drilled_at', 'is', null).then(0).else(1).end())
      .orderBy('d.drilled_at').orderBy('p.id').limit(pool).execute()
    return rows
  }

  /**
   * Replication lag of a node now: the age of the oldest package version without a verified copy on it;
   * null when it holds a verified copy of every version.
   */
  async lag (nodeId: string): Promise<number | null> {
    const row = await this.#db.db.selectFrom('versions as v')
      .where(eb => eb.not(eb.exists(eb.selectFrom('replicas as r').select('r.node_id')
        .whereRef('r.package_id', '=', 'v.package_id').whereRef('r.version', '=', 'v.number').where('r.node_id', '=', nodeId).where('r.state', '=', 'verified'))))
      .select(eb => eb.fn.min<string>('v.created_at').as('oldest')).executeTakeFirst()
    if (row?.oldest === undefined || row.oldest === null) return null
    return Math.max(0, this.#clock().getTime() - Date.parse(row.oldest))
  }

  /** Records a finished drill, each drilled package's outcome, and a `drill.completed` event, in one transaction. */
  async record (drill: NewDrill, packages: ReadonlyArray<{ packageId: string, outcome: DrillOutcome }>): Promise<Drill> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.insertInto('drills').values({
        id: drill.id,
        node_id: drill.nodeId,
        outcome: drill.outcome,
        sample_size: drill.sampleSize,
        rto_ms: drill.rtoMs,
        rpo_ms: drill.rpoMs,
        report: drill.report,
        algorithm: drill.algorithm,
        signature: drill.signature,
        certificate: drill.certificate,
        agent: drill.agent,
        started_at: drill.startedAt,
        finished_at: drill.finishedAt
      }).returningAll().executeTakeFirstOrThrow()
      for (const p of packages) {
        await tx.insertInto('package_drills').values({ package_id: p.packageId, drill_id: drill.id, outcome: p.outcome, drilled_at: drill.finishedAt })
          .onConflict(oc => oc.column('package_id').doUpdateSet({ drill_id: drill.id, outcome: p.outcome, drilled_at: drill.finishedAt })).execute()
      }
      await this.#events.append({
        at: drill.finishedAt, type: 'drill.completed', outcome: drill.outcome === 'passed' ? 'success' : 'failure', agent: drill.agent, objectType: 'system', objectId: drill.id,
        detail: { node: drill.nodeId, sampleSize: drill.sampleSize, rtoMs: drill.rtoMs, rpoMs: drill.rpoMs, signed: drill.algorithm !== 'none', packages: packages.map(p => p.packageId) }
      }, tx)
      return toDrill(row)
    })
  }

  async get (id: string): Promise<Drill | null> {
    const row = await this.#db.db.selectFrom('drills').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toDrill(row)
  }

  /** The drill recorded by `agent` (a scheduled slot names its own agent), or null. */
  async byAgent (agent: string): Promise<Drill | null> {
    const row = await this.#db.db.selectFrom('drills').selectAll().where('agent', '=', agent).orderBy('id').executeTakeFirst()
    return row === undefined ? null : toDrill(row)
  }

  /** Newest first. */
  async list (query: PageQuery): Promise<Page<Drill>> {
    checkPage(query)
    const [rows, counted] = await Promise.all([
      this.#db.db.selectFrom('drills').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
      this.#db.db.selectFrom('drills').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    ])
    return { items: rows.map(toDrill), total: Number(counted.n) }
  }
}

/** The parsed report of a drill. */
export const drillReport = (d: Pick<Drill, 'report'>): unknown => fromJson(d.report)
