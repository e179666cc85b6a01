import { sql, type Expression, type RawBuilder, type Selectable, type SqlBool } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { CommitmentItemsTable, CommitmentsTable, Executor } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import type { OutboxRepository } from './outbox-repository.js'
import type { VisibleTiers } from './package-repository.js'
import { fromJson, mapViolation, type Clock } from './sql.js'
import { projectVisible, submissionVisible } from './tier-filters.js'

// Commitment letters (承诺书, issue 14 item 7). A letter is written in the transaction of the accepted
// decision it belongs to; items are fulfilled by supplementary submissions once those are stored, and the
// daily job marks what passed its due date. Every change is an event on the project, in its transaction.

export type CommitmentState = 'open' | 'overdue' | 'fulfilled'
export type CommitmentItemState = 'owed' | 'overdue' | 'fulfilled'
export const COMMITMENT_STATES: readonly CommitmentState[] = ['open', 'overdue', 'fulfilled']

/** The notice's (七) four statements of a commitment letter; each must be affirmed. */
export interface CommitmentStatements {
  /** the archive is complete (档案齐全) */
  complete: boolean
  /** it matches the project as built (与工程实体相符) */
  matchesWorks: boolean
  /** scans equal the paper originals (电子与纸质一致) */
  scansMatchPaper: boolean
  /** it will be transferred on time (按时移交) */
  transferOnTime: boolean
}

export interface CommitmentItem {
  code: string
  description: string
  /** YYYY-MM-DD */
  dueDate: string
  state: CommitmentItemState
  /** the supplementary submission, package and version that fulfilled it */
  submissionId: string | null
  packageId: string | null
  version: number | null
  fulfilledAt: string | null
}

export interface Commitment {
  id: string
  projectCode: string
  phaseCode: string | null
  applicationId: string | null
  decisionId: string
  opinionNumber: string | null
  statements: CommitmentStatements
  signatory: string
  startEvent: string
  /** YYYY-MM-DD: the date the period counts from */
  startDate: string
  /** YYYY-MM-DD: the latest item's due date */
  dueDate: string
  state: CommitmentState
  createdBy: string
  createdAt: string
  updatedAt: string
  items: CommitmentItem[]
}

export interface NewCommitment {
  projectCode: string
  phaseCode: string | null
  applicationId: string | null
  decisionId: string
  opinionNumber: string | null
  statements: CommitmentStatements
  signatory: string
  startEvent: string
  startDate: string
  createdBy: string
  items: Array<{ code: string, description: string, dueDate: string }>
}

export interface CommitmentQuery {
  projectCode?: string
  state?: CommitmentState
  /** only commitments whose project, and the package of the submission accepted with them, have one of these tiers (issue 15 item 4) */
  tiers?: VisibleTiers
}

/** What the overdue job writes with a commitment it marks: the credit records and the webhook. */
export interface OverdueWrites {
  /** written in the same transaction (CreditRepository.record with the transaction) */
  write: (tx: Executor, commitment: Commitment, overdue: CommitmentItem[]) => Promise<unknown>
  message: (commitment: Commitment, overdue: CommitmentItem[]) => { type: string, payload: unknown }
}

const toItem = (r: Selectable<CommitmentItemsTable>): CommitmentItem => ({
  code: r.code, description: r.description, dueDate: r.due_date, state: r.state as CommitmentItemState, submissionId: r.submission_id, packageId: r.package_id,
  version: r.version === null ? null : Number(r.version), fulfilledAt: r.fulfilled_at
})

const toCommitment = (r: Selectable<CommitmentsTable>, items: CommitmentItem[]): Commitment => ({
  id: r.id, projectCode: r.project_code, phaseCode: r.phase_code, applicationId: r.application_id, decisionId: r.decision_id, opinionNumber: r.opinion_number,
  statements: fromJson(r.statements) as CommitmentStatements, signatory: r.signatory, startEvent: r.start_event, startDate: r.start_date, dueDate: r.due_date,
  state: r.state as CommitmentState, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, items
})

