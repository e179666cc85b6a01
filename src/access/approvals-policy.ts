import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Type, type Static, type TNull, type TNumber, type TUnion } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isNode, LineCounter, parseDocument, type Document } from 'yaml'
import { LantaiError } from '../errors.js'

// storage-policies/approvals.yaml: how long two-person requests wait, and the aggregation caps on
// pipeline-survey data (BRIEF §5; security-tiers.yaml aggregation_triggers). Checked at start: every
// problem is named as file:line:col and key, so a typo ("fles:") stops the service rather than
// leaving a cap silently off.

const Hours = (description: string, dflt: number): TNumber => Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366, default: dflt, description })

export const RequestSettings = Type.Object({
  ttlHours: Type.Object({
    'export-classified': Hours('how long a request to export classified material waits for its decision', 72),
    'delete-package': Hours('how long a deletion request waits', 168),
    declassify: Hours('how long a declassification request waits', 168),
    'access-policy-change': Hours('how long a change of the access policy waits', 72),
    'aggregation-scope': Hours('how long a request to lift the aggregation cap waits', 24)
  }, { additionalProperties: false, default: {} }),
  grantHours: Hours('how long an approved export waits to be carried out before it lapses', 24),
  sweepMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 1440, default: 10, description: 'how often undecided requests past their time are expired' })
}, { additionalProperties: false, default: {} })

const Cap = (description: string): TUnion<[TNumber, TNull]> => Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { default: null, description })

export const AggregationSettings = Type.Object({
  windowHours: Hours('the sliding window a person\'s reads are summed over', 24),
  caps: Type.Object({
    files: Cap('distinct pipeline-survey files one person may read in the window (null: no cap)'),
    mapSheets: Cap('distinct map sheets'),
    areaKm2: Cap('km² of distinct files; security-tiers.yaml: > 25 km² continuous coverage is 秘密')
  }, { additionalProperties: false, default: {} }),
  maxScopeHours: Hours('the longest an approved aggregation scope may last', 72)
}, { additionalProperties: false, default: {} })

export const ApprovalsPolicy = Type.Object({
  requests: RequestSettings,
  aggregation: AggregationSettings
}, { additionalProperties: false })
export type ApprovalsPolicy = Static<typeof ApprovalsPolicy>
export type AggregationSettings = Static<typeof AggregationSettings>

export const DEFAULT_APPROVALS_POLICY: ApprovalsPolicy = Value.Default(ApprovalsPolicy, {}) as ApprovalsPolicy

/** Reads storage-policies/approvals.yaml (none: the defaults, no caps). Throws one CONFIG_INVALID naming every problem. */
export async function loadApprovalsPolicy (policiesDir: string): Promise<ApprovalsPolicy> {
  const file = join(policiesDir, 'approvals.yaml')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULT_APPROVALS_POLICY)
    throw new LantaiError('CONFIG_INVALID', `${file}: ${(err as Error).message}`, { file })
  }
  return parseApprovalsPolicy(file, text)
}

export function parseApprovalsPolicy (file: string, text: string): ApprovalsPolicy {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const place = (offset: number): string => { const p = lines.linePos(offset); return `${file}:${p.line}:${p.col}` }
  const problems: string[] = doc.errors.map(e => `${place(e.pos[0])} ${e.message}`)
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', problems.join('; '), { file, problems })
  const merged = Value.Default(ApprovalsPolicy, structuredClone(doc.toJS() ?? {}))
  for (const e of Value.Errors(ApprovalsPolicy, merged)) problems.push(`${place(offsetOf(doc, e.path))} ${e.path.slice(1).replace(/\//g, '.') || '(top)'}: ${e.message}`)
  if (problems.length === 0) {
    const p = merged as ApprovalsPolicy
    if (p.aggregation.maxScopeHours < p.aggregation.windowHours) problems.push(`${place(offsetOf(doc, '/aggregation/maxScopeHours'))} aggregation.maxScopeHours: shorter than windowHours, a scope could not cover one window`)
  }
  if (problems.length > 0) throw new LantaiError('CONFIG_INVALID', problems.join('; '), { file, problems })
  return merged as ApprovalsPolicy
}

/** Where the deepest node on `path` that the document has begins (a missing key: its parent). */
function offsetOf (doc: Document, path: string): number {
  const keys: Array<string | number> = path.split('/').slice(1).map(k => /^\d+$/.test(k) ? Number(k) : k.replace(/~1/g, '/').replace(/~0/g, '~'))
  for (let n = keys.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true)
    if (isNode(node) && node.range != null) return node.range[0]
  }
  return 0
}
