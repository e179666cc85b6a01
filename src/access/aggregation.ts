import type { AuditTrail } from '../audit/index.js'
import { actorOf, type Principal } from '../auth/roles.js'
import type { ApprovalRequest, Catalogue, LedgerAction, LedgerRead } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import type { AggregationSettings } from './approvals-policy.js'
import { seesAll } from './approvals-rules.js'
import type { PipelineRead } from './labels.js'

// The aggregation guard (issue 15 item 5; BRIEF §5; security-tiers.yaml aggregation_triggers): pipeline-
// survey data that is harmless file by file becomes a secret once enough of it is gathered (保密法 2024,
// data aggregation; seed notice (十) 防范信息汇聚关联泄密). The policy caps what one person may read,
// search or export in a sliding window, by distinct files, distinct map sheets and the km² of distinct
// files; reading a file again reveals nothing new and counts once. Over a cap the read is refused with
// the reason (en + zh) and an alert (event, audit row, outbox `security.aggregation.alert`), unless an
// approved aggregation-scope request of that person covers the time, the packages and the totals.
// Allowed reads enter the ledger in the same transaction that summed the window (AggregationLedger.guard);
// this module is the rule, a pure function of the window, the scopes and the reads.

/** One pipeline-survey file a read, search or export reveals (the labels contract shared with the access gate). */
export type { PipelineRead }

export type GuardAction = LedgerAction

export interface Usage { files: number, mapSheets: number, areaKm2: number }

export type Caps = AggregationSettings['caps']

export type GuardOutcome =
  | { allowed: true, usage: Usage, scope: string | null }
  | { allowed: false, usage: Usage, would: Usage, caps: Caps, exceeded: Array<keyof Usage>, reason: { en: string, zh: string } }

/** A file record a search returns: what the guard needs to know whether, and how much, it counts. */
export interface ListedRecord { packageId: string, logicalPath: string, pipelineSurvey: boolean, mapSheets: string[], areaKm2: number | null }

export interface PersonUsage extends Usage { person: string, reads: number, lastAt: string | null }

const HOUR = 3_600_000
const MEASURES = ['files', 'mapSheets', 'areaKm2'] as const

/** Distinct files, distinct sheets, and the area of distinct files (the latest figure of each). */
export function measure (reads: ReadonlyArray<Pick<PipelineRead, 'packageId' | 'path' | 'mapSheets' | 'areaKm2'>>): Usage {
  const files = new Map<string, number>()
  const sheets = new Set<string>()
  for (const r of reads) {
    files.set(`${r.packageId}\u0000${r.path}`, r.areaKm2 ?? 0)
    for (const s of r.mapSheets) sheets.add(s)
  }
  let area = 0
  for (const a of files.values()) area += a
  return { files: files.size, mapSheets: sheets.size, areaKm2: Math.round(area * 1e6) / 1e6 }
}

const NAMES = { files: { en: 'files', zh: '个文件' }, mapSheets: { en: 'map sheets', zh: '幅图' }, areaKm2: { en: 'km²', zh: '平方千米' } } as const

export interface AggregationGuardDeps {
  catalogue: Catalogue
  audit: AuditTrail
  policy: AggregationSettings
  /** the settings in force at each check (approvals.yaml with the executed access-policy changes); `policy` when absent */
  inForce?: () => Promise<AggregationSettings>
  clock?: () => Date
}

export class AggregationGuard {
  readonly #deps: AggregationGuardDeps
  readonly #clock: () => Date

  constructor (deps: AggregationGuardDeps) {
    this.#deps = deps
    this.#clock = deps.clock ?? (() => new Date())
  }

