import type { Catalogue, NodeLoad, PlacedVersion, Replica, StorageNode, StorageNodeInput } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import type { Logger } from '../logger.js'
import { probe, type Reachability } from './health.js'
import { nodeProblems, toNodeInput, type NodeDefinition } from './nodes.js'
import { TIERS, type PlacementPolicy, type Tier } from './placement-policy.js'
import { assess, place, type Unmet } from './placement.js'
import type { SeismicZones } from './seismic.js'
import { labelled, type TierOf } from './tier.js'

// Nodes, placement and violations as one service over the catalogue (issue 16 items 2-3), for the admin
// API and start-up. Placement is re-run whenever nodes change (and at start, when the rules may have):
// each version's missing copies are planned in the replicas table, which the replication queue will work
// through. Violations are judged on verified copies only: a planned copy is not a copy.

const BATCH = 500

export interface ReplicationOptions {
  catalogue: Catalogue
  zones: SeismicZones
  policy: PlacementPolicy
  /** a LANTAI_* variable's value, to check that a node's credential variables are set */
  secretOf: (name: string) => string | undefined
  /** LANTAI_DATA: relative filesystem node paths start here */
  dataDir: string
  tierOf?: TierOf
  probeTimeoutMs?: number
  log?: Logger
}

export interface NodeStatus extends StorageNode {
  health: Reachability
  usage: { copies: number, bytes: number, spareBytes: number | null, damaged: number }
  lag: { pending: number, oldestPendingAt: string | null, seconds: number }
}

export interface Copy { node: string, state: Replica['state'] }

export interface Violation {
  packageId: string
  version: number
  projectCode: string
  tier: Tier
  copies: Copy[]
  unmet: Unmet[]
  /** false when no set of the configured nodes could satisfy the tier's rule */
  satisfiable: boolean
}

export interface RuleProblem { tier: Tier, where: string, unmet: Unmet[] }

export type NodePatch = Partial<Omit<NodeDefinition, 'id'>>

export class ReplicationService {
  readonly #o: ReplicationOptions
  readonly #tierOf: TierOf

  constructor (options: ReplicationOptions) {
    this.#o = options
    this.#tierOf = options.tierOf ?? labelled(options.catalogue)
  }

