import { CLEARANCES, type Clearance } from '../auth/roles.js'
import { LantaiError } from '../errors.js'

// Tier labels (issue 15 item 2, BRIEF §5). Tiers are the clearances: 非密 < 秘密 < 机密. 绝密 has no place
// in a city construction archive (security-tiers.yaml, TOP_SECRET: "normally not in city construction
// archives"; lantai_enforcement: refused with the reason, never partially stored), so it is refused at
// ingest rather than stored under a lower label.

export type Tier = Clearance
export const TIERS: readonly Tier[] = CLEARANCES

/** What a file's metadata record (metadata/files.jsonl) may say of its classification, and the tier each means. */
export const CLASSIFICATION_TIERS: Readonly<Record<string, Tier | 'refused'>> = {
  公开: '非密', 内部: '非密', 非密: '非密', 秘密: '秘密', 机密: '机密', 绝密: 'refused'
}

/** Pipeline-survey data (地下管线测绘数据) and files of a classified project are at least this (BRIEF §5). */
export const PIPELINE_FLOOR: Tier = '秘密'
/** The filing-scope item that is pipeline data whatever the policy says (acceptance.yaml D-11). */
export const PIPELINE_ITEM = 'D-11'
export const PIPELINE_CATEGORY = 'pipeline-survey'

export const rank = (t: Tier): number => TIERS.indexOf(t)
export const isTier = (s: string): s is Tier => (TIERS as readonly string[]).includes(s)
/** Whether a caller of `clearance` may see something labelled `tier`. */
export const clears = (clearance: Clearance, tier: Tier): boolean => rank(clearance) >= rank(tier)
/** The tiers a caller of `clearance` may see: what the catalogue queries filter on. */
export const visibleTiers = (clearance: Clearance): Tier[] => TIERS.filter(t => clears(clearance, t))
export const highest = (tiers: Iterable<Tier>, floor: Tier = '非密'): Tier => {
  let out = floor
  for (const t of tiers) if (rank(t) > rank(out)) out = t
  return out
}

/** A file's label, as the catalogue keeps it (package_files, migration 0015). */
export interface FileLabel {
  tier: Tier
  pipelineSurvey: boolean
  /** map-sheet numbers (图幅号) of pipeline-survey data; empty when none were given */
  mapSheets: string[]
  areaKm2: number | null
}

/**
 * What the aggregation guard counts of one read of pipeline-survey data (issue 15 item 5). The guard
 * (src/access/aggregation*) declares the same shape; these are the fields of package_files it comes from.
 */
export interface PipelineRead { packageId: string, path: string, mapSheets: string[], areaKm2: number | null }

export interface LabelSource {
  /** the file's record from metadata/files.jsonl, when the bag has one */
  metadata?: Readonly<Record<string, unknown>>
  /** the filing-scope item acceptance filed it under */
  scopeItem?: string | null
  /** whether the policy flags that item `pipeline: true` */
  pipelineItem?: boolean
  /** the project's own tier: files of a classified project are at least 秘密 */
  projectTier?: Tier
}

/**
 * A file's label from its metadata and the policy. Throws ACCESS_TIER_REFUSED for 绝密 and
 * ACCESS_LABEL_INVALID for a classification that is none of the policy's values.
 */
export function labelOf (path: string, source: LabelSource): FileLabel {
  const md = source.metadata ?? {}
  const declared = md.classification
  let tier: Tier = '非密'
  if (declared !== undefined && declared !== null && declared !== '') {
    const t = typeof declared === 'string' ? CLASSIFICATION_TIERS[declared] : undefined
    if (t === 'refused') throw new LantaiError('ACCESS_TIER_REFUSED', `${path} is marked ${String(declared)}`, { path, classification: declared })
    if (t === undefined) throw new LantaiError('ACCESS_LABEL_INVALID', `${path}: classification ${JSON.stringify(declared)}`, { path, classification: declared })
    tier = t
  }
  const pipelineSurvey = source.scopeItem === PIPELINE_ITEM || source.pipelineItem === true || md.category === PIPELINE_CATEGORY
  const floors: Tier[] = [tier]
  if (pipelineSurvey) floors.push(PIPELINE_FLOOR)
  if (source.projectTier !== undefined && source.projectTier !== '非密') floors.push(PIPELINE_FLOOR, source.projectTier)
  const mapSheets = Array.isArray(md.mapSheets) ? md.mapSheets.filter((s): s is string | number => typeof s === 'string' || typeof s === 'number').map(String) : []
  const areaKm2 = typeof md.areaKm2 === 'number' && Number.isFinite(md.areaKm2) && md.areaKm2 >= 0 ? md.areaKm2 : null
  return { tier: highest(floors), pipelineSurvey, mapSheets, areaKm2 }
}

/** A package's tier: the highest of its files' and its project's (BRIEF §5). */
export function tierOfPackage (files: Iterable<{ tier: Tier }>, projectTier: Tier = '非密'): Tier {
  const tiers: Tier[] = []
  for (const f of files) tiers.push(f.tier)
  return highest(tiers, projectTier)
}
