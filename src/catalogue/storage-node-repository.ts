import type { Selectable } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { Executor, StorageNodesTable } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { Classification } from './project-repository.js'
import { fromJson, mapViolation, type Clock } from './sql.js'

// The storage nodes copies go to (issue 16 item 2). Credentials are not kept here: a node names the
// LANTAI_* variables holding them, so a catalogue dump never carries a key. Nodes come from
// storage-policies/nodes.yaml ('policy') or the admin API ('api'); every change is an event.
//
// A node's state is the operators' to change at run time (a node is lost at 3 a.m., not at the next
// deploy): the policy file sets it when it first declares a node, the API changes it after that, and a
// restart does not put a lost node back.

export const NODE_KINDS = ['s3', 'filesystem'] as const
export type NodeKind = typeof NODE_KINDS[number]
export const NODE_STATES = ['active', 'draining', 'lost'] as const
export type NodeState = typeof NODE_STATES[number]
export type NodeSource = 'policy' | 'api'

/** The LANTAI_* variables holding an S3 node's keys (never the keys). */
export interface NodeCredentials { accessKeyEnv: string, secretKeyEnv: string }

export interface StorageNode {
  id: string
  kind: NodeKind
  /** the node holding the OCFL store this service writes; it has every stored version */
  primary: boolean
  endpoint: string | null
  bucket: string | null
  /** a filesystem node's directory (NAS mount, offline media) */
  path: string | null
  credentials: NodeCredentials | null
  province: string
  city: string
  /** a region key of storage-policies/seismic-zones.yaml */
  seismicRegion: string
  media: string
  operator: string
  implementation: string
  /** the highest tier it may hold */
  clearance: Classification
  state: NodeState
  capacityBytes: number | null
  source: NodeSource
  createdAt: string
  updatedAt: string
}

export type StorageNodeInput = Omit<StorageNode, 'source' | 'createdAt' | 'updatedAt'>

type NodeRow = Selectable<StorageNodesTable>

