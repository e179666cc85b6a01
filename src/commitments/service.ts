import cron from 'node-cron'
import { beijingDate } from '../acceptance/numbering.js'
import type { Principal } from '../auth/roles.js'
import type { Catalogue, Commitment, CommitmentItem, CommitmentQuery, NewCreditRecord, Submission, VisibleTiers } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import type { Logger } from '../logger.js'

// Acceptance + commitment after the decision (issue 14 item 7): supplementary submissions that bring the
// items still owed, and the daily job that finds what is overdue. A broken commitment becomes, in one
// transaction, the overdue marks, a credit record against the builder and its persons in charge
// (失信行为记录) and the commitment.overdue message the law-enforcement system subscribes to.

export const DEFAULT_OVERDUE_SCHEDULE = '30 0 * * *'
export const OVERDUE_CREDIT_TYPE = 'commitment-overdue'

export interface CommitmentDeps {
  catalogue: Catalogue
  log: Logger
  /** tests move time; the daily job asks it for today */
  clock?: () => Date
}

export interface SweepResult {
  /** YYYY-MM-DD (Beijing): items due before it are overdue */
  today: string
  /** submissions whose claims were turned into fulfilments (left over from a crash) */
  settled: string[]
  overdue: Array<{ commitmentId: string, projectCode: string, items: string[], creditRecords: string[] }>
}

/** Before anything starts: a typo in the schedule stops the start naming the key (CONFIG_INVALID). */
export function checkOverdueSchedule (expression: string = DEFAULT_OVERDUE_SCHEDULE): void {
  if (expression === 'off' || cron.validate(expression)) return
  throw new LantaiError('CONFIG_INVALID', `acceptance.yaml timeLimits.commitment.overdueSchedule: not a cron expression: ${expression}`, { key: 'timeLimits.commitment.overdueSchedule', value: expression })
}

/** The day after a due date: the day the commitment is broken. */
const dayAfter = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)

export class CommitmentService {
  readonly #deps: CommitmentDeps
  readonly #clock: () => Date

  constructor (deps: CommitmentDeps) {
    this.#deps = deps
    this.#clock = deps.clock ?? (() => new Date())
  }

