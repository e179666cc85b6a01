import { CLASSIFICATIONS, type StorageNode } from '../catalogue/index.js'
import type { PlacementRule, Tier } from './placement-policy.js'

// The placement engine (issue 16 item 3): a pure function from nodes, a tier's rule and the copies a
// version has to the nodes it should be on and what stays unmet, with the reason in English and Chinese.
// It keeps every good copy it has and adds as few nodes as satisfy the rule; among those it prefers the
// most diverse set (provinces, regions, implementations, media, operators), then spare room, then calmer
// ground (lower PGA). The search is exhaustive for small node sets, so it finds a satisfying set whenever
// one exists; past SEARCH_LIMIT combinations it is greedy.

export type RuleName = 'copies' | 'provinces' | 'seismicRegions' | 'implementationsOrMedia' | 'clearance'

export interface Unmet {
  rule: RuleName
  required: number
  found: number
  en: string
  zh: string
}

export interface PlacementInput {
  nodes: readonly StorageNode[]
  rule: PlacementRule
  tier: Tier
  /** nodes with a copy that counts (verified, or in flight when planning) */
  held: readonly string[]
  /** a node's spare bytes (capacity less verified copies); unknown capacity is unbounded */
  spare?: ReadonlyMap<string, number>
  /** a node's PGA, in g, when its city is in seismic-zones.yaml */
  pga?: ReadonlyMap<string, number>
}

export interface Placement {
  /** held copies that count: on active nodes cleared for the tier */
  keep: string[]
  /** nodes to copy to */
  add: string[]
  /** rules the chosen set (keep + add) still does not meet */
  unmet: Unmet[]
  /** whether copies to non-primary nodes are to be encrypted with a key the node never sees */
  encrypt: boolean
}

const SEARCH_LIMIT = 20_000

const rank = (t: Tier): number => CLASSIFICATIONS.indexOf(t)

/** Whether a node may hold a copy of this tier: active and cleared for it. */
export const eligible = (n: StorageNode, tier: Tier): boolean => n.state === 'active' && rank(n.clearance) >= rank(tier)

const distinct = (nodes: readonly StorageNode[], key: (n: StorageNode) => string): number => new Set(nodes.map(key)).size

/** The rules `set` leaves unmet (clearance is judged on held copies, in place()). */
export function unmetBy (set: readonly StorageNode[], rule: PlacementRule, tier: Tier): Unmet[] {
  const unmet: Unmet[] = []
  const check = (name: Exclude<RuleName, 'clearance'>, found: number, en: string, zh: string): void => {
    const required = rule[name]
    if (found < required) unmet.push({ rule: name, required, found, en: `${en}; the ${tier} rule asks for at least ${required}`, zh: `${zh}；${tier}规则要求至少 ${required}` })
  }
  check('copies', set.length, `${set.length} good cop${set.length === 1 ? 'y' : 'ies'} on active nodes cleared for ${tier}`, `${set.length} 份有效副本位于获${tier}授权的在用节点`)
  const provinces = distinct(set, n => n.province)
  check('provinces', provinces, `the copies span ${provinces} province${provinces === 1 ? '' : 's'}`, `副本分布于 ${provinces} 个省份`)
  const regions = distinct(set, n => n.seismicRegion)
  check('seismicRegions', regions, `the copies span ${regions} seismic region${regions === 1 ? '' : 's'}`, `副本分布于 ${regions} 个地震区`)
  const kinds = Math.max(distinct(set, n => n.implementation), distinct(set, n => n.media))
  check('implementationsOrMedia', kinds, `the copies use ${kinds} implementation${kinds === 1 ? '' : 's'} or media at most`, `副本所用存储实现或介质至多 ${kinds} 种`)
  return unmet
}

export function place (input: PlacementInput): Placement {
  const { kept, uncleared } = split(input)
  const keptIds = new Set(kept.map(n => n.id))
  const candidates = input.nodes.filter(n => eligible(n, input.tier) && !keptIds.has(n.id))
  const add = choose(kept, candidates, input)
  return { keep: kept.map(n => n.id), add: add.map(n => n.id), unmet: [...clearance(uncleared, input.tier), ...unmetBy([...kept, ...add], input.rule, input.tier)], encrypt: input.rule.encrypted }
}

/** What the held copies alone leave unmet: why a version is out of policy now. */
export function assess (input: Omit<PlacementInput, 'spare' | 'pga'>): Unmet[] {
  const { kept, uncleared } = split(input)
  return [...clearance(uncleared, input.tier), ...unmetBy(kept, input.rule, input.tier)]
}

