import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { CLASSIFICATIONS, type Classification } from '../catalogue/index.js'
import { fail, formatProblem, parsePolicy, readPolicyText, type PolicyProblem } from './policy-file.js'

// storage-policies/placement.yaml: how many copies each tier needs and how spread (issue 16 item 3;
// BRIEF §6; research-preservation.md §11.4). Clearance is not a setting: a copy of a tier goes only to a
// node cleared for it (保守国家秘密法), and classified copies leave the primary only encrypted with keys
// the node never sees, so `encrypted: false` for 秘密 or 机密 is refused.

export type Tier = Classification
export const TIERS: readonly Tier[] = CLASSIFICATIONS

export const PlacementRule = Type.Object({
  copies: Type.Integer({ minimum: 1, maximum: 20, default: 3, description: 'verified copies, the primary\'s included' }),
  provinces: Type.Integer({ minimum: 1, maximum: 20, default: 2, description: 'different provinces the copies span' }),
  seismicRegions: Type.Integer({ minimum: 1, maximum: 20, default: 2, description: 'different seismic regions the copies span' }),
  implementationsOrMedia: Type.Integer({ minimum: 1, maximum: 20, default: 2, description: 'different storage implementations, or different media, among the copies (异质备份)' }),
  encrypted: Type.Boolean({ default: false, description: 'copies leave the primary encrypted, with keys the node never sees' })
}, { additionalProperties: false })
export type PlacementRule = Static<typeof PlacementRule>

const PlacementFile = Type.Object({
  tiers: Type.Object(Object.fromEntries(TIERS.map(t => [t, Type.Optional(PlacementRule)])), { additionalProperties: false, default: {} })
}, { additionalProperties: false })

export interface PlacementPolicy {
  rules: Record<Tier, PlacementRule>
  /** where each rule's key is written ('非密.provinces' → 'placement.yaml:4:5'), to name it in a warning */
  where (tier: Tier, key?: keyof PlacementRule): string
}

const CLASSIFIED: readonly Tier[] = ['秘密', '机密']

/** The rule a tier gets when the file does not give one: the BRIEF's example, encrypted when classified. */
export const defaultRule = (tier: Tier): PlacementRule => ({ ...Value.Default(PlacementRule, {}) as PlacementRule, encrypted: CLASSIFIED.includes(tier) })

export async function loadPlacementPolicy (policiesDir: string): Promise<PlacementPolicy> {
  const file = join(policiesDir, 'placement.yaml')
  const text = await readPolicyText(file)
  return parsePlacementPolicy(file, text ?? '')
}

/** CONFIG_INVALID naming every problem by file:line:col and key. */
export function parsePlacementPolicy (file: string, text: string): PlacementPolicy {
  const doc = parsePolicy<{ tiers: Partial<Record<Tier, PlacementRule>> }>(file, text, PlacementFile)
  const rules = Object.fromEntries(TIERS.map(t => [t, doc.value.tiers[t] ?? defaultRule(t)])) as Record<Tier, PlacementRule>
  const problems: PolicyProblem[] = []
  for (const t of TIERS) {
    const r = rules[t]
    if (CLASSIFIED.includes(t) && !r.encrypted) problems.push(doc.at(`/tiers/${t}/encrypted`, `${t} copies leave the primary only encrypted`))
    for (const key of ['provinces', 'seismicRegions', 'implementationsOrMedia'] as const) {
      if (r[key] > r.copies) problems.push(doc.at(`/tiers/${t}/${key}`, `${r[key]} ${key} need at least as many copies, the rule asks for ${r.copies}`))
    }
  }
  if (problems.length > 0) fail(file, problems)
  const where = (tier: Tier, key?: keyof PlacementRule): string => {
    const p = doc.at(`/tiers/${tier}${key === undefined ? '' : `/${key}`}`, '')
    return formatProblem({ ...p, key: `tiers.${tier}${key === undefined ? '' : `.${key}`}`, message: '' }).replace(/: $/, '')
  }
  return { rules, where }
}
