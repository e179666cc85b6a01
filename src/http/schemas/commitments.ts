import { Type } from '@sinclair/typebox'
import { ProjectCode } from './views.js'

// Commitments (承诺书), credit records (失信行为记录) and the phase view (issue 14 items 7, 8, 10).

const Time = (description: string) => Type.String({ description: `${description} (ISO 8601, UTC)` })
const Day = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `${description} (YYYY-MM-DD, Beijing)` })
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const CommitmentStatementsSchema = Type.Object({
  complete: Type.Boolean({ description: '档案齐全: the archive is complete' }),
  matchesWorks: Type.Boolean({ description: '与工程实体相符: it matches the project as built' }),
  scansMatchPaper: Type.Boolean({ description: '电子与纸质一致: scans equal the paper originals' }),
  transferOnTime: Type.Boolean({ description: '按时移交: it will be transferred on time' })
}, { additionalProperties: false, description: 'the four statements of the notice (七); each must be true' })

export const CommitmentLetterSchema = Type.Object({
  statements: CommitmentStatementsSchema,
  signatory: Type.String({ minLength: 1, maxLength: 200, description: 'who signs for the builder (建设单位负责人)' }),
  items: Type.Array(Type.Object({
    code: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^,]+$', description: 'the item\'s code (a filing-scope item code, or the center\'s own); a supplementary submission names it' }),
    description: Type.String({ minLength: 1, maxLength: 2000, description: 'what is owed' }),
    dueDate: Day('when it is due; at most timeLimits.commitment.maxMonths after the start event')
  }, { additionalProperties: false }), { minItems: 1, maxItems: 500, description: 'the items still owed (待补交事项)' }),
  startsOn: Type.Optional(Day('the start event\'s date, when the policy counts from completion acceptance or transfer; ignored for opinion-date'))
}, { additionalProperties: false, description: 'a commitment letter (承诺书): with an acceptance only; a due date past the policy\'s limit is 422 COMMITMENT_DUE_TOO_LATE' })

export const CommitmentItemView = Type.Object({
  code: Type.String(),
  description: Type.String(),
  dueDate: Day('due'),
  state: Type.String({ description: 'owed | overdue | fulfilled' }),
  submissionId: Nullable(Type.String({ description: 'the supplementary submission that fulfilled it' })),
  packageId: Nullable(Type.String()),
  version: Type.Union([Type.Integer({ description: 'the package version that holds it' }), Type.Null()]),
  fulfilledAt: Nullable(Time('when'))
})

export const CommitmentView = Type.Object({
  id: Type.String({ description: 'commitment id (cmt_…)' }),
  projectCode: ProjectCode,
  phaseCode: Nullable(Type.String({ description: 'the phase; null: the whole project' })),
  applicationId: Nullable(Type.String()),
  decisionId: Type.String({ description: 'the accepting decision it goes with' }),
  opinionNumber: Nullable(Type.String({ description: 'the acceptance opinion (验收合格意见) number' })),
  statements: CommitmentStatementsSchema,
  signatory: Type.String(),
  startEvent: Type.String({ description: 'opinion-date | completion-acceptance | transfer (the policy\'s)' }),
  startDate: Day('the period counts from'),
  dueDate: Day('the latest item\'s due date'),
  state: Type.String({ description: 'open | overdue | fulfilled' }),
  createdBy: Type.String(),
  createdAt: Time('when'),
  updatedAt: Time('last change'),
  items: Type.Array(CommitmentItemView)
})

export const SweepView = Type.Object({
  today: Day('items due before this day are overdue'),
  settled: Type.Array(Type.String(), { description: 'submissions whose claims were settled' }),
  overdue: Type.Array(Type.Object({ commitmentId: Type.String(), projectCode: ProjectCode, items: Type.Array(Type.String()), creditRecords: Type.Array(Type.String()) }))
})

const CreditEntryView = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'appeal | correction' }),
  refersTo: Nullable(Type.String()),
  standing: Type.String({ description: 'the standing this entry gave the record' }),
  recordedAt: Time('when'),
  recordedBy: Type.String({ description: 'token id' }),
  reason: Nullable(Type.String()),
  evidence: Type.Unknown()
})

export const CreditRecordView = Type.Object({
  id: Type.String({ description: 'credit record id (crd_…)' }),
  type: Type.String({ description: 'commitment-overdue: a commitment past its due date' }),
  standing: Type.String({ description: 'in_force | appealed | upheld | corrected | revoked: the last entry\'s' }),
  unit: Type.Object({ uscc: Type.String({ description: '统一社会信用代码' }), name: Type.String(), role: Type.String() }),
  persons: Type.Array(Type.Object({ name: Type.String(), title: Type.Optional(Type.String()) }), { description: 'the persons in charge (项目负责人 …)' }),
  projectCode: ProjectCode,
  commitmentId: Nullable(Type.String()),
  occurredOn: Day('the breach'),
  recordedAt: Time('recorded'),
  recordedBy: Type.String(),
  evidence: Type.Unknown({ description: 'the commitment and the items broken' }),
  history: Type.Array(CreditEntryView, { description: 'appeals and corrections, oldest first; nothing is ever removed' })
})

export const AppealBody = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 4000, description: 'why the builder contests the record' }),
  evidence: Type.Optional(Type.Unknown({ description: 'references to what supports it' }))
}, { additionalProperties: false })

export const CorrectionBody = Type.Object({
  outcome: Type.Union([Type.Literal('upheld'), Type.Literal('corrected'), Type.Literal('revoked')], { description: 'upheld: the record stands; corrected: it stands with what was wrong in it said; revoked: it no longer counts' }),
  reason: Type.String({ minLength: 1, maxLength: 4000 }),
  evidence: Type.Optional(Type.Unknown())
}, { additionalProperties: false })

export const EvaluationView = Type.Object({
  uscc: Type.String(),
  name: Nullable(Type.String()),
  on: Day('the evaluation day'),
  score: Type.Integer({ description: '100 less 20 for each record that counts (docs/credit.md)' }),
  grade: Type.String({ description: 'A | B | C | D' }),
  counted: Type.Array(Type.String(), { description: 'the records that count' }),
  standings: Type.Record(Type.String(), Type.Integer()),
  records: Type.Array(CreditRecordView)
})

export const PhaseStatusView = Type.Object({
  phase: Type.Union([Type.Object({ code: Type.String(), name: Type.String(), position: Type.Integer() }), Type.Null()], { description: 'null: applications for the whole project' }),
  state: Type.String({ description: 'not_applied | under_review | rectify | accepted | committed | breached | transferred | withdrawn' }),
  applications: Type.Array(Type.Object({ id: Type.String(), number: Type.String(), state: Type.String(), appliedAt: Type.String(), jointDueDate: Type.String() })),
  opinion: Nullable(Type.String({ description: 'the acceptance opinion\'s number' })),
  commitments: Type.Array(Type.Object({ id: Type.String(), state: Type.String(), dueDate: Type.String() })),
  transferred: Type.Union([Type.Object({ submissionId: Type.String(), packageId: Nullable(Type.String()), version: Type.Union([Type.Integer(), Type.Null()]) }), Type.Null()])
})