  get policy (): AggregationSettings { return this.#deps.policy }

  /** The settings in force now: an approved access-policy change binds the next check. */
  async settings (): Promise<AggregationSettings> { return await (this.#deps.inForce?.() ?? this.#deps.policy) }

  /** Allowed (the reads are in the ledger) or refused (the alert is out); nothing is refused for data that is not pipeline-survey. */
  async check (principal: Principal, reads: readonly PipelineRead[], action: GuardAction, context: { requestId?: string | null } = {}): Promise<GuardOutcome> {
    const { catalogue, audit } = this.#deps
    const policy = await this.settings()
    const person = actorOf(principal)
    const now = this.#clock()
    const at = now.toISOString()
    const since = new Date(now.getTime() - policy.windowHours * HOUR).toISOString()
    if (reads.length === 0) return { allowed: true, usage: measure(await catalogue.aggregation.since(person, since)), scope: null }
    return await catalogue.aggregation.guard<GuardOutcome>({ person, action, since, reads }, (prior, scopes) => {
      const usage = measure(prior)
      const would = measure([...prior, ...reads])
      const over = (caps: Caps): Array<keyof Usage> => MEASURES.filter(m => caps[m] !== null && would[m] > (caps[m] ?? Infinity) && would[m] > usage[m])
      const exceeded = over(policy.caps)
      if (exceeded.length === 0) return { record: true, scope: null, outcome: { allowed: true, usage: would, scope: null } }
      const scope = scopes.find(s => covers(s, reads) && over(raised(policy.caps, s)).length === 0)
      if (scope !== undefined) return { record: true, scope: scope.id, outcome: { allowed: true, usage: would, scope: scope.id } }
      const reason = reasonOf(person, would, policy.caps, exceeded, policy.windowHours)
      const detail = {
        person, action, exceeded, usage, would, caps: policy.caps, windowHours: policy.windowHours, reason,
        reads: reads.map(r => ({ packageId: r.packageId, path: r.path, mapSheets: r.mapSheets, areaKm2: r.areaKm2 }))
      }
      const alert = {
        detail,
        audit: audit.rowMaker({ at, actor: { id: person, role: principal.role, label: principal.label }, action: 'aggregation.alert', objectType: 'person', objectId: person, tier: '秘密', outcome: 'refused', requestId: context.requestId ?? null, detail }),
        outbox: { type: 'security.aggregation.alert', payload: { at, role: principal.role, ...detail } }
      }
      return { record: false, alert, outcome: { allowed: false, usage, would, caps: policy.caps, exceeded, reason } }
    })
  }

  /** check(), throwing AGGREGATION_CAP_EXCEEDED (403) with the reason in both languages when refused. */
  async enforce (principal: Principal, reads: readonly PipelineRead[], action: GuardAction, context: { requestId?: string | null } = {}): Promise<void> {
    const outcome = await this.check(principal, reads, action, context)
    if (!outcome.allowed) {
      throw new LantaiError('AGGREGATION_CAP_EXCEEDED', outcome.reason.en, { exceeded: outcome.exceeded, usage: outcome.usage, would: outcome.would, caps: outcome.caps, detailZh: outcome.reason.zh })
    }
  }

  /**
   * A search or a listing (issue 15 item 5, "searches count too"): the pipeline-survey records it
   * returns count like reads of those files, since a record names the file, its map sheets and area;
   * matches it does not return reveal nothing and are not counted (security-tiers.yaml: queries that
   * join many projects' pipeline layers are rate-limited). Over the cap the whole answer is refused,
   * with the reason and the alert a read gets.
   */
  async enforceListed (principal: Principal, records: ReadonlyArray<ListedRecord>, context: { requestId?: string | null } = {}): Promise<void> {
    const reads = records.filter(r => r.pipelineSurvey).map(r => ({ packageId: r.packageId, path: r.logicalPath, mapSheets: r.mapSheets, areaKm2: r.areaKm2 }))
    if (reads.length > 0) await this.enforce(principal, reads, 'search', context)
  }

  /** Usage in the current window: one person's, or everyone's (null), busiest first. */
  /** What `principal` may see of the window: their own usage, or (officers and auditors) one person's or everyone's. */
  async usageFor (principal: Principal, person?: string): Promise<{ since: string, people: PersonUsage[] }> {
    return await this.usage(seesAll(principal) ? person ?? null : actorOf(principal))
  }

  async usage (person: string | null): Promise<{ since: string, people: PersonUsage[] }> {
    const since = new Date(this.#clock().getTime() - (await this.settings()).windowHours * HOUR).toISOString()
    const rows = await this.#deps.catalogue.aggregation.since(person, since)
    const by = new Map<string, LedgerRead[]>()
    for (const r of rows) by.set(r.person, [...(by.get(r.person) ?? []), r])
    if (person !== null && !by.has(person)) by.set(person, [])
    const people = [...by.entries()].map(([p, list]) => ({ person: p, ...measure(list), reads: list.length, lastAt: list.at(-1)?.at ?? null }))
    return { since, people: people.sort((a, b) => b.files - a.files || a.person.localeCompare(b.person)) }
  }
}

/** The caps an approved scope raises (those it names), the policy's otherwise. */
function raised (caps: Caps, scope: ApprovalRequest): Caps {
  const p = scope.parameters
  return {
    files: typeof p.files === 'number' ? p.files : caps.files,
    mapSheets: typeof p.mapSheets === 'number' ? p.mapSheets : caps.mapSheets,
    areaKm2: typeof p.areaKm2 === 'number' ? p.areaKm2 : caps.areaKm2
  }
}

/** A scope naming packages covers reads of those packages only. */
const covers = (scope: ApprovalRequest, reads: readonly PipelineRead[]): boolean => {
  const ids = scope.parameters.packageIds
  return !Array.isArray(ids) || reads.every(r => ids.includes(r.packageId))
}

function reasonOf (person: string, would: Usage, caps: Caps, exceeded: Array<keyof Usage>, hours: number): { en: string, zh: string } {
  const en = exceeded.map(m => `${would[m]} ${NAMES[m].en} (cap ${caps[m] ?? '-'})`).join(', ')
  const zh = exceeded.map(m => `${would[m]}${NAMES[m].zh}（上限 ${caps[m] ?? '-'}）`).join('、')
  return {
    en: `${person} would have read ${en} of pipeline-survey data within ${hours} h; a security officer may approve an aggregation-scope request`,
    zh: `${person} 在 ${hours} 小时内读取的地下管线测绘数据将达 ${zh}，超过汇聚上限；可由安全保密管理员批准汇聚范围申请`
  }
}
