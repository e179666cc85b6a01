import type { AuditTrail } from '../audit/index.js'
import { actorOf, type Principal } from '../auth/roles.js'
import type { ApprovalAuditNote, ApprovalKind, ApprovalRequest, ApprovalState, AuditNoter, Catalogue } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import type { ApprovalsPolicy } from './approvals-policy.js'
import { KIND_RULES, mayDecide, mayRequest, seesAll, type Verdict } from './approvals-rules.js'

// The two-person engine (issue 15 item 6): one person asks, another of the right role approves or
// refuses (src/access/approvals-rules.ts), requests expire (lazily on every read and by a periodic
// sweep), and an approved request of a kind that executes on approval is carried out by the executor
// registered for it (`registerExecutor`), so deletion, declassification and policy changes plug in.
// Refused decisions (the requester approving, a wrong role) are events and audit rows too: they are
// what the auditor looks for.

const HOUR = 3_600_000

export interface ApprovalInput {
  kind: ApprovalKind
  /** the object's id; for an aggregation scope, omitted (the requester is the object) */
  objectId?: string
  parameters?: Record<string, unknown>
  reason: string
}

/** What an executor is handed: the approved request, who carries it out, and the audit noter for its rows. */
export interface ExecutionContext {
  agent: string
  role: string | null
  note: AuditNoter
  /** marks the request executed with `result` (what an executor with no catalogue change of its own calls last) */
  complete (result: Record<string, unknown>): Promise<ApprovalRequest>
}

/** Carries out an approved request and returns it executed; throws to leave it approved (the failure is recorded). */
export type Executor = (request: ApprovalRequest, ctx: ExecutionContext) => Promise<ApprovalRequest>

export interface ExecutorOptions {
  /** Checked when the request is filed and again before it is approved: a request that cannot be carried out is refused early (409). */
  precheck?: (request: Pick<ApprovalRequest, 'kind' | 'objectType' | 'objectId' | 'parameters'> & { id?: string }) => Promise<void>
  /** Checks and normalises the parameters when filed (APPROVAL_INVALID); `objectId` is what the request names. */
  parameters?: (parameters: Record<string, unknown>, principal: Principal, objectId: string) => Record<string, unknown>
}

export interface ApprovalEngineDeps {
  catalogue: Catalogue
  audit: AuditTrail
  policy: ApprovalsPolicy
  /** the policy in force at each decision (approvals.yaml with the executed access-policy changes); `policy` when absent */
  inForce?: () => Promise<ApprovalsPolicy>
  clock?: () => Date
}

export class ApprovalEngine {
  readonly #deps: ApprovalEngineDeps
  readonly #clock: () => Date
  readonly #executors = new Map<ApprovalKind, { run: Executor, options: ExecutorOptions }>()
  readonly #note: AuditNoter

  constructor (deps: ApprovalEngineDeps) {
    this.#deps = deps
    this.#clock = deps.clock ?? (() => new Date())
    this.#note = (n: ApprovalAuditNote) => deps.audit.rowMaker({ ...n, at: this.#clock().toISOString() })
  }

