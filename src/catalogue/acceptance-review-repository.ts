import { sql, type Expression, type RawBuilder, type Selectable, type SqlBool } from 'kysely'
import { LantaiError } from '../errors.js'
import type { CatalogueDatabase } from './db/open.js'
import type { AcceptanceApplicationsTable, AcceptanceDecisionsTable, AcceptanceDocumentsTable, Executor } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import type { OutboxRepository } from './outbox-repository.js'
import type { VisibleTiers } from './package-repository.js'
import { fromJson, mapViolation, type Clock } from './sql.js'
import { projectVisible, submissionVisible } from './tier-filters.js'
import type { Submission, SubmissionPatch, SubmissionRepository, SubmissionState } from './submission-repository.js'

// Acceptance review (issue 14 item 5): applications (验收申请), the archivist's decisions and the numbered
// documents they issue. A decision is one transaction: the decision row, the submission's state, the
// document with its number, the application's state, the events and the outbox message commit together.

/** domain-cn.md: UNDER_REVIEW → RECTIFY → UNDER_REVIEW … → ACCEPTED; withdrawn closes it unaccepted. */
export type ApplicationState = 'under_review' | 'rectify' | 'accepted' | 'withdrawn'
export const OPEN_APPLICATION_STATES: readonly ApplicationState[] = ['under_review', 'rectify']

export type DecisionKind = 'accepted' | 'rectification_required' | 'rejected'
export const DECISION_KINDS: readonly DecisionKind[] = ['accepted', 'rectification_required', 'rejected']

export type DocumentKind = 'rectification-notice' | 'acceptance-opinion'

export interface AcceptanceApplication {
  id: string
  projectCode: string
  phaseCode: string | null
  number: string
  state: ApplicationState
  appliedAt: string
  /** YYYY-MM-DD: the joint-completion-acceptance limit (联合竣工验收时限) */
  jointDueDate: string
  createdBy: string | null
  updatedAt: string
}

export interface ArchivistItem { readonly message: string, readonly messageZh?: string, readonly path?: string }

export interface AcceptanceDecision {
  id: string
  submissionId: string
  applicationId: string | null
  decision: DecisionKind
  decidedBy: string
  decidedAt: string
  overrideReason: string | null
  items: ArchivistItem[]
}

export interface AcceptanceDocument {
  number: string
  kind: DocumentKind
  year: number
  sequence: number
  applicationId: string | null
  submissionId: string
  decisionId: string
  body: unknown
  issuedAt: string
}

export interface NewApplication {
  projectCode: string
  phaseCode: string | null
  createdBy: string | null
  /** the year the number counts in, and the number made from its sequence */
  year: number
  number: (sequence: number) => string
  /** from the applied time, by the policy's calendar (the caller's rule) */
  jointDueDate: (appliedAt: Date) => string
}

export interface DecisionInput {
  submissionId: string
  decision: DecisionKind
  decidedBy: string
  overrideReason: string | null
  items: ArchivistItem[]
  /** the submission's next state and patch (checked + a transfer job, or rejected) */
  submission: { to: SubmissionState, patch: SubmissionPatch, enqueue?: { kind: string, payload?: unknown } }
  /** the application's next state, when the submission names one */
  applicationTo: ApplicationState | null
  /** the numbered document the decision issues (a plain rejection issues none) */
  document: { kind: DocumentKind, year: number, number: (sequence: number) => string, body: (number: string, issuedAt: string) => unknown } | null
  /** the webhook message for the approval system, made from the issued document */
  message: { type: string, payload: (doc: AcceptanceDocument | null) => unknown } | null
  /** more writes of the decision's transaction (a commitment letter with an acceptance), after the document */
  also?: (tx: Executor, made: { decisionId: string, document: AcceptanceDocument | null, decidedAt: string }) => Promise<unknown>
}

const toApplication = (r: Selectable<AcceptanceApplicationsTable>): AcceptanceApplication => ({
  id: r.id, projectCode: r.project_code, phaseCode: r.phase_code, number: r.number, state: r.state as ApplicationState, appliedAt: r.applied_at,
  jointDueDate: r.joint_due_date, createdBy: r.created_by, updatedAt: r.updated_at
})

const toDecision = (r: Selectable<AcceptanceDecisionsTable>): AcceptanceDecision => ({
  id: r.id, submissionId: r.submission_id, applicationId: r.application_id, decision: r.decision as DecisionKind, decidedBy: r.decided_by, decidedAt: r.decided_at,
  overrideReason: r.override_reason, items: fromJson(r.items) as ArchivistItem[]
})

