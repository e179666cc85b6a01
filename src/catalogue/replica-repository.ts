import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor, ReplicasTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import { mapViolation, type Clock } from './sql.js'

// One row per copy of a package version on a storage node (issue 16 item 3). The placement engine plans
// copies; the replication queue (later work) copies and verifies them; per-copy fixity marks them damaged
// or missing. Only a 'verified' copy counts toward placement (research-preservation.md §10 lesson 3).

export const REPLICA_STATES = ['planned', 'copying', 'verified', 'damaged', 'missing'] as const
export type ReplicaState = typeof REPLICA_STATES[number]

export interface Replica {
  packageId: string
  version: number
  nodeId: string
  state: ReplicaState
  verifiedAt: string | null
  bytes: number | null
  detail: string | null
  createdAt: string
  updatedAt: string
}

export interface ReplicaInput { packageId: string, version: number, nodeId: string, state: ReplicaState, bytes?: number | null, detail?: string | null }

/** A package version as placement sees it. */
export interface PlacedVersion { packageId: string, version: number, projectCode: string, bytes: number }

/** What a node holds and owes: verified copies and their bytes, copies not yet made and the oldest of them. */
export interface NodeLoad { nodeId: string, verified: number, verifiedBytes: number, pending: number, oldestPendingAt: string | null, damaged: number }

type ReplicaRow = Selectable<ReplicasTable>

export const toReplica = (r: ReplicaRow): Replica => ({
  packageId: r.package_id,
  version: r.version,
  nodeId: r.node_id,
  state: r.state as ReplicaState,
  verifiedAt: r.verified_at,
  bytes: r.bytes,
  detail: r.detail,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

export class ReplicaRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  /**
   * Records a copy's state (creating the row); a change is a `replica.<state>` event of the package.
   * NODE_NOT_FOUND or VERSION_NOT_FOUND when either is unknown.
   */
  async put (input: ReplicaInput, agent = 'system'): Promise<Replica> {
    return await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      const key = { package_id: input.packageId, version: input.version, node_id: input.nodeId }
      const before = await tx.selectFrom('replicas').selectAll().where('package_id', '=', key.package_id).where('version', '=', key.version).where('node_id', '=', key.node_id).executeTakeFirst()
      const now = this.#clock().toISOString()
      const values = {
        state: input.state,
        verified_at: input.state === 'verified' ? now : before?.verified_at ?? null,
        bytes: input.bytes ?? before?.bytes ?? null,
        detail: input.detail ?? null,
        updated_at: now
      }
      const row = before === undefined
        ? await tx.insertInto('replicas').values({ ...key, ...values, created_at: now }).returningAll().executeTakeFirstOrThrow()
        : await tx.updateTable('replicas').set(values).where('package_id', '=', key.package_id).where('version', '=', key.version).where('node_id', '=', key.node_id).returningAll().executeTakeFirstOrThrow()
      if (before?.state !== input.state) await this.#event(tx, row, agent, before?.state ?? null)
      return toReplica(row)
    }), v => v.kind === 'foreign-key' ? new LantaiError('CATALOGUE_ARGUMENT_INVALID', `no node ${input.nodeId} or no version ${input.packageId} v${input.version}`, { ...input }) : undefined)
  }

  /**
   * Plans copies (state 'planned') where none is recorded yet; existing rows are left as they are.
   * Returns how many were planned; each is an event of its package.
   */
  async plan (copies: ReadonlyArray<{ packageId: string, version: number, nodeId: string }>, agent = 'system'): Promise<number> {
    if (copies.length === 0) return 0
    return await this.#db.db.transaction().execute(async tx => {
      let planned = 0
      const now = this.#clock().toISOString()
      for (const c of copies) {
        const row = await tx.insertInto('replicas')
          .values({ package_id: c.packageId, version: c.version, node_id: c.nodeId, state: 'planned', verified_at: null, bytes: null, detail: null, created_at: now, updated_at: now })
          .onConflict(oc => oc.columns(['package_id', 'version', 'node_id']).doNothing()).returningAll().executeTakeFirst()
        if (row === undefined) continue
        planned++
        await this.#event(tx, row, agent, null)
      }
      return planned
    })
  }

  /** The copies of these versions, every state. */
  async ofVersions (keys: ReadonlyArray<{ packageId: string, version: number }>): Promise<Replica[]> {
    if (keys.length === 0) return []
    const ids = [...new Set(keys.map(k => k.packageId))]
    const wanted = new Set(keys.map(k => `${k.packageId}\n${k.version}`))
    const rows = await this.#db.db.selectFrom('replicas').selectAll().where('package_id', 'in', ids).orderBy('package_id').orderBy('version').orderBy('node_id').execute()
    return rows.map(toReplica).filter(r => wanted.has(`${r.packageId}\n${r.version}`))
  }

  /** Package versions in key order after `after`, `limit` at a time: what placement walks. */
  async versions (after: { packageId: string, version: number } | null, limit: number): Promise<PlacedVersion[]> {
    let q = this.#db.db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id')
      .select(['versions.package_id as packageId', 'versions.number as version', 'packages.project_code as projectCode', 'versions.bytes as bytes'])
    if (after !== null) {
      q = q.where(eb => eb.or([eb('versions.package_id', '>', after.packageId), eb.and([eb('versions.package_id', '=', after.packageId), eb('versions.number', '>', after.version)])]))
    }
    return await q.orderBy('versions.package_id').orderBy('versions.number').limit(limit).execute()
  }

  /** Per node: verified copies and bytes (usage), planned or copying ones (lag), damaged or missing ones. */
  async load (): Promise<NodeLoad[]> {
    const rows = await this.#db.db.selectFrom('replicas')
      .select(eb => ['node_id', 'state', eb.fn.countAll<number>().as('n'), eb.fn.sum<number | null>('bytes').as('bytes'), eb.fn.min<string>('created_at').as('oldest')])
      .groupBy(['node_id', 'state']).execute()
    const byNode = new Map<string, NodeLoad>()
    for (const r of rows) {
      const load = byNode.get(r.node_id) ?? { nodeId: r.node_id, verified: 0, verifiedBytes: 0, pending: 0, oldestPendingAt: null, damaged: 0 }
      const n = Number(r.n)
      if (r.state === 'verified') { load.verified += n; load.verifiedBytes += Number(r.bytes ?? 0) }
      if (r.state === 'planned' || r.state === 'copying') {
        load.pending += n
        if (load.oldestPendingAt === null || r.oldest < load.oldestPendingAt) load.oldestPendingAt = r.oldest
      }
      if (r.state === 'damaged' || r.state === 'missing') load.damaged += n
      byNode.set(r.node_id, load)
    }
    return [...byNode.values()]
  }

  /** What the primary holds without replica rows: every version, and the store's bytes (content stored once). */
  async stored (): Promise<{ versions: number, bytes: number }> {
    const [v, p] = await Promise.all([
      this.#db.db.selectFrom('versions').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      this.#db.db.selectFrom('packages').select(eb => eb.fn.sum<number | null>('stored_bytes').as('bytes')).executeTakeFirstOrThrow()
    ])
    return { versions: Number(v.n), bytes: Number(p.bytes ?? 0) }
  }

  async #event (tx: Executor, row: ReplicaRow, agent: string, from: string | null): Promise<void> {
    await this.#events.append({
      type: `replica.${row.state}`, outcome: row.state === 'damaged' || row.state === 'missing' ? 'failure' : 'info', agent, objectType: 'package', objectId: row.package_id,
      detail: { version: row.version, node: row.node_id, from, bytes: row.bytes, detail: row.detail }
    }, tx)
  }
}
