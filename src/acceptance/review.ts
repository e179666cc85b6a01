import { rm } from 'node:fs/promises'
import type { Principal } from '../auth/roles.js'
import type { AcceptanceApplication, AcceptanceDecision, AcceptanceDocument, ArchivistItem, Catalogue, Commitment, DecisionKind, Submission, VisibleTiers } from '../catalogue/index.js'
import { checkLetter, type CommitmentLetter } from '../commitments/letter.js'
import { LantaiError, isLantaiError } from '../errors.js'
import { acceptanceOpinion, rectificationNotice, type AcceptanceDocumentBody, type DocumentContext } from './document.js'
import { addDays, beijingDate, beijingYear, daysBetween, documentNumber, jointAcceptanceDue } from './numbering.js'
import type { AcceptancePolicy } from './policy.js'
import type { AcceptanceFinding } from './report.js'
import { compareWithNotice, type ResubmissionComparison } from './resubmission.js'
import { archivistFindings, automaticFindings, bagValid } from './review-findings.js'

// Ingest waits for a person (issue 14 item 5): applications (验收申请), the archivist's decision on a
// submission awaiting one, the numbered document it issues, and resubmissions compared with the last
// notice. Every refusal is an event too: the trail shows what was tried, not only what happened.

export interface ReviewDeps {
  catalogue: Catalogue
  policy: AcceptancePolicy
  /** where a submission's staging lives: removed once a decision says nothing will be stored */
  stagingDir: (submissionId: string) => string
  /** the job kind that carries an accepted submission on to the transfer (ingest's) */
  transferJob: string
  /** after an acceptance queues the transfer, so a runner picks it up at once */
  onQueued?: () => void
  clock?: () => Date
  /** overrides the policy's decision.required */
  required?: boolean
}

export interface DecideInput {
  submissionId: string
  decision: DecisionKind
  /** the archivist's own items for the notice */
  items?: ArchivistItem[]
  /** accepting a report with errors: the reason, recorded */
  override?: { reason: string }
  /** accepting with a commitment letter (验收+承诺, notice (七)): the items still owed and their due dates */
  commitment?: CommitmentLetter
  principal: Principal | null
}

export interface ApplicationDetail {
  application: AcceptanceApplication
  submissions: Submission[]
  decisions: AcceptanceDecision[]
  documents: AcceptanceDocument[]
}

export interface DeadlineEntry {
  application: AcceptanceApplication
  /** days from today (Beijing) to the limit; negative when past it */
  daysLeft: number
  overdue: boolean
}

export class AcceptanceReview {
  readonly #deps: ReviewDeps
  readonly #clock: () => Date