  get policy (): PlacementPolicy { return this.#o.policy }

  /** Every node with its reachability (probed now, in parallel), usage and lag. */
  async nodes (): Promise<NodeStatus[]> {
    const [nodes, load, stored] = await Promise.all([this.#o.catalogue.nodes.list(), this.#o.catalogue.replicas.load(), this.#o.catalogue.replicas.stored()])
    const byNode = new Map(load.map(l => [l.nodeId, l]))
    return await Promise.all(nodes.map(async n => await this.#status(n, byNode.get(n.id), stored)))
  }

  async node (id: string): Promise<NodeStatus> {
    const n = await this.#o.catalogue.nodes.get(id)
    if (n === null) throw new LantaiError('NODE_NOT_FOUND', id, { id })
    return await this.#status(n, (await this.#o.catalogue.replicas.load()).find(l => l.nodeId === id), await this.#o.catalogue.replicas.stored())
  }

  /** Registers a node from the admin API, after checking it; placement re-runs. */
  async register (def: NodeDefinition, agent: string): Promise<NodeStatus> {
    const input = toNodeInput(def)
    this.#check(def)
    if (input.state === 'active') await this.#reachable(input)
    const node = await this.#o.catalogue.nodes.create(input, agent)
    await this.replan(agent)
    return await this.node(node.id)
  }

  /** Changes a node (state always; other settings of API nodes only); placement re-runs. */
  async change (id: string, patch: NodePatch, agent: string): Promise<NodeStatus> {
    const before = await this.#o.catalogue.nodes.get(id)
    if (before === null) throw new LantaiError('NODE_NOT_FOUND', id, { id })
    const merged = (n: StorageNode): StorageNodeInput => toNodeInput({ ...toDefinition(n), ...patch })
    this.#check({ ...toDefinition(before), ...patch })
    const input = merged(before)
    // a node that is to take copies must answer first; a node being drained or declared lost need not
    const moved = input.kind !== before.kind || input.endpoint !== before.endpoint || input.path !== before.path
    if (input.state === 'active' && (before.state !== 'active' || moved)) await this.#reachable(input)
    const { changed } = await this.#o.catalogue.nodes.update(id, merged, agent)
    if (changed) await this.replan(agent)
    return await this.node(id)
  }

  /** Makes the registry match nodes.yaml; see StorageNodeRepository.syncFromPolicy. */
  async syncFromPolicy (inputs: readonly StorageNodeInput[]): Promise<string[]> {
    return (await this.#o.catalogue.nodes.syncFromPolicy(inputs)).changed
  }

  /** Active nodes that do not answer their probe now, naming the field to look at (endpoint or path). */
  async unreachable (): Promise<Array<{ id: string, field: 'endpoint' | 'path', detail: string }>> {
    const active = (await this.#o.catalogue.nodes.list()).filter(n => n.state === 'active')
    const probed = await Promise.all(active.map(async n => ({ n, r: await probe(n, this.#o.dataDir, this.#o.probeTimeoutMs) })))
    return probed.filter(p => !p.r.reachable).map(({ n, r }) => ({ id: n.id, field: n.kind === 's3' ? 'endpoint' as const : 'path' as const, detail: r.detail }))
  }

  /** The tiers whose rule no set of the configured nodes can satisfy, with why and where the rule is written. */
  async ruleProblems (): Promise<RuleProblem[]> {
    const nodes = await this.#o.catalogue.nodes.list()
    return TIERS.flatMap(tier => {
      const unmet = place({ nodes, rule: this.#o.policy.rules[tier], tier, held: [] }).unmet
      return unmet.length === 0 ? [] : [{ tier, where: this.#o.policy.where(tier), unmet }]
    })
  }

  /** Every package version out of policy now, with why; paged after the whole catalogue is judged. */
  async violations (page: { limit: number, offset: number }): Promise<{ items: Violation[], total: number }> {
    const nodes = await this.#o.catalogue.nodes.list()
    const unsatisfiable = new Set((await this.ruleProblems()).map(p => p.tier))
    const all: Violation[] = []
    await this.#walk(async (v, replicas) => {
      const tier = await this.#tierOf(v)
      const copies = copiesOf(nodes, replicas)
      const unmet = assess({ nodes, rule: this.#o.policy.rules[tier], tier, held: copies.filter(c => c.state === 'verified').map(c => c.node) })
      if (unmet.length > 0) all.push({ packageId: v.packageId, version: v.version, projectCode: v.projectCode, tier, copies, unmet, satisfiable: !unsatisfiable.has(tier) })
    })
    return { items: all.slice(page.offset, page.offset + page.limit), total: all.length }
  }

  /** Plans the copies every version lacks (copies in flight count as held); returns how many were planned. */
  async replan (agent = 'system'): Promise<number> {
    const nodes = await this.#o.catalogue.nodes.list()
    const load = new Map((await this.#o.catalogue.replicas.load()).map(l => [l.nodeId, l]))
    const spare = new Map(nodes.flatMap(n => n.capacityBytes === null ? [] : [[n.id, n.capacityBytes - (load.get(n.id)?.verifiedBytes ?? 0)] as const]))
    const pga = new Map(nodes.flatMap(n => { const c = this.#o.zones.cities.get(n.city); return c === undefined ? [] : [[n.id, c.pgaG] as const] }))
    let planned = 0
    await this.#walk(async (v, replicas) => {
      const tier = await this.#tierOf(v)
      const held = copiesOf(nodes, replicas).filter(c => c.state === 'verified' || c.state === 'planned' || c.state === 'copying').map(c => c.node)
      const { add } = place({ nodes, rule: this.#o.policy.rules[tier], tier, held, spare, pga })
      planned += await this.#o.catalogue.replicas.plan(add.map(nodeId => ({ packageId: v.packageId, version: v.version, nodeId })), agent)
    })
    if (planned > 0) this.#o.log?.info({ planned }, 'copies planned by placement')
    return planned
  }

  /**
   * Places newly stored versions (the replication queue calls it for each `package.version` event), as
   * replan() does for all: returns how many copies were planned.
   */
  async placeVersions (keys: ReadonlyArray<{ packageId: string, version: number }>, agent = 'system'): Promise<number> {
    if (keys.length === 0) return 0
    const nodes = await this.#o.catalogue.nodes.list()
    const load = new Map((await this.#o.catalogue.replicas.load()).map(l => [l.nodeId, l]))
    const spare = new Map(nodes.flatMap(n => n.capacityBytes === null ? [] : [[n.id, n.capacityBytes - (load.get(n.id)?.verifiedBytes ?? 0)] as const]))
    const pga = new Map(nodes.flatMap(n => { const c = this.#o.zones.cities.get(n.city); return c === undefined ? [] : [[n.id, c.pgaG] as const] }))
    let planned = 0
    for (const k of keys) {
      // the version itself: the first in key order after its predecessor
      const [v] = await this.#o.catalogue.replicas.versions({ packageId: k.packageId, version: k.version - 1 }, 1)
      if (v === undefined || v.packageId !== k.packageId || v.version !== k.version) continue
      const replicas = await this.#o.catalogue.replicas.ofVersions([v])
      const tier = await this.#tierOf(v)
      const held = copiesOf(nodes, replicas).filter(c => c.state === 'verified' || c.state === 'planned' || c.state === 'copying').map(c => c.node)
      const { add } = place({ nodes, rule: this.#o.policy.rules[tier], tier, held, spare, pga })
      planned += await this.#o.catalogue.replicas.plan(add.map(nodeId => ({ packageId: v.packageId, version: v.version, nodeId })), agent)
    }
    return planned
  }

  /** The tier of a stored version, as placement judges it (the queue holds copies above 非密). */
  async tierOf (v: PlacedVersion): Promise<Tier> { return await this.#tierOf(v) }

  async #walk (visit: (v: PlacedVersion, replicas: Replica[]) => Promise<void>): Promise<void> {
    let after: PlacedVersion | null = null
    for (;;) {
      const batch: PlacedVersion[] = await this.#o.catalogue.replicas.versions(after, BATCH)
      if (batch.length === 0) return
      const replicas = await this.#o.catalogue.replicas.ofVersions(batch)
      for (const v of batch) await visit(v, replicas.filter(r => r.packageId === v.packageId && r.version === v.version))
      after = batch[batch.length - 1]!
    }
  }

  #check (def: NodeDefinition): void {
    const problems = nodeProblems(def, this.#o.zones, this.#o.secretOf)
    if (problems.length === 0) return
    const findings = problems.map(p => ({ code: p.code, field: p.field, message: p.message }))
    const code = problems.every(p => p.code === 'NODE_CREDENTIAL_MISSING') ? 'NODE_CREDENTIAL_MISSING' : 'NODE_INVALID'
    throw new LantaiError(code, problems.map(p => `${p.field}: ${p.message}`).join('; '), { id: def.id, findings })
  }

  async #reachable (node: StorageNodeInput): Promise<void> {
    const r = await probe(node, this.#o.dataDir, this.#o.probeTimeoutMs)
    if (r.reachable) return
    const field = node.kind === 's3' ? 'endpoint' : 'path'
    throw new LantaiError('NODE_UNREACHABLE', `${field}: ${r.detail}`, { id: node.id, findings: [{ code: 'NODE_UNREACHABLE', field, message: r.detail }] })
  }

  async #status (n: StorageNode, load: NodeLoad | undefined, stored: { versions: number, bytes: number }): Promise<NodeStatus> {
    const health = await probe(n, this.#o.dataDir, this.#o.probeTimeoutMs)
    // the primary is the store: it holds every version whether or not a replica row says so
    const copies = n.primary ? stored.versions : load?.verified ?? 0
    const bytes = n.primary ? stored.bytes : load?.verifiedBytes ?? 0
    const oldest = load?.oldestPendingAt ?? null
    return {
      ...n,
      health,
      usage: { copies, bytes, spareBytes: n.capacityBytes === null ? null : n.capacityBytes - bytes, damaged: load?.damaged ?? 0 },
      lag: { pending: load?.pending ?? 0, oldestPendingAt: oldest, seconds: oldest === null ? 0 : Math.max(0, Math.round((Date.now() - Date.parse(oldest)) / 1000)) }
    }
  }
}

/**
 * A version's copies: its replica rows, and the primary's, which holds every stored version unless a row
 * says its copy is damaged or missing.
 */
function copiesOf (nodes: readonly StorageNode[], replicas: readonly Replica[]): Copy[] {
  const copies: Copy[] = replicas.map(r => ({ node: r.nodeId, state: r.state }))
  for (const n of nodes) {
    if (n.primary && !replicas.some(r => r.nodeId === n.id)) copies.unshift({ node: n.id, state: 'verified' })
  }
  return copies
}

const toDefinition = (n: StorageNode): NodeDefinition => ({
  id: n.id,
  kind: n.kind,
  primary: n.primary,
  ...(n.endpoint === null ? {} : { endpoint: n.endpoint }),
  ...(n.bucket === null ? {} : { bucket: n.bucket }),
  ...(n.path === null ? {} : { path: n.path }),
  ...(n.credentials === null ? {} : { credentials: n.credentials }),
  province: n.province,
  city: n.city,
  seismicRegion: n.seismicRegion,
  media: n.media,
  operator: n.operator,
  implementation: n.implementation,
  clearance: n.clearance,
  state: n.state,
  ...(n.capacityBytes === null ? {} : { capacityBytes: n.capacityBytes })
})