  async list (query: CommitmentQuery): Promise<Commitment[]> { return await this.#deps.catalogue.commitments.list(query) }

  /** Given `tiers` (the caller's), a commitment of a project or package above them is COMMITMENT_NOT_FOUND like an unknown id. */
  async get (id: string, tiers?: VisibleTiers): Promise<Commitment> {
    const found = await this.#deps.catalogue.commitments.get(id, undefined, tiers)
    if (found === null) throw new LantaiError('COMMITMENT_NOT_FOUND', id, { id })
    return found
  }

  /**
   * Before a supplementary upload naming items is taken: the commitment is the project's and still owes
   * each item named. A refusal is an event on the project and is thrown.
   */
  async admit (projectCode: string, commitmentId: string, items: readonly string[], principal: Principal | null): Promise<void> {
    const commitment = await this.#deps.catalogue.commitments.get(commitmentId)
    const owed = new Set(commitment?.items.filter(i => i.state !== 'fulfilled').map(i => i.code))
    const unknown = items.filter(i => !owed.has(i))
    const refusal = commitment === null
      ? new LantaiError('COMMITMENT_NOT_FOUND', commitmentId, { id: commitmentId })
      : commitment.projectCode !== projectCode
        ? new LantaiError('COMMITMENT_MISMATCH', `commitment ${commitmentId} is of project ${commitment.projectCode}, not ${projectCode}`, { commitmentId, commitmentProject: commitment.projectCode, projectCode })
        : items.length === 0 || unknown.length > 0
          ? new LantaiError('COMMITMENT_ITEM_UNKNOWN', `commitment ${commitmentId} owes ${[...owed].join(', ') || 'nothing'}; named ${unknown.join(', ') || 'none'}`, { commitmentId, unknown, owed: [...owed] })
          : null
    if (refusal === null) return
    await this.#deps.catalogue.events.append({
      type: 'commitment.submission.refused', outcome: 'failure', agent: principal?.tokenId ?? 'system', objectType: 'project', objectId: projectCode,
      detail: { code: refusal.code, message: refusal.message, ...refusal.details }
    })
    throw refusal
  }

  async claim (submissionId: string, commitmentId: string, items: readonly string[], principal: Principal | null): Promise<void> {
    await this.#deps.catalogue.commitments.claim(submissionId, commitmentId, items, principal?.tokenId ?? 'system')
  }

  /** A submission was stored: the items it claimed are fulfilled by its version. */
  async stored (sub: Submission): Promise<Commitment[]> {
    return await this.#deps.catalogue.commitments.settle(sub.id)
  }

  /**
   * The daily job. Claims a crash left unsettled are settled first (an item brought in time is never
   * marked overdue), then every item owed past its due date is marked, commitment by commitment.
   */
  async sweep (at: Date = this.#clock()): Promise<SweepResult> {
    const { catalogue } = this.#deps
    const today = beijingDate(at)
    const settled: string[] = []
    for (const id of await catalogue.commitments.unsettledClaims()) {
      if ((await catalogue.commitments.settle(id)).length > 0) settled.push(id)
    }
    const overdue: SweepResult['overdue'] = []
    for (const id of await catalogue.commitments.dueBefore(today)) {
      const c = await catalogue.commitments.get(id)
      if (c === null) continue
      const project = await catalogue.projects.get(c.projectCode)
      const builders = (await catalogue.projectUnits.list(c.projectCode)).filter(u => u.role === 'builder')
      const records: string[] = []
      const marked = await catalogue.commitments.markOverdue(id, today, {
        write: async (tx, commitment, items) => {
          // notice (七): against the builder and the persons in charge. A project registered without its
          // builder unit still gets a record, under the builder's name as the project gives it.
          const targets: Array<NewCreditRecord['unit'] & { persons: NewCreditRecord['persons'] }> = builders.length > 0
            ? builders.map(u => ({ uscc: u.uscc, name: u.name, role: u.role, persons: u.persons }))
            : [{ uscc: '', name: project?.unit ?? '', role: 'builder', persons: [] }]
          for (const t of targets) {
            const made = await catalogue.credit.record({
              type: OVERDUE_CREDIT_TYPE, unit: { uscc: t.uscc, name: t.name, role: t.role }, persons: t.persons, projectCode: commitment.projectCode,
              commitmentId: commitment.id, occurredOn: dayAfter(items.map(i => i.dueDate).sort()[0] ?? today), recordedBy: 'system',
              evidence: overdueEvidence(commitment, items)
            }, tx)
            if (made !== null) records.push(made.id)
          }
        },
        message: (commitment, items) => ({ type: 'commitment.overdue', payload: overduePayload(commitment, items, builders, today) })
      })
      if (marked !== null) overdue.push({ commitmentId: id, projectCode: c.projectCode, items: marked.overdue.map(i => i.code), creditRecords: records })
    }
    if (overdue.length + settled.length > 0) this.#deps.log.info({ today, overdue: overdue.length, settled: settled.length }, 'commitments swept')
    return { today, settled, overdue }
  }

  /** The daily job on a node-cron schedule in Beijing time; "off" runs none. Throws CONFIG_INVALID for a bad expression. */
  schedule (expression: string = DEFAULT_OVERDUE_SCHEDULE): { stop (): void } | null {
    if (expression === 'off') return null
    checkOverdueSchedule(expression)
    const task = cron.schedule(expression, async () => {
      try { await this.sweep() } catch (err) { this.#deps.log.error({ err }, 'overdue commitments not swept') }
    }, { name: 'lantai-commitments', noOverlap: true, timezone: 'Asia/Shanghai' })
    return { stop: () => { void task.stop() } }
  }
}

/** What a credit record keeps as its evidence: the letter and the items it broke. */
function overdueEvidence (c: Commitment, items: CommitmentItem[]): unknown {
  return { commitmentId: c.id, opinion: c.opinionNumber, signatory: c.signatory, startDate: c.startDate, items: items.map(i => ({ code: i.code, description: i.description, dueDate: i.dueDate })) }
}

/** The law-enforcement system's message (contract: docs/credit.md "commitment.overdue"). */
function overduePayload (c: Commitment, items: CommitmentItem[], builders: Array<{ uscc: string, name: string, persons: Array<{ name: string, title?: string }> }>, today: string): unknown {
  return {
    version: 1,
    commitmentId: c.id,
    projectCode: c.projectCode,
    phaseCode: c.phaseCode,
    opinion: c.opinionNumber,
    signatory: c.signatory,
    detectedOn: today,
    builders: builders.map(b => ({ uscc: b.uscc, name: b.name, persons: b.persons })),
    overdueItems: items.map(i => ({ code: i.code, description: i.description, dueDate: i.dueDate })),
    url: `/v1/commitments/${c.id}`
  }
}