  constructor (deps: ReviewDeps) {
    this.#deps = deps
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** Whether a checked submission waits for a decision (storage-policies/acceptance.yaml decision.required). */
  get required (): boolean { return this.#deps.required ?? this.#deps.policy.decision.required }

  /** Opens an application; a second open one for the project and phase is refused (ACCEPTANCE_APPLICATION_DUPLICATE). */
  async apply (input: { projectCode: string, phaseCode?: string | null, principal: Principal | null }): Promise<AcceptanceApplication> {
    const { catalogue, policy } = this.#deps
    const phaseCode = input.phaseCode ?? null
    if (await catalogue.projects.get(input.projectCode) === null) throw new LantaiError('PROJECT_NOT_FOUND', input.projectCode, { code: input.projectCode })
    if (phaseCode !== null && !(await catalogue.phases.list(input.projectCode)).some(p => p.code === phaseCode)) {
      throw new LantaiError('PHASE_NOT_FOUND', `${input.projectCode} has no phase ${phaseCode}`, { projectCode: input.projectCode, phaseCode })
    }
    const now = this.#clock()
    try {
      return await catalogue.reviews.createApplication({
        projectCode: input.projectCode,
        phaseCode,
        createdBy: input.principal?.tokenId ?? null,
        year: beijingYear(now),
        number: seq => documentNumber('application', beijingYear(now), seq),
        jointDueDate: at => jointAcceptanceDue(at, policy.timeLimits.jointAcceptance)
      })
    } catch (err) {
      if (isLantaiError(err) && err.code === 'ACCEPTANCE_APPLICATION_DUPLICATE') {
        const open = await catalogue.reviews.openApplication(input.projectCode, phaseCode)
        if (open !== null) err.details.openApplication = open.id
        await this.#refused('acceptance.application.refused', 'project', input.projectCode, input.principal, err)
      }
      throw err
    }
  }

  /**
   * Given `tiers` (the caller's, issue 15 item 4), an application of a project of another tier is missing,
   * and of a visible one only the submissions, decisions and documents whose package the caller may see.
   */
  async application (id: string, tiers?: VisibleTiers): Promise<ApplicationDetail> {
    const { reviews } = this.#deps.catalogue
    const application = await reviews.getApplication(id, tiers)
    if (application === null) throw new LantaiError('APPLICATION_NOT_FOUND', id, { id })
    const [submissions, decisions, documents] = await Promise.all([reviews.submissionsOf(id, tiers), reviews.decisionsOf(id, tiers), reviews.documentsOf(id, tiers)])
    return { application, submissions, decisions, documents }
  }

  async applications (projectCode: string): Promise<AcceptanceApplication[]> {
    if (await this.#deps.catalogue.projects.get(projectCode) === null) throw new LantaiError('PROJECT_NOT_FOUND', projectCode, { code: projectCode })
    return await this.#deps.catalogue.reviews.listApplications(projectCode)
  }

  /** Open applications within `within` days of their joint-acceptance limit (the policy's nearDeadlineDays by default) or past it. */
  async deadlines (within = this.#deps.policy.timeLimits.nearDeadlineDays, tiers?: VisibleTiers): Promise<{ today: string, within: number, items: DeadlineEntry[] }> {
    const today = beijingDate(this.#clock())
    const due = await this.#deps.catalogue.reviews.dueBy(addDays(today, within), tiers)
    return { today, within, items: due.map(application => { const daysLeft = daysBetween(today, application.jointDueDate); return { application, daysLeft, overdue: daysLeft < 0 } }) }
  }

  async document (number: string): Promise<AcceptanceDocument & { body: AcceptanceDocumentBody }> {
    const doc = await this.#deps.catalogue.reviews.document(number)
    if (doc === null) throw new LantaiError('DOCUMENT_NOT_FOUND', number, { number })
    return doc as AcceptanceDocument & { body: AcceptanceDocumentBody }
  }

  /**
   * Before an upload naming an application is taken: the application exists, is the project's, and is
   * waiting for a package (under review with none waiting, or returned for rectification).
   */
  async admit (projectCode: string, applicationId: string, principal: Principal | null): Promise<void> {
    const { reviews } = this.#deps.catalogue
    const application = await reviews.getApplication(applicationId)
    let refusal: LantaiError | null = null
    if (application === null) {
      refusal = new LantaiError('APPLICATION_NOT_FOUND', applicationId, { id: applicationId })
    } else if (application.projectCode !== projectCode) {
      refusal = new LantaiError('ACCEPTANCE_APPLICATION_MISMATCH', `application ${application.number} is of project ${application.projectCode}, not ${projectCode}`, { applicationId, applicationProject: application.projectCode, projectCode })
    } else if (application.state !== 'under_review' && application.state !== 'rectify') {
      refusal = new LantaiError('ACCEPTANCE_APPLICATION_CLOSED', `application ${application.number} is ${application.state}`, { applicationId, state: application.state })
    } else {
      const pending = (await reviews.submissionsOf(applicationId)).find(s => !['stored', 'rejected', 'failed'].includes(s.state))
      if (pending !== undefined) refusal = new LantaiError('ACCEPTANCE_APPLICATION_CLOSED', `submission ${pending.id} of application ${application.number} is ${pending.state}`, { applicationId, pending: pending.id })
    }
    if (refusal === null) return
    // Nothing of the upload exists yet: the refusal is recorded against the project it named.
    await this.#refused('acceptance.submission.refused', 'project', projectCode, principal, refusal)
    throw refusal
  }

  /**
   * The builder withdraws an open application (撤回): none of its submissions may still be on its way to
   * a decision. Refusals are events, as for every other refusal here.
   */
  async withdraw (applicationId: string, reason: string | null, principal: Principal | null): Promise<AcceptanceApplication> {
    const { reviews } = this.#deps.catalogue
    const application = await reviews.getApplication(applicationId)
    if (application === null) throw new LantaiError('APPLICATION_NOT_FOUND', applicationId, { id: applicationId })
    const pending = (await reviews.submissionsOf(applicationId)).find(s => !['stored', 'rejected', 'failed'].includes(s.state))
    const refusal = pending !== undefined
      ? new LantaiError('ACCEPTANCE_APPLICATION_CLOSED', `submission ${pending.id} of application ${application.number} is ${pending.state}: decide it first`, { applicationId, pending: pending.id })
      : application.state !== 'under_review' && application.state !== 'rectify'
        ? new LantaiError('ACCEPTANCE_APPLICATION_CLOSED', `application ${application.number} is ${application.state}`, { applicationId, state: application.state })
        : null
    const withdrawn = refusal === null ? await reviews.withdraw(applicationId, principal?.tokenId ?? 'system', reason) : null
    if (withdrawn !== null) return withdrawn
    const err = refusal ?? new LantaiError('ACCEPTANCE_APPLICATION_CLOSED', `application ${application.number} was closed meanwhile`, { applicationId })
    await this.#refused('acceptance.application.refused', 'project', application.projectCode, principal, err, { action: 'withdraw' })
    throw err
  }

  /** A resubmission's report: the last notice's defects, resolved and remaining. Null for a first submission. */
  async compare (sub: Submission, report: unknown): Promise<ResubmissionComparison | null> {
    if (sub.applicationId === null) return null
    const notice = await this.#deps.catalogue.reviews.lastNotice(sub.applicationId)
    if (notice === null) return null
    return compareWithNotice({ number: notice.number, findings: (notice.body as AcceptanceDocumentBody).findings }, automaticFindings(report))
  }

  /** The submission waits for the archivist: its application, if returned for rectification, is under review again. */
  async waiting (sub: Submission): Promise<void> {
    if (sub.applicationId !== null) await this.#deps.catalogue.reviews.reopen(sub.applicationId, sub.id)
  }

  /**
   * The archivist's decision. Accepted: the opinion (验收合格意见) is issued and the transfer queued, in
   * one transaction. Rectification required: the notice (整改通知书) lists every automatic finding and
   * the archivist's items, and nothing is stored. Rejected: nothing is stored and no document issued.
   */
  async decide (input: DecideInput): Promise<{ decision: AcceptanceDecision, document: AcceptanceDocument | null, submission: Submission, commitment: Commitment | null }> {
    const { catalogue } = this.#deps
    const sub = await catalogue.submissions.get(input.submissionId)
    if (sub === null) throw new LantaiError('SUBMISSION_NOT_FOUND', input.submissionId, { id: input.submissionId })
    const items = (input.items ?? []).filter(i => i.message.trim() !== '')
    const findings = automaticFindings(sub.report)
    const errors = findings.filter(f => f.severity === 'error')
    const checked = input.commitment === undefined ? null : this.#letter(input.decision, input.commitment)
    const letter = checked === null || checked instanceof LantaiError ? checked : await this.#builderOf(sub.projectCode) ?? checked
    const refusal = letter instanceof LantaiError
      ? letter
      : sub.state !== 'awaiting_decision'
      ? new LantaiError('DECISION_NOT_AWAITED', `submission ${sub.id} is ${sub.state}`, { id: sub.id, state: sub.state })
      : await catalogue.jobs.activeFor(this.#deps.transferJob, sub.id) !== null
        ? new LantaiError('DECISION_NOT_AWAITED', `the check of submission ${sub.id} is still finishing; try again`, { id: sub.id, state: sub.state })
        : input.decision === 'accepted' && !bagValid(sub.report)
          ? new LantaiError('ACCEPTANCE_BAG_INVALID', `submission ${sub.id}: ${errors.filter(f => f.source === 'bagit').length} BagIt errors`, { id: sub.id, codes: [...new Set(errors.filter(f => f.source === 'bagit').map(f => f.code))] })
          : input.decision === 'accepted' && errors.length > 0 && (input.override?.reason ?? '').trim() === ''
            ? new LantaiError('ACCEPTANCE_OVERRIDE_REQUIRED', `submission ${sub.id} has ${errors.length} errors; give override.reason to accept it anyway`, { id: sub.id, errors: errors.length })
            : input.decision === 'rectification_required' && findings.length + items.length === 0
              ? new LantaiError('DECISION_INVALID', 'a rectification notice needs at least one defect: the report has none, so name the archivist\'s items', { id: sub.id })
              : null
    if (refusal !== null) {
      await this.#refused('acceptance.decision.refused', 'submission', sub.id, input.principal, refusal, { decision: input.decision })
      throw refusal
    }
    const now = this.#clock()
    const year = beijingYear(now)
    const project = await catalogue.projects.get(sub.projectCode)
    const application = sub.applicationId === null ? null : await catalogue.reviews.getApplication(sub.applicationId)
    const context = (number: string, issuedAt: string): DocumentContext => ({
      number,
      issuedAt,
      issuedOn: beijingDate(new Date(issuedAt)),
      issuer: this.#deps.policy.center,
      project: { code: sub.projectCode, name: project?.name ?? null },
      application: application === null ? null : { id: application.id, number: application.number, jointDueDate: application.jointDueDate },
      submission: { id: sub.id, sha256: sub.sha256 },
      decidedBy: input.principal?.label ?? 'system',
      resubmission: (sub.report as { review?: ResubmissionComparison } | null)?.review ?? null
    })
    const decidedBy = input.principal?.tokenId ?? 'system'
    // written by the decision's transaction before its message is made, so the opinion's webhook carries it
    let commitment: Commitment | null = null
    const message = (type: string) => ({
      type,
      payload: (doc: AcceptanceDocument | null) => ({
        document: doc?.number ?? null, kind: doc?.kind ?? null, issuedAt: doc?.issuedAt ?? null, projectCode: sub.projectCode, submissionId: sub.id,
        applicationId: application?.id ?? null, applicationNumber: application?.number ?? null, decision: input.decision,
        ...(doc === null ? {} : { url: `/v1/documents/${encodeURIComponent(doc.number)}` }),
        summary: (doc?.body as AcceptanceDocumentBody | undefined)?.summary ?? null,
        commitment: commitment === null ? null : { id: commitment.id, dueDate: commitment.dueDate, items: commitment.items.map(i => ({ code: i.code, dueDate: i.dueDate })) }
      })
    })
    const common = { submissionId: sub.id, decision: input.decision, decidedBy, items }
    let result: Omit<Awaited<ReturnType<AcceptanceReview['decide']>>, 'commitment'>
    const owed = input.commitment
    const startDate = letter === null || letter instanceof LantaiError ? '' : letter.startDate
    if (input.decision === 'accepted') {
      const override = errors.length > 0 && input.override !== undefined ? { reason: input.override.reason.trim() } : null
      result = await catalogue.reviews.decide({
        ...common,
        overrideReason: override?.reason ?? null,
        submission: { to: 'checked', patch: { stage: 'accepted', progress: 90 }, enqueue: { kind: this.#deps.transferJob, payload: { accepted: true } } },
        applicationTo: 'accepted',
        document: { kind: 'acceptance-opinion', year, number: seq => documentNumber('acceptance-opinion', year, seq), body: (n, at) => acceptanceOpinion(context(n, at), findings, override) },
        message: message('acceptance.opinion'),
        ...(letter === null || owed === undefined
          ? {}
          : {
              also: async (tx, made) => {
                commitment = await catalogue.commitments.createIn(tx, {
                  projectCode: sub.projectCode, phaseCode: application?.phaseCode ?? null, applicationId: application?.id ?? null, decisionId: made.decisionId,
                  opinionNumber: made.document?.number ?? null, statements: owed.statements, signatory: owed.signatory.trim(),
                  startEvent: this.#deps.policy.timeLimits.commitment.startEvent, startDate, createdBy: decidedBy, items: owed.items
                })
              }
            })
      })
      this.#deps.onQueued?.()
    } else if (input.decision === 'rectification_required') {
      const listed: AcceptanceFinding[] = [...findings, ...archivistFindings(items)]
      result = await catalogue.reviews.decide({
        ...common,
        overrideReason: null,
        submission: { to: 'rejected', patch: { stage: 'rectification-required', progress: 100, error: { code: 'RECTIFICATION_REQUIRED', message: 'returned for rectification: see the notice of its decision' } } },
        applicationTo: 'rectify',
        document: { kind: 'rectification-notice', year, number: seq => documentNumber('rectification-notice', year, seq), body: (n, at) => rectificationNotice(context(n, at), listed) },
        message: message('acceptance.rectification')
      })
    } else {
      result = await catalogue.reviews.decide({
        ...common,
        overrideReason: null,
        submission: { to: 'rejected', patch: { stage: 'rejected-by-archivist', progress: 100, error: { code: 'DECISION_REJECTED', message: 'rejected by the archivist' } } },
        applicationTo: null,
        document: null,
        message: null
      })
    }
    if (input.decision !== 'accepted') await rm(this.#deps.stagingDir(sub.id), { recursive: true, force: true })
    return { ...result, commitment }
  }

  /** The letter's start and latest due date, or why it is refused (a letter goes only with an acceptance). */
  #letter (decision: DecisionKind, letter: CommitmentLetter): { startDate: string, latest: string } | LantaiError {
    if (decision !== 'accepted') return new LantaiError('DECISION_INVALID', 'a commitment letter goes with an acceptance only', { decision })
    try {
      return checkLetter(letter, this.#deps.policy.timeLimits.commitment, beijingDate(this.#clock()))
    } catch (err) {
      if (isLantaiError(err)) return err
      throw err
    }
  }

  /**
   * A commitment binds the builder (notice (七)): broken, it becomes a credit record against the builder
   * unit by its unified social credit code, so a project registered without one cannot take a commitment.
   */
  async #builderOf (projectCode: string): Promise<LantaiError | null> {
    const builders = (await this.#deps.catalogue.projectUnits.list(projectCode)).filter(u => u.role === 'builder' && u.uscc !== '')
    return builders.length > 0
      ? null
      : new LantaiError('COMMITMENT_BUILDER_UNKNOWN', `project ${projectCode} names no builder unit with its unified social credit code; register it (POST /v1/projects/${projectCode}/units) before accepting with a commitment`, { project: projectCode })
  }

  async #refused (type: string, objectType: 'project' | 'submission', objectId: string, principal: Principal | null, err: LantaiError, extra: Record<string, unknown> = {}): Promise<void> {
    await this.#deps.catalogue.events.append({ type, outcome: 'failure', agent: principal?.tokenId ?? 'system', objectType, objectId, detail: { code: err.code, message: err.message, ...err.details, ...extra } })
  }
}