export class CommitmentRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #outbox: OutboxRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, outbox: OutboxRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#outbox = outbox
    this.#clock = clock
    this.#newId = newId
  }

  /** Writes a letter and its items in the caller's transaction (the accepted decision's), with its event. */
  async createIn (tx: Executor, input: NewCommitment): Promise<Commitment> {
    const at = this.#clock()
    const now = at.toISOString()
    const dueDate = input.items.map(i => i.dueDate).sort().at(-1) ?? input.startDate
    const row = await tx.insertInto('commitments').values({
      id: this.#newId('cmt', at), project_code: input.projectCode, phase_code: input.phaseCode, application_id: input.applicationId, decision_id: input.decisionId,
      opinion_number: input.opinionNumber, statements: JSON.stringify(input.statements), signatory: input.signatory, start_event: input.startEvent, start_date: input.startDate,
      due_date: dueDate, state: 'open', created_by: input.createdBy, created_at: now, updated_at: now
    }).returningAll().executeTakeFirstOrThrow()
    const items = input.items.length === 0
      ? []
      : await tx.insertInto('commitment_items').values(input.items.map(i => ({ commitment_id: row.id, code: i.code, description: i.description, due_date: i.dueDate, state: 'owed', updated_at: now })))
        .returningAll().execute()
    await this.#events.append({
      at: now, type: 'commitment.created', outcome: 'success', agent: input.createdBy, objectType: 'project', objectId: input.projectCode,
      detail: { commitmentId: row.id, decisionId: input.decisionId, applicationId: input.applicationId, phaseCode: input.phaseCode, opinion: input.opinionNumber, startDate: input.startDate, dueDate, items: input.items.map(i => i.code) }
    }, tx)
    return toCommitment(row, items.map(toItem).sort((a, b) => a.code.localeCompare(b.code)))
  }

  /** Given `tiers`, null too for a commitment the caller may not see (hidden is missing). */
  async get (id: string, tx: Executor = this.#db.db, tiers?: VisibleTiers): Promise<Commitment | null> {
    const row = await tx.selectFrom('commitments').selectAll().where('id', '=', id)
      .$if(tiers !== undefined, q => q.where(eb => this.#visible(eb.ref('commitments.project_code'), eb.ref('commitments.decision_id'), tiers ?? [])))
      .executeTakeFirst()
    if (row === undefined) return null
    const items = await tx.selectFrom('commitment_items').selectAll().where('commitment_id', '=', id).orderBy('code').execute()
    return toCommitment(row, items.map(toItem))
  }

  /** Newest first. */
  async list (query: CommitmentQuery = {}): Promise<Commitment[]> {
    const rows = await this.#db.db.selectFrom('commitments').selectAll()
      .$if(query.projectCode !== undefined, q => q.where('project_code', '=', query.projectCode ?? ''))
      .$if(query.state !== undefined, q => q.where('state', '=', query.state ?? 'open'))
      .$if(query.tiers !== undefined, q => q.where(eb => this.#visible(eb.ref('commitments.project_code'), eb.ref('commitments.decision_id'), query.tiers ?? [])))
      .orderBy('id', 'desc').execute()
    if (rows.length === 0) return []
    const items = await this.#db.db.selectFrom('commitment_items').selectAll().where('commitment_id', 'in', rows.map(r => r.id)).orderBy('code').execute()
    return rows.map(r => toCommitment(r, items.filter(i => i.commitment_id === r.id).map(toItem)))
  }

  /** A commitment is its project's tier and its accepted submission's (whose package may be above the project). */
  #visible (projectCode: Expression<unknown>, decisionId: Expression<unknown>, tiers: readonly string[]): RawBuilder<SqlBool> {
    const { engine } = this.#db
    return sql<SqlBool>`(${projectVisible(engine, projectCode, tiers)} AND NOT EXISTS (SELECT 1 FROM acceptance_decisions vd JOIN submissions vs ON vs.id = vd.submission_id
      WHERE vd.id = ${decisionId} AND NOT ${submissionVisible(engine, sql.ref('vs.project_code'), sql.ref('vs.package_id'), tiers)}))`
  }

  /** The commitment an accepted decision carries, if any. */
  async ofDecision (decisionId: string): Promise<Commitment | null> {
    const row = await this.#db.db.selectFrom('commitments').select('id').where('decision_id', '=', decisionId).executeTakeFirst()
    return row === undefined ? null : await this.get(row.id)
  }

  /** A supplementary submission names the items it brings (its event says so); they count once it is stored. */
  async claim (submissionId: string, commitmentId: string, itemCodes: readonly string[], agent: string): Promise<void> {
    await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const c = await tx.selectFrom('commitments').select(['project_code']).where('id', '=', commitmentId).executeTakeFirstOrThrow()
      await tx.insertInto('commitment_claims').values(itemCodes.map(code => ({ submission_id: submissionId, commitment_id: commitmentId, item_code: code, created_at: now }))).execute()
      await this.#events.append({ at: now, type: 'commitment.claimed', outcome: 'info', agent, objectType: 'project', objectId: c.project_code, detail: { commitmentId, submissionId, items: itemCodes } }, tx)
    }), (v, err) => v.kind === 'foreign-key' ? new LantaiError('COMMITMENT_ITEM_UNKNOWN', `commitment ${commitmentId} has no such item`, { commitmentId, items: itemCodes }, { cause: err }) : undefined)
  }

  /** Submissions stored with claims not yet turned into fulfilments (a crash between the two). */
  async unsettledClaims (): Promise<string[]> {
    const rows = await this.#db.db.selectFrom('commitment_claims as c')
      .innerJoin('submissions as s', 's.id', 'c.submission_id')
      .innerJoin('commitment_items as i', join => join.onRef('i.commitment_id', '=', 'c.commitment_id').onRef('i.code', '=', 'c.item_code'))
      .select('c.submission_id').distinct()
      .where('s.state', '=', 'stored').where('i.state', '!=', 'fulfilled').orderBy('c.submission_id').execute()
    return rows.map(r => r.submission_id)
  }

  /**
   * The submission is stored: the items it claimed and still owed are fulfilled by its version, and a
   * commitment with nothing left owed is fulfilled (published as commitment.fulfilled). Idempotent.
   */
  async settle (submissionId: string): Promise<Commitment[]> {
    return await this.#db.db.transaction().execute(async tx => {
      const sub = await tx.selectFrom('submissions').select(['state', 'package_id', 'version', 'created_by']).where('id', '=', submissionId).executeTakeFirst()
      if (sub === undefined || sub.state !== 'stored' || sub.package_id === null || sub.version === null) return []
      const claims = await tx.selectFrom('commitment_claims').selectAll().where('submission_id', '=', submissionId).execute()
      const touched: Commitment[] = []
      for (const commitmentId of [...new Set(claims.map(c => c.commitment_id))]) {
        const now = this.#clock().toISOString()
        const codes = claims.filter(c => c.commitment_id === commitmentId).map(c => c.item_code)
        const done = await tx.updateTable('commitment_items')
          .set({ state: 'fulfilled', submission_id: submissionId, package_id: sub.package_id, version: Number(sub.version), fulfilled_at: now, updated_at: now })
          .where('commitment_id', '=', commitmentId).where('code', 'in', codes).where('state', '!=', 'fulfilled').returningAll().execute()
        if (done.length === 0) continue
        const before = await this.get(commitmentId, tx)
        if (before === null) continue
        await this.#events.append({
          at: now, type: 'commitment.items.fulfilled', outcome: 'success', agent: sub.created_by ?? 'system', objectType: 'project', objectId: before.projectCode,
          detail: { commitmentId, submissionId, packageId: sub.package_id, version: Number(sub.version), items: done.map(d => d.code).sort() }
        }, tx)
        let after = before
        if (before.items.every(i => i.state === 'fulfilled') && before.state !== 'fulfilled') {
          const row = await tx.updateTable('commitments').set({ state: 'fulfilled', updated_at: now }).where('id', '=', commitmentId).where('state', '!=', 'fulfilled').returningAll().executeTakeFirst()
          if (row !== undefined) {
            after = toCommitment(row, before.items)
            await this.#events.append({ at: now, type: 'commitment.fulfilled', outcome: 'success', agent: 'system', objectType: 'project', objectId: before.projectCode, detail: { commitmentId, from: before.state, to: 'fulfilled' } }, tx)
            await this.#outbox.publish('commitment.fulfilled', { commitmentId, projectCode: before.projectCode, phaseCode: before.phaseCode, opinion: before.opinionNumber, lateItems: before.items.filter(i => i.fulfilledAt !== null && i.fulfilledAt.slice(0, 10) > i.dueDate).map(i => i.code) }, tx)
          }
        }
        touched.push(after)
      }
      return touched
    })
  }

  /** Commitments (open or already overdue) with an item still owed whose due date is before `today`. */
  async dueBefore (today: string): Promise<string[]> {
    const rows = await this.#db.db.selectFrom('commitment_items as i').innerJoin('commitments as c', 'c.id', 'i.commitment_id')
      .select('c.id').distinct().where('i.state', '=', 'owed').where('i.due_date', '<', today).where('c.state', 'in', ['open', 'overdue']).orderBy('c.id').execute()
    return rows.map(r => r.id)
  }

  /**
   * Marks the items owed past their due date overdue and the commitment with them, and writes what
   * `writes` adds (credit records, the law-enforcement webhook), all in one transaction. Null when
   * nothing was due (another process got there first).
   */
  async markOverdue (commitmentId: string, today: string, writes: OverdueWrites): Promise<{ commitment: Commitment, overdue: CommitmentItem[] } | null> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const marked = (await tx.updateTable('commitment_items').set({ state: 'overdue', updated_at: now })
        .where('commitment_id', '=', commitmentId).where('state', '=', 'owed').where('due_date', '<', today).returningAll().execute()).map(toItem)
      if (marked.length === 0) return null
      const before = await tx.selectFrom('commitments').selectAll().where('id', '=', commitmentId).executeTakeFirstOrThrow()
      if (before.state === 'open') await tx.updateTable('commitments').set({ state: 'overdue', updated_at: now }).where('id', '=', commitmentId).execute()
      const commitment = await this.get(commitmentId, tx)
      if (commitment === null) return null
      await this.#events.append({
        at: now, type: 'commitment.overdue', outcome: 'failure', agent: 'system', objectType: 'project', objectId: commitment.projectCode,
        detail: { commitmentId, from: before.state, to: 'overdue', today, items: marked.map(i => ({ code: i.code, dueDate: i.dueDate })) }
      }, tx)
      await writes.write(tx, commitment, marked)
      const message = writes.message(commitment, marked)
      await this.#outbox.publish(message.type, message.payload, tx)
      return { commitment, overdue: marked }
    })
  }
}