  get policy (): ApprovalsPolicy { return this.#deps.policy }

  /** The policy in force now: the file's with the executed access-policy changes over it. */
  async current (): Promise<ApprovalsPolicy> { return await (this.#deps.inForce?.() ?? this.#deps.policy) }
  get note (): AuditNoter { return this.#note }

  registerExecutor (kind: ApprovalKind, run: Executor, options: ExecutorOptions = {}): void {
    this.#executors.set(kind, { run, options })
  }

  /** Files a request. Throws APPROVAL_ROLE, APPROVAL_INVALID, or what the kind's precheck throws. */
  async request (principal: Principal, input: ApprovalInput): Promise<ApprovalRequest> {
    const person = actorOf(principal)
    this.#assert(mayRequest(principal, input.kind))
    const rule = KIND_RULES[input.kind]
    const objectId = rule.objectType === 'person' ? person : input.objectId
    if (objectId === undefined || objectId === '') throw new LantaiError('APPROVAL_INVALID', `${input.kind} needs objectId (the ${rule.objectType})`, { kind: input.kind })
    const executor = this.#executors.get(input.kind)
    let parameters = input.parameters ?? {}
    const policy = await this.current()
    if (input.kind === 'aggregation-scope') parameters = this.#scope(parameters, policy)
    if (executor?.options.parameters !== undefined) parameters = executor.options.parameters(parameters, principal, objectId)
    await executor?.options.precheck?.({ kind: input.kind, objectType: rule.objectType, objectId, parameters })
    const ttl = policy.requests.ttlHours[input.kind] * HOUR
    return await this.#deps.catalogue.approvals.create({
      kind: input.kind, objectType: rule.objectType, objectId, parameters, reason: input.reason,
      requestedBy: person, requesterRole: principal.role, expiresAt: new Date(this.#clock().getTime() + ttl).toISOString()
    }, this.#note)
  }

  /**
   * Approves, then carries out a kind that executes on approval. Throws APPROVAL_NOT_FOUND,
   * APPROVAL_CLOSED, SELF_APPROVAL, APPROVAL_ROLE, or what the precheck or the executor throws (the
   * request then stays requested, or approved and retryable with execute()).
   */
  async approve (principal: Principal, id: string, reason: string | null = null): Promise<ApprovalRequest> {
    const request = await this.#decidable(principal, id)
    const executor = this.#executors.get(request.kind)
    await executor?.options.precheck?.(request)
    const approved = await this.#deps.catalogue.approvals.decide(id, { state: 'approved', by: actorOf(principal), role: principal.role, reason, grantUntil: await this.#grantUntil(request) }, this.#note)
    return KIND_RULES[request.kind].executesOnApproval && executor !== undefined ? await this.#run(principal, approved) : approved
  }

  async refuse (principal: Principal, id: string, reason: string | null = null): Promise<ApprovalRequest> {
    await this.#decidable(principal, id)
    return await this.#deps.catalogue.approvals.decide(id, { state: 'refused', by: actorOf(principal), role: principal.role, reason }, this.#note)
  }

  /** The requester withdraws their request. */
  async cancel (principal: Principal, id: string): Promise<ApprovalRequest> {
    const request = await this.get(principal, id)
    if (request.requestedBy !== actorOf(principal)) throw new LantaiError('APPROVAL_ROLE', `only ${request.requestedBy}, who asked, may cancel ${id}`, { id })
    return await this.#deps.catalogue.approvals.cancel(id, actorOf(principal), principal.role, this.#note)
  }

  /** Carries out an approved request again after its executor failed (an approver of the kind, not the requester). */
  async execute (principal: Principal, id: string): Promise<ApprovalRequest> {
    await this.expire()
    const request = await this.#require(id)
    this.#assert(mayDecide(principal, actorOf(principal), request))
    if (request.state !== 'approved' || !KIND_RULES[request.kind].executesOnApproval) throw new LantaiError('APPROVAL_CLOSED', `${id} is ${request.state}`, { id, state: request.state })
    return await this.#run(principal, request)
  }

  /**
   * The requester uses an approval that is carried out outside the engine (an export of classified
   * material): the approved, unexpired request of theirs for this object is marked executed. Throws
   * APPROVAL_REQUIRED_FOR when there is none.
   */
  async use (principal: Principal, kind: ApprovalKind, objectId: string, result: Record<string, unknown> = {}): Promise<ApprovalRequest> {
    await this.expire()
    const person = actorOf(principal)
    const found = (await this.#deps.catalogue.approvals.list({ kind, requestedBy: person, objectId, state: 'approved' }))[0]
    if (found === undefined) throw new LantaiError('APPROVAL_REQUIRED_FOR', `${kind} of ${objectId} by ${person}`, { kind, objectId })
    return await this.#deps.catalogue.approvals.markExecuted(found.id, person, principal.role, result, this.#note)
  }

  /** The caller's approved, unexpired request of `kind` for `objectId` that `use` would take, or null; nothing is marked. */
  async approved (principal: Principal, kind: ApprovalKind, objectId: string): Promise<ApprovalRequest | null> {
    await this.expire()
    return (await this.#deps.catalogue.approvals.list({ kind, requestedBy: actorOf(principal), objectId, state: 'approved' }))[0] ?? null
  }

  async get (principal: Principal, id: string): Promise<ApprovalRequest> {
    await this.expire()
    const request = await this.#require(id)
    if (!seesAll(principal) && request.requestedBy !== actorOf(principal)) throw new LantaiError('APPROVAL_NOT_FOUND', id, { id })
    return request
  }

  /** Officers and auditors see every request, anyone else their own; newest first. */
  async list (principal: Principal, query: { state?: ApprovalState, kind?: ApprovalKind } = {}): Promise<ApprovalRequest[]> {
    await this.expire()
    return await this.#deps.catalogue.approvals.list({ ...query, ...(seesAll(principal) ? {} : { requestedBy: actorOf(principal) }) })
  }

  /** Expires what is past its time; what the sweep and every read call. */
  async expire (): Promise<ApprovalRequest[]> {
    return await this.#deps.catalogue.approvals.expireDue(this.#note)
  }

  /** Calls expire() every `sweepMinutes`; returns the stop function. */
  schedule (onError: (err: unknown) => void, extra?: () => Promise<unknown>): () => void {
    const timer = setInterval(() => {
      this.expire().then(async () => await extra?.()).catch(onError)
    }, this.#deps.policy.requests.sweepMinutes * 60_000)
    timer.unref()
    return () => { clearInterval(timer) }
  }

  async #decidable (principal: Principal, id: string): Promise<ApprovalRequest> {
    await this.expire()
    const request = await this.#require(id)
    const verdict = mayDecide(principal, actorOf(principal), request)
    if (!verdict.ok) {
      await this.#deps.catalogue.approvals.noteRefusedDecision(request, actorOf(principal), principal.role, verdict.code, this.#note)
      this.#assert(verdict)
    }
    if (request.state !== 'requested') throw new LantaiError('APPROVAL_CLOSED', `${id} is ${request.state}`, { id, state: request.state })
    return request
  }

  async #run (principal: Principal, request: ApprovalRequest): Promise<ApprovalRequest> {
    const executor = this.#executors.get(request.kind)
    if (executor === undefined) throw new LantaiError('APPROVAL_CLOSED', `no executor for ${request.kind}`, { id: request.id })
    const agent = actorOf(principal)
    const ctx: ExecutionContext = {
      agent, role: principal.role, note: this.#note,
      complete: async result => await this.#deps.catalogue.approvals.markExecuted(request.id, agent, principal.role, result, this.#note)
    }
    try {
      return await executor.run(request, ctx)
    } catch (err) {
      const e = err as { code?: string, message?: string, details?: unknown }
      await this.#deps.catalogue.approvals.noteExecutionFailed(request.id, agent, principal.role, { code: e.code ?? 'INTERNAL', message: e.message ?? String(err), details: e.details ?? null }, this.#note)
      throw err
    }
  }

  /** When an approval lapses: a scope at its end, an export after grantHours, the rest as they are carried out at once. */
  async #grantUntil (request: ApprovalRequest): Promise<string> {
    if (request.kind === 'aggregation-scope' && typeof request.parameters.until === 'string') return request.parameters.until
    return new Date(this.#clock().getTime() + (await this.current()).requests.grantHours * HOUR).toISOString()
  }

  /** An aggregation scope: from, until (at most maxScopeHours), and the raised caps; packageIds narrows it. */
  #scope (p: Record<string, unknown>, policy: ApprovalsPolicy): Record<string, unknown> {
    const now = this.#clock().getTime()
    const max = policy.aggregation.maxScopeHours * HOUR
    const from = p.from === undefined ? now : Date.parse(String(p.from))
    const until = p.until === undefined ? from + max : Date.parse(String(p.until))
    const bad = (why: string): LantaiError => new LantaiError('APPROVAL_INVALID', why, { why })
    if (Number.isNaN(from) || Number.isNaN(until)) throw bad('from and until must be dates')
    if (until <= from || until <= now) throw bad('until must be after from and in the future')
    if (until - from > max) throw bad(`a scope lasts at most ${policy.aggregation.maxScopeHours} hours`)
    const caps: Record<string, number> = {}
    for (const k of ['files', 'mapSheets', 'areaKm2'] as const) {
      const v = p[k]
      if (v === undefined) continue
      if (typeof v !== 'number' || !(v >= 0)) throw bad(`${k} must be a non-negative number`)
      caps[k] = v
    }
    if (Object.keys(caps).length === 0) throw bad('name the raised cap: files, mapSheets and/or areaKm2')
    const packageIds = p.packageIds
    if (packageIds !== undefined && (!Array.isArray(packageIds) || packageIds.some(x => typeof x !== 'string'))) throw bad('packageIds must be a list of package ids')
    return { from: new Date(from).toISOString(), until: new Date(until).toISOString(), ...caps, ...(packageIds === undefined ? {} : { packageIds }) }
  }

  async #require (id: string): Promise<ApprovalRequest> {
    const request = await this.#deps.catalogue.approvals.get(id)
    if (request === null) throw new LantaiError('APPROVAL_NOT_FOUND', id, { id })
    return request
  }

  #assert (v: Verdict): void {
    if (!v.ok) throw new LantaiError(v.code, v.why, { why: v.why, ...(v.roles === undefined ? {} : { roles: v.roles }) })
  }
}
