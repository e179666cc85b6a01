// The public face of access control's two-person rules and aggregation guard (issue 15 items 5, 6).
export { AggregationGuard, measure, type Caps, type GuardAction, type GuardOutcome, type PersonUsage, type PipelineRead, type Usage } from './aggregation.js'
export { noPipelineLabels, type PipelineLabeler } from './aggregation-labels.js'
export { ApprovalEngine, type ApprovalInput, type ExecutionContext, type Executor, type ExecutorOptions } from './approvals.js'
export { finishRemovals, registerDeletion, type DeletionDeps } from './approvals-deletion.js'
export { ApprovalsPolicy, DEFAULT_APPROVALS_POLICY, loadApprovalsPolicy, parseApprovalsPolicy, type AggregationSettings } from './approvals-policy.js'
export { KIND_RULES, REQUESTER_ROLES, mayDecide, mayRequest, seesAll, type KindRule } from './approvals-rules.js'