function split (input: Pick<PlacementInput, 'nodes' | 'held' | 'tier'>): { kept: StorageNode[], uncleared: StorageNode[] } {
  const byId = new Map(input.nodes.map(n => [n.id, n]))
  const held = [...new Set(input.held)].flatMap(id => byId.get(id) ?? [])
  return { kept: held.filter(n => eligible(n, input.tier)), uncleared: held.filter(n => n.state !== 'lost' && rank(n.clearance) < rank(input.tier)) }
}

function clearance (uncleared: readonly StorageNode[], tier: Tier): Unmet[] {
  if (uncleared.length === 0) return []
  const ids = uncleared.map(n => n.id).join(', ')
  return [{ rule: 'clearance', required: 0, found: uncleared.length, en: `copies on nodes not cleared for ${tier}: ${ids}`, zh: `副本位于未获${tier}授权的节点：${ids}` }]
}

function choose (kept: readonly StorageNode[], candidates: readonly StorageNode[], input: PlacementInput): StorageNode[] {
  const satisfied = (extra: readonly StorageNode[]): boolean => unmetBy([...kept, ...extra], input.rule, input.tier).length === 0
  if (satisfied([])) return []
  let budget = SEARCH_LIMIT
  for (let size = Math.max(1, input.rule.copies - kept.length); size <= candidates.length; size++) {
    let best: StorageNode[] | null = null
    for (const combo of combinations(candidates, size)) {
      if (--budget < 0) return greedy(kept, candidates, input)
      if (satisfied(combo) && (best === null || better(combo, best, kept, input))) best = combo
    }
    if (best !== null) return best
  }
  // No set satisfies the rule: as near as the nodes allow, and place() says what stays unmet.
  return greedy(kept, candidates, input)
}

/** Adds one node at a time, the one leaving the fewest shortfalls, until the rule is met or copies are enough and nothing helps. */
function greedy (kept: readonly StorageNode[], candidates: readonly StorageNode[], input: PlacementInput): StorageNode[] {
  const chosen: StorageNode[] = []
  const left = [...candidates]
  const shortfall = (set: readonly StorageNode[]): number => unmetBy(set, input.rule, input.tier).reduce((s, u) => s + u.required - u.found, 0)
  while (left.length > 0) {
    const now = shortfall([...kept, ...chosen])
    if (now === 0) break
    let bestIndex = 0
    for (let i = 1; i < left.length; i++) {
      const a = shortfall([...kept, ...chosen, left[i]!])
      const b = shortfall([...kept, ...chosen, left[bestIndex]!])
      if (a < b || (a === b && better([left[i]!], [left[bestIndex]!], [...kept, ...chosen], input))) bestIndex = i
    }
    if (shortfall([...kept, ...chosen, left[bestIndex]!]) >= now) break
    chosen.push(...left.splice(bestIndex, 1))
  }
  return chosen
}

/** Diversity first, then spare room, then lower ground acceleration, then ids (so the choice is stable). */
function better (a: readonly StorageNode[], b: readonly StorageNode[], kept: readonly StorageNode[], input: PlacementInput): boolean {
  const diversity = (extra: readonly StorageNode[]): number => {
    const set = [...kept, ...extra]
    return distinct(set, n => n.province) + distinct(set, n => n.seismicRegion) + distinct(set, n => n.implementation) + distinct(set, n => n.media) + distinct(set, n => n.operator)
  }
  const spare = (extra: readonly StorageNode[]): number => Math.min(...extra.map(n => input.spare?.get(n.id) ?? Number.MAX_SAFE_INTEGER))
  const pga = (extra: readonly StorageNode[]): number => extra.reduce((s, n) => s + (input.pga?.get(n.id) ?? 0), 0)
  const d = diversity(a) - diversity(b)
  if (d !== 0) return d > 0
  const s = spare(a) - spare(b)
  if (s !== 0) return s > 0
  const g = pga(a) - pga(b)
  if (g !== 0) return g < 0
  return a.map(n => n.id).join() < b.map(n => n.id).join()
}

function * combinations<T> (items: readonly T[], size: number, start = 0, prefix: T[] = []): Generator<T[]> {
  if (prefix.length === size) { yield [...prefix]; return }
  for (let i = start; i <= items.length - (size - prefix.length); i++) {
    prefix.push(items[i]!)
    yield * combinations(items, size, i + 1, prefix)
    prefix.pop()
  }
}
