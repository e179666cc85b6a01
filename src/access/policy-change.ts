import { Type, type Static, type TNull, type TNumber, type TUnion } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Catalogue } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { ApprovalsPolicy } from './approvals-policy.js'

// The access policy's run-time part (issue 15 item 6: "changes of the access policy need a request and an
// approval by a different person"). storage-policies/approvals.yaml is the policy a service starts with;
// an executed access-policy-change request is a change of one of its sections, kept in the catalogue as
// that request (its parameters, committed with its event and audit row), so a restart, and every other
// process on the same catalogue, applies it too. The policy in force is the file with every executed
// change laid over it, oldest first; editing the file later does not undo a change made here.
//
// What may change is what the guard and the engine read at each decision: the aggregation window, caps
// and longest scope, and how long requests wait and approvals last. The sweep's interval is a timer set
// at start, so it stays the file's.

const Hours = (description: string): TNumber => Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366, description })
const Cap = (description: string): TUnion<[TNumber, TNull]> => Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: `${description} (null: no cap)` })

export const AggregationChange = Type.Object({
  windowHours: Type.Optional(Hours('the sliding window a person\'s reads are summed over')),
  caps: Type.Optional(Type.Object({
    files: Type.Optional(Cap('distinct pipeline-survey files one person may read in the window')),
    mapSheets: Type.Optional(Cap('distinct map sheets')),
    areaKm2: Type.Optional(Cap('km² of distinct files'))
  }, { additionalProperties: false, minProperties: 1 })),
  maxScopeHours: Type.Optional(Hours('the longest an approved aggregation scope may last'))
}, { additionalProperties: false, minProperties: 1, description: 'a change of the aggregation guard (objectId "aggregation")' })

export const RequestsChange = Type.Object({
  ttlHours: Type.Optional(Type.Object({
    'export-classified': Type.Optional(Hours('how long a request to export classified material waits')),
    'delete-package': Type.Optional(Hours('how long a deletion request waits')),
    declassify: Type.Optional(Hours('how long a declassification request waits')),
    'access-policy-change': Type.Optional(Hours('how long a change of the access policy waits')),
    'aggregation-scope': Type.Optional(Hours('how long a request to lift the aggregation cap waits'))
  }, { additionalProperties: false, minProperties: 1 })),
  grantHours: Type.Optional(Hours('how long an approved export waits to be carried out before it lapses'))
}, { additionalProperties: false, minProperties: 1, description: 'a change of how long two-person requests wait (objectId "requests")' })

/** The sections of approvals.yaml a request may change; the request's objectId names one. */
export const POLICY_SECTIONS = { aggregation: AggregationChange, requests: RequestsChange } as const
export type PolicySection = keyof typeof POLICY_SECTIONS
export type AggregationChange = Static<typeof AggregationChange>
export type RequestsChange = Static<typeof RequestsChange>
export interface PolicyChange { section: PolicySection, change: Record<string, unknown> }

export const isPolicySection = (s: string): s is PolicySection => Object.hasOwn(POLICY_SECTIONS, s)

const invalid = (why: string, detail: Record<string, unknown> = {}): LantaiError => new LantaiError('APPROVAL_INVALID', why, { why, ...detail })

/**
 * The change a request names, checked against its section's schema. A terminal's flat `--param` pairs
 * are accepted too: dotted keys nest (`caps.files=100`, `ttlHours.declassify=48`), a bare cap name is a
 * cap (`files=100`), and "null" lifts a cap.
 */
export function policyChangeOf (section: string, parameters: Record<string, unknown>): PolicyChange {
  if (!isPolicySection(section)) throw invalid(`an access-policy-change names objectId ${Object.keys(POLICY_SECTIONS).join(' or ')}, not ${JSON.stringify(section)}`, { field: 'objectId' })
  const change: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(parameters)) {
    const value = raw === 'null' ? null : raw
    const path = section === 'aggregation' && ['files', 'mapSheets', 'areaKm2'].includes(key) ? ['caps', key] : key.split('.')
    // a key like __proto__ would write into Object.prototype before the schema could refuse it
    if (path.some(k => !/^[A-Za-z][\w-]*$/.test(k) || k === 'constructor')) throw invalid(`${JSON.stringify(key)} is not a setting of ${section}`, { field: key })
    const leaf = path.at(-1) ?? key
    let at = change
    for (const k of path.slice(0, -1)) {
      if (typeof at[k] !== 'object' || at[k] === null) at[k] = {}
      at = at[k] as Record<string, unknown>
    }
    const prior = at[leaf]
    at[leaf] = typeof value === 'object' && value !== null && typeof prior === 'object' && prior !== null ? { ...prior, ...value } : value
  }
  const schema = POLICY_SECTIONS[section]
  const problems = [...Value.Errors(schema, change)].map(e => `${e.path.slice(1).replace(/\//g, '.') || section}: ${e.message}`)
  if (problems.length > 0) throw invalid(`the change of ${section} is not valid: ${problems.join('; ')}`, { problems })
  return { section, change }
}

function merge (base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base }
  for (const [k, v] of Object.entries(change)) {
    const b = out[k]
    out[k] = typeof v === 'object' && v !== null && typeof b === 'object' && b !== null ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v
  }
  return out
}

/** `base` with `changes` laid over it in order. */
export function applyPolicyChanges (base: ApprovalsPolicy, changes: readonly PolicyChange[]): ApprovalsPolicy {
  let policy = structuredClone(base)
  for (const { section, change } of changes) policy = { ...policy, [section]: merge(policy[section] as Record<string, unknown>, change) }
  return policy
}

/** The policy a change would leave, or APPROVAL_INVALID when the result breaks a rule of approvals.yaml. */
export function checkedPolicy (policy: ApprovalsPolicy): ApprovalsPolicy {
  const problems = [...Value.Errors(ApprovalsPolicy, policy)].map(e => `${e.path.slice(1).replace(/\//g, '.')}: ${e.message}`)
  if (policy.aggregation.maxScopeHours < policy.aggregation.windowHours) problems.push('aggregation.maxScopeHours: shorter than windowHours, a scope could not cover one window')
  if (problems.length > 0) throw invalid(`the policy this change leaves is not valid: ${problems.join('; ')}`, { problems })
  return policy
}

/**
 * The access policy in force: the file's, with every executed access-policy-change over it. Read at each
 * decision (one indexed query), so an approved change binds every process at once.
 */
export class PolicyInForce {
  constructor (private readonly catalogue: Pick<Catalogue, 'approvals'>, readonly base: ApprovalsPolicy) {}

  async current (): Promise<ApprovalsPolicy> {
    const executed = await this.catalogue.approvals.executed('access-policy-change')
    const changes = executed.flatMap(r => isPolicySection(r.objectId) ? [{ section: r.objectId, change: r.parameters }] : [])
    return applyPolicyChanges(this.base, changes)
  }
}