export const toStorageNode = (r: NodeRow): StorageNode => ({
  id: r.id,
  kind: r.kind as NodeKind,
  primary: r.is_primary === 1,
  endpoint: r.endpoint,
  bucket: r.bucket,
  path: r.path,
  credentials: fromJson(r.credential_env) as NodeCredentials | null,
  province: r.province,
  city: r.city,
  seismicRegion: r.seismic_region,
  media: r.media,
  operator: r.operator,
  implementation: r.implementation,
  clearance: r.clearance as Classification,
  state: r.state as NodeState,
  capacityBytes: r.capacity_bytes,
  source: r.source as NodeSource,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

const SETTINGS = ['kind', 'primary', 'endpoint', 'bucket', 'path', 'credentials', 'province', 'city', 'seismicRegion', 'media', 'operator', 'implementation', 'clearance', 'capacityBytes'] as const

/** The settings (all but state) that differ between a node and an input. */
const changedSettings = (a: StorageNode, b: StorageNodeInput): string[] =>
  SETTINGS.filter(k => JSON.stringify(a[k]) !== JSON.stringify(b[k]))

const toRow = (n: StorageNodeInput) => ({
  kind: n.kind,
  is_primary: n.primary ? 1 : 0,
  endpoint: n.endpoint,
  bucket: n.bucket,
  path: n.path,
  credential_env: n.credentials === null ? null : JSON.stringify(n.credentials),
  province: n.province,
  city: n.city,
  seismic_region: n.seismicRegion,
  media: n.media,
  operator: n.operator,
  implementation: n.implementation,
  clearance: n.clearance,
  capacity_bytes: n.capacityBytes
})

/** What an event says of a node: everything but timestamps (credentials are variable names only). */
const described = (n: StorageNode): Record<string, unknown> => { const { createdAt: _c, updatedAt: _u, ...rest } = n; return rest }

export class StorageNodeRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  async list (): Promise<StorageNode[]> {
    return (await this.#db.db.selectFrom('storage_nodes').selectAll().orderBy('id').execute()).map(toStorageNode)
  }

  async get (id: string): Promise<StorageNode | null> {
    const row = await this.#db.db.selectFrom('storage_nodes').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? null : toStorageNode(row)
  }

  /** Registers a node from the admin API: NODE_EXISTS when the id is taken. */
  async create (input: StorageNodeInput, agent: string): Promise<StorageNode> {
    return await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const row = await tx.insertInto('storage_nodes').values({ id: input.id, ...toRow(input), state: input.state, source: 'api', created_at: now, updated_at: now })
        .returningAll().executeTakeFirstOrThrow()
      const node = toStorageNode(row)
      await this.#event(tx, 'node.created', agent, node, {})
      return node
    }), v => v.kind === 'unique' ? new LantaiError('NODE_EXISTS', input.id, { id: input.id }) : undefined)
  }

  /**
   * Changes a node from the admin API: its state always; its other settings only when the API made it
   * (NODE_FROM_POLICY otherwise). One event per kind of change; nothing changed writes nothing.
   */
  async update (id: string, change: (before: StorageNode) => StorageNodeInput, agent: string): Promise<{ node: StorageNode, changed: boolean }> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.selectFrom('storage_nodes').selectAll().where('id', '=', id).executeTakeFirst()
      if (row === undefined) throw new LantaiError('NODE_NOT_FOUND', id, { id })
      const before = toStorageNode(row)
      const input = change(before)
      const settings = changedSettings(before, input)
      if (settings.length > 0 && before.source === 'policy') {
        throw new LantaiError('NODE_FROM_POLICY', `${id} is declared in storage-policies/nodes.yaml; change ${settings.join(', ')} there (only its state changes here)`, { id, fields: settings })
      }
      return await this.#write(tx, before, input, before.source, agent, settings)
    })
  }

  /**
   * Makes the catalogue match the policy file: its nodes created or their settings changed (marked
   * 'policy'); a node's state is the file's only when the node is new. A policy node the file no longer
   * lists is drained, never deleted (replicas reference it). API nodes are left alone unless the file
   * now declares the same id.
   */
  async syncFromPolicy (inputs: readonly StorageNodeInput[], agent = 'system'): Promise<{ changed: string[] }> {
    return await this.#db.db.transaction().execute(async tx => {
      const current = new Map((await tx.selectFrom('storage_nodes').selectAll().execute()).map(r => [r.id, toStorageNode(r)]))
      const changed: string[] = []
      for (const input of inputs) {
        const before = current.get(input.id)
        if (before === undefined) {
          const now = this.#clock().toISOString()
          const row = await tx.insertInto('storage_nodes').values({ id: input.id, ...toRow(input), state: input.state, source: 'policy', created_at: now, updated_at: now })
            .returningAll().executeTakeFirstOrThrow()
          await this.#event(tx, 'node.created', agent, toStorageNode(row), {})
          changed.push(input.id)
          continue
        }
        const { changed: c } = await this.#write(tx, before, { ...input, state: before.state }, 'policy', agent, changedSettings(before, input))
        if (c) changed.push(input.id)
      }
      const listed = new Set(inputs.map(i => i.id))
      for (const n of current.values()) {
        if (n.source !== 'policy' || listed.has(n.id) || n.state !== 'active') continue
        await this.#write(tx, n, { ...n, state: 'draining' }, 'policy', agent, [])
        changed.push(n.id)
      }
      return { changed }
    })
  }

  async #write (tx: Executor, before: StorageNode, input: StorageNodeInput, source: NodeSource, agent: string, settings: string[]): Promise<{ node: StorageNode, changed: boolean }> {
    const stateChanged = before.state !== input.state
    if (settings.length === 0 && !stateChanged && before.source === source) return { node: before, changed: false }
    const row = await tx.updateTable('storage_nodes').set({ ...toRow(input), state: input.state, source, updated_at: this.#clock().toISOString() })
      .where('id', '=', before.id).returningAll().executeTakeFirstOrThrow()
    const node = toStorageNode(row)
    if (settings.length > 0 || before.source !== source) await this.#event(tx, 'node.changed', agent, node, { fields: settings })
    // node.active, node.draining, node.lost: what placement and the violations list react to
    if (stateChanged) await this.#event(tx, `node.${node.state}`, agent, node, { from: before.state })
    return { node, changed: true }
  }

  async #event (tx: Executor, type: string, agent: string, node: StorageNode, extra: Record<string, unknown>): Promise<void> {
    await this.#events.append({ type, outcome: 'info', agent, objectType: 'system', objectId: `node:${node.id}`, detail: { ...described(node), ...extra } }, tx)
  }
}