const toDocument = (r: Selectable<AcceptanceDocumentsTable>): AcceptanceDocument => ({
  number: r.number, kind: r.kind as DocumentKind, year: Number(r.year), sequence: Number(r.sequence), applicationId: r.application_id, submissionId: r.submission_id,
  decisionId: r.decision_id, body: fromJson(r.body), issuedAt: r.issued_at
})

export class AcceptanceReviewRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #submissions: SubmissionRepository
  readonly #outbox: OutboxRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, submissions: SubmissionRepository, outbox: OutboxRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#submissions = submissions
    this.#outbox = outbox
    this.#clock = clock
    this.#newId = newId
  }

  /**
   * The next number of a kind in a year. The upsert takes the counter row's lock (PostgreSQL) or runs
   * under the single writer (SQLite), so two transactions issuing at once get consecutive numbers, and a
   * rolled-back issue gives its number back.
   */
  async #next (tx: Executor, kind: string, year: number): Promise<number> {
    const row = await tx.insertInto('acceptance_sequences').values({ kind, year, last: 1 })
      .onConflict(oc => oc.columns(['kind', 'year']).doUpdateSet(eb => ({ last: eb(eb.ref('acceptance_sequences.last'), '+', 1) })))
      .returning('last').executeTakeFirstOrThrow()
    return Number(row.last)
  }

  /** Throws PROJECT_NOT_FOUND, ACCEPTANCE_APPLICATION_DUPLICATE (an open one for the project and phase exists). */
  async createApplication (input: NewApplication): Promise<AcceptanceApplication> {
    const at = this.#clock()
    const now = at.toISOString()
    return await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      const number = input.number(await this.#next(tx, 'application', input.year))
      const row = await tx.insertInto('acceptance_applications').values({
        id: this.#newId('apl', at), project_code: input.projectCode, phase_code: input.phaseCode, number, state: 'under_review', applied_at: now,
        joint_due_date: input.jointDueDate(at), created_by: input.createdBy, updated_at: now
      }).returningAll().executeTakeFirstOrThrow()
      await this.#events.append({
        at: now, type: 'acceptance.application.under_review', outcome: 'success', agent: input.createdBy ?? 'system', objectType: 'project', objectId: input.projectCode,
        detail: { applicationId: row.id, number, phaseCode: input.phaseCode, jointDueDate: row.joint_due_date }
      }, tx)
      return toApplication(row)
    }), (v, err) => v.kind === 'foreign-key'
      ? new LantaiError('PROJECT_NOT_FOUND', input.projectCode, { code: input.projectCode }, { cause: err })
      : v.kind === 'unique' && v.constraint.includes('acceptance_applications')
        ? new LantaiError('ACCEPTANCE_APPLICATION_DUPLICATE', `project ${input.projectCode}${input.phaseCode === null ? '' : ` phase ${input.phaseCode}`} already has an open acceptance application`, { projectCode: input.projectCode, phaseCode: input.phaseCode }, { cause: err })
        : undefined)
  }

  /**
   * The application, or null when there is none or, given `tiers` (the caller's clearance, issue 15 item 4),
   * when its project is of another tier: an application is its project's tier.
   */
  async getApplication (id: string, tiers?: VisibleTiers): Promise<AcceptanceApplication | null> {
    const { engine } = this.#db
    const row = await this.#db.db.selectFrom('acceptance_applications').selectAll().where('id', '=', id)
      .$if(tiers !== undefined, q => q.where(eb => projectVisible(engine, eb.ref('acceptance_applications.project_code'), [...tiers ?? []])))
      .executeTakeFirst()
    return row === undefined ? null : toApplication(row)
  }

  /** The project's open application for this phase (null: the whole project), if any. */
  async openApplication (projectCode: string, phaseCode: string | null): Promise<AcceptanceApplication | null> {
    const row = await this.#db.db.selectFrom('acceptance_applications').selectAll().where('project_code', '=', projectCode)
      .where(eb => phaseCode === null ? eb('phase_code', 'is', null) : eb('phase_code', '=', phaseCode))
      .where('state', 'in', OPEN_APPLICATION_STATES).executeTakeFirst()
    return row === undefined ? null : toApplication(row)
  }

  /** Newest first. */
  async listApplications (projectCode: string): Promise<AcceptanceApplication[]> {
    return (await this.#db.db.selectFrom('acceptance_applications').selectAll().where('project_code', '=', projectCode).orderBy('id', 'desc').execute()).map(toApplication)
  }

  /**
   * Open applications whose joint-acceptance limit is on or before `until` (YYYY-MM-DD), soonest first;
   * given `tiers`, only those of projects of these tiers.
   */
  async dueBy (until: string, tiers?: VisibleTiers): Promise<AcceptanceApplication[]> {
    const { engine } = this.#db
    return (await this.#db.db.selectFrom('acceptance_applications').selectAll().where('state', 'in', OPEN_APPLICATION_STATES)
      .where('joint_due_date', '<=', until)
      .$if(tiers !== undefined, q => q.where(eb => projectVisible(engine, eb.ref('acceptance_applications.project_code'), [...tiers ?? []])))
      .orderBy('joint_due_date').orderBy('id').execute()).map(toApplication)
  }

  /** A resubmission reached the archivist again: rectify → under_review (re-acceptance), with its event. */
  async reopen (applicationId: string, submissionId: string): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const row = await tx.updateTable('acceptance_applications').set({ state: 'under_review', updated_at: now })
        .where('id', '=', applicationId).where('state', '=', 'rectify').returningAll().executeTakeFirst()
      if (row === undefined) return
      await this.#events.append({
        at: now, type: 'acceptance.application.under_review', outcome: 'success', agent: 'system', objectType: 'project', objectId: row.project_code,
        detail: { applicationId, number: row.number, from: 'rectify', to: 'under_review', submissionId }
      }, tx)
    })
  }

  /**
   * The builder withdraws an open application (under_review or rectify → withdrawn), with its event;
   * null when it was not open (decided, withdrawn already, or withdrawn by someone else first).
   */
  async withdraw (applicationId: string, agent: string, reason: string | null): Promise<AcceptanceApplication | null> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const before = await tx.selectFrom('acceptance_applications').select('state').where('id', '=', applicationId).executeTakeFirst()
      const row = await tx.updateTable('acceptance_applications').set({ state: 'withdrawn', updated_at: now })
        .where('id', '=', applicationId).where('state', 'in', OPEN_APPLICATION_STATES).returningAll().executeTakeFirst()
      if (row === undefined) return null
      await this.#events.append({
        at: now, type: 'acceptance.application.withdrawn', outcome: 'info', agent, objectType: 'project', objectId: row.project_code,
        detail: { applicationId, number: row.number, from: before?.state ?? null, to: 'withdrawn', reason }
      }, tx)
      return toApplication(row)
    })
  }

  /** Given `tiers`, only the submissions whose project and package have one of them (the package may be above its project). */
  async submissionsOf (applicationId: string, tiers?: VisibleTiers): Promise<Submission[]> {
    const { engine } = this.#db
    const rows = await this.#db.db.selectFrom('submissions').select('id').where('application_id', '=', applicationId)
      .$if(tiers !== undefined, q => q.where(eb => submissionVisible(engine, eb.ref('submissions.project_code'), eb.ref('submissions.package_id'), [...tiers ?? []])))
      .orderBy('id').execute()
    const out: Submission[] = []
    for (const r of rows) { const s = await this.#submissions.get(r.id); if (s !== null) out.push(s) }
    return out
  }

  /** Given `tiers`, only the decisions on submissions the caller may see. */
  async decisionsOf (applicationId: string, tiers?: VisibleTiers): Promise<AcceptanceDecision[]> {
    const { engine } = this.#db
    return (await this.#db.db.selectFrom('acceptance_decisions').selectAll().where('application_id', '=', applicationId)
      .$if(tiers !== undefined, q => q.where(eb => eb.exists(eb.selectFrom('submissions as s').select('s.id').whereRef('s.id', '=', 'acceptance_decisions.submission_id')
        .where(sb => submissionVisible(engine, sb.ref('s.project_code'), sb.ref('s.package_id'), [...tiers ?? []])))))
      .orderBy('decided_at').orderBy('id').execute()).map(toDecision)
  }

  async decisionOf (submissionId: string): Promise<AcceptanceDecision | null> {
    const row = await this.#db.db.selectFrom('acceptance_decisions').selectAll().where('submission_id', '=', submissionId).executeTakeFirst()
    return row === undefined ? null : toDecision(row)
  }

  /** Given `tiers`, only the documents of submissions the caller may see. */
  async documentsOf (applicationId: string, tiers?: VisibleTiers): Promise<AcceptanceDocument[]> {
    return (await this.#db.db.selectFrom('acceptance_documents').selectAll().where('application_id', '=', applicationId)
      .$if(tiers !== undefined, q => q.where(eb => this.#documentVisible(eb.ref('acceptance_documents.submission_id'), tiers ?? [])))
      .orderBy('issued_at').orderBy('number').execute()).map(toDocument)
  }

  /**
   * The document, or null when there is none or, given `tiers`, when its submission's project or package is
   * of another tier (a notice of a hidden project is missing, issue 15 item 4).
   */
  async document (number: string, tiers?: VisibleTiers): Promise<AcceptanceDocument | null> {
    const row = await this.#db.db.selectFrom('acceptance_documents').selectAll().where('number', '=', number)
      .$if(tiers !== undefined, q => q.where(eb => this.#documentVisible(eb.ref('acceptance_documents.submission_id'), tiers ?? [])))
      .executeTakeFirst()
    return row === undefined ? null : toDocument(row)
  }

  #documentVisible (submissionId: Expression<unknown>, tiers: readonly string[]): RawBuilder<SqlBool> {
    return sql<SqlBool>`EXISTS (SELECT 1 FROM submissions vs WHERE vs.id = ${submissionId} AND ${submissionVisible(this.#db.engine, sql.ref('vs.project_code'), sql.ref('vs.package_id'), tiers)})`
  }

  /** The application's last rectification notice: what a resubmission is compared with. */
  async lastNotice (applicationId: string): Promise<AcceptanceDocument | null> {
    const row = await this.#db.db.selectFrom('acceptance_documents').selectAll().where('application_id', '=', applicationId)
      .where('kind', '=', 'rectification-notice').orderBy('issued_at', 'desc').orderBy('sequence', 'desc').limit(1).executeTakeFirst()
    return row === undefined ? null : toDocument(row)
  }

  /**
   * Records a decision on a submission awaiting one, in one transaction with everything it changes.
   * Throws SUBMISSION_NOT_FOUND, STATE_CONFLICT (not awaiting a decision: decided already, or never waiting).
   */
  async decide (input: DecisionInput): Promise<{ decision: AcceptanceDecision, document: AcceptanceDocument | null, submission: Submission }> {
    const at = this.#clock()
    const now = at.toISOString()
    // Read before the transaction: on SQLite its one connection is the transaction's. The application a
    // submission names never changes, so reading it early is safe.
    const applicationId = (await this.#submissions.get(input.submissionId))?.applicationId ?? null
    return await this.#db.db.transaction().execute(async tx => {
      // The compare-and-set on the submission first: of two decisions at once, the second stops here.
      const submission = await this.#submissions.transitionIn(tx, input.submissionId, 'awaiting_decision', input.submission.to, input.submission.patch, {
        agent: input.decidedBy, detail: { decision: input.decision }, ...(input.submission.enqueue === undefined ? {} : { enqueue: input.submission.enqueue })
      })
      const decisionRow = await tx.insertInto('acceptance_decisions').values({
        id: this.#newId('dec', at), submission_id: input.submissionId, application_id: applicationId, decision: input.decision, decided_by: input.decidedBy,
        decided_at: now, override_reason: input.overrideReason, items: JSON.stringify(input.items)
      }).returningAll().executeTakeFirstOrThrow()
      let document: AcceptanceDocument | null = null
      if (input.document !== null) {
        const sequence = await this.#next(tx, input.document.kind, input.document.year)
        const number = input.document.number(sequence)
        document = toDocument(await tx.insertInto('acceptance_documents').values({
          number, kind: input.document.kind, year: input.document.year, sequence, application_id: applicationId, submission_id: input.submissionId,
          decision_id: decisionRow.id, body: JSON.stringify(input.document.body(number, now)), issued_at: now
        }).returningAll().executeTakeFirstOrThrow())
      }
      const number = document?.number ?? null
      await this.#events.append({
        at: now, type: `acceptance.${input.decision}`, outcome: input.decision === 'accepted' ? 'success' : 'failure', agent: input.decidedBy, objectType: 'submission', objectId: input.submissionId,
        detail: { decisionId: decisionRow.id, applicationId, document: number, kind: input.document?.kind ?? null, overrideReason: input.overrideReason, items: input.items.length }
      }, tx)
      if (applicationId !== null && input.applicationTo !== null) {
        const app = await tx.updateTable('acceptance_applications').set({ state: input.applicationTo, updated_at: now })
          .where('id', '=', applicationId).where('state', 'in', OPEN_APPLICATION_STATES).returningAll().executeTakeFirst()
        if (app !== undefined) {
          await this.#events.append({
            at: now, type: `acceptance.application.${input.applicationTo}`, outcome: input.applicationTo === 'accepted' ? 'success' : 'info', agent: input.decidedBy,
            objectType: 'project', objectId: app.project_code, detail: { applicationId, number: app.number, to: input.applicationTo, document: number, submissionId: input.submissionId }
          }, tx)
        }
      }
      if (input.also !== undefined) await input.also(tx, { decisionId: decisionRow.id, document, decidedAt: now })
      if (input.message !== null) await this.#outbox.publish(input.message.type, input.message.payload(document), tx)
      return { decision: toDecision(decisionRow), document, submission }
    })
  }
}
