import { Type } from '@sinclair/typebox'
import { ProjectCode, SubmissionView } from './views.js'
import { CommitmentLetterSchema, CommitmentView } from './commitments.js'

// Acceptance review resources (issue 14 items 5, 6, 9): applications, decisions, documents.

const Time = (description: string) => Type.String({ description: `${description} (ISO 8601, UTC)` })

export const ApplicationView = Type.Object({
  id: Type.String({ description: 'application id (apl_…)' }),
  projectCode: ProjectCode,
  phaseCode: Type.Union([Type.String(), Type.Null()], { description: 'the phase (分期) applied for; null: the whole project' }),
  number: Type.String({ description: 'the application number, e.g. 验申〔2026〕第0001号' }),
  state: Type.String({ description: 'under_review | rectify | accepted | withdrawn' }),
  appliedAt: Time('when it was opened'),
  jointDueDate: Type.String({ description: 'the joint-completion-acceptance limit (YYYY-MM-DD, Beijing), from the policy\'s timeLimits.jointAcceptance; working days skip Saturdays and Sundays, holidays are not modelled' }),
  createdBy: Type.Union([Type.String(), Type.Null()], { description: 'token id' }),
  updatedAt: Time('last change')
})

export const ArchivistItemSchema = Type.Object({
  message: Type.String({ minLength: 1, maxLength: 2000, description: 'the defect, as the builder is to read it' }),
  messageZh: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'the same in Chinese (defaults to message)' })),
  path: Type.Optional(Type.String({ maxLength: 1000, description: 'the payload path it concerns (data/…)' }))
}, { additionalProperties: false })

export const DecisionView = Type.Object({
  id: Type.String({ description: 'decision id (dec_…)' }),
  submissionId: Type.String(),
  applicationId: Type.Union([Type.String(), Type.Null()]),
  decision: Type.String({ description: 'accepted | rectification_required | rejected' }),
  decidedBy: Type.String({ description: 'token id of the archivist' }),
  decidedAt: Time('when'),
  overrideReason: Type.Union([Type.String(), Type.Null()], { description: 'accepted despite errors: the recorded reason' }),
  items: Type.Array(ArchivistItemSchema, { description: 'the archivist\'s own items' })
})

export const DocumentView = Type.Object({
  number: Type.String({ description: 'the document number (文号), unique: 整改〔2026〕第0001号 or 验收〔2026〕第0001号' }),
  kind: Type.String({ description: 'rectification-notice | acceptance-opinion' }),
  year: Type.Integer(),
  sequence: Type.Integer({ description: 'its place in the year\'s numbering of its kind' }),
  applicationId: Type.Union([Type.String(), Type.Null()]),
  submissionId: Type.String(),
  decisionId: Type.String(),
  body: Type.Unknown({ description: 'the document model (src/acceptance/document.ts): bilingual title and paragraphs, every finding, the resubmission comparison' }),
  issuedAt: Time('when it was issued')
})

export const ApplicationDetailView = Type.Object({
  application: ApplicationView,
  submissions: Type.Array(SubmissionView),
  decisions: Type.Array(DecisionView),
  documents: Type.Array(DocumentView)
})

export const DecisionRequest = Type.Object({
  decision: Type.Union([Type.Literal('accepted'), Type.Literal('rectification_required'), Type.Literal('rejected')], { description: 'accepted: stored as a new version; rectification_required: a numbered notice, nothing stored; rejected: nothing stored, no notice' }),
  items: Type.Optional(Type.Array(ArchivistItemSchema, { maxItems: 500, description: 'the archivist\'s own items for the notice' })),
  override: Type.Optional(Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000, description: 'why the errors of the report are accepted anyway (recorded)' }) }, { additionalProperties: false })),
  commitment: Type.Optional(CommitmentLetterSchema)
}, { additionalProperties: false })

export const DecisionResult = Type.Object({
  decision: DecisionView,
  document: Type.Union([DocumentView, Type.Null()], { description: 'the document issued; null for a rejection' }),
  submission: SubmissionView,
  commitment: Type.Optional(Type.Union([CommitmentView, Type.Null()], { description: 'the commitment letter written with an acceptance' }))
})

export const DeadlinesView = Type.Object({
  today: Type.String({ description: 'YYYY-MM-DD, Beijing' }),
  within: Type.Integer({ description: 'days ahead that count as near' }),
  items: Type.Array(Type.Object({
    application: ApplicationView,
    daysLeft: Type.Integer({ description: 'days to the limit; negative when past it' }),
    overdue: Type.Boolean()
  }))
})
