// The public face of access control's two-person rules and aggregation guard (issue 15 items 5, 6).
export { AggregationGuard, measure, type Caps, type GuardAction, type GuardOutcome, type ListedRecord, type PersonUsage, type Usage } from './aggregation.js'
export { ApprovalEngine, type ApprovalInput, type ExecutionContext, type Executor, type ExecutorOptions } from './approvals.js'
export { finishRemovals, registerDeletion, type DeletionDeps } from './approvals-deletion.js'
export { registerDeclassify, type DeclassifyDeps } from './approvals-declassify.js'
export { ExportGate, type ExportGateDeps, type ExportGrant, type ExportRequest } from './export-gate.js'
export { registerPolicyChange, type PolicyChangeDeps } from './approvals-policy-change.js'
export { AggregationChange, POLICY_SECTIONS, PolicyInForce, RequestsChange, applyPolicyChanges, policyChangeOf, type PolicyChange, type PolicySection } from './policy-change.js'
export { ApprovalsPolicy, DEFAULT_APPROVALS_POLICY, loadApprovalsPolicy, parseApprovalsPolicy, type AggregationSettings } from './approvals-policy.js'
export { KIND_RULES, REQUESTER_ROLES, mayDecide, mayRequest, seesAll, type KindRule } from './approvals-rules.js'
// The access capability's public face (issue 15 items 1, 2, 4): the one gate, the labels, what a caller may see.
export { ACTIONS, isAction, type Action, type ActionRule } from './actions.js'
export { authorize, authorizeRoles, type AccessObject, type Decision, type RefusalReason } from './gate.js'
export { checkLogicalPath, FileReadGate, MAX_LOGICAL_PATH, type PipelineReadGuard } from './file-gate.js'
export { declassify, raiseLabel, type DeclassifyApproval } from './label-changes.js'
export {
  CLASSIFICATION_TIERS, PIPELINE_FLOOR, TIERS, clears, highest, isTier, labelOf, rank, tierOfPackage, visibleTiers,
  type FileLabel, type LabelSource, type PipelineRead, type Tier
} from './labels.js'
export { applicationFor, documentFor, packageFor, projectFor, submissionFor } from './objects.js'
export { tiersFor } from './visibility.js'
export { decryptStream, encryptStream, loadMasterKey, plaintextSize, unwrap, type MasterKey, type TierKey, type WrappedKey } from './keys.js'
export { TierKeyring } from './tier-keys.js'
