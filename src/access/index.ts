// The access capability's public face (issue 15 items 1, 2, 4): the one gate, the labels, what a caller may see.
export { ACTIONS, isAction, type Action, type ActionRule } from './actions.js'
export { authorize, authorizeRoles, type AccessObject, type Decision, type RefusalReason } from './gate.js'
export { checkLogicalPath, FileReadGate, MAX_LOGICAL_PATH, type PipelineReadGuard } from './file-gate.js'
export { declassify, raiseLabel, type DeclassifyApproval } from './label-changes.js'
export {
  CLASSIFICATION_TIERS, PIPELINE_FLOOR, TIERS, clears, highest, isTier, labelOf, rank, tierOfPackage, visibleTiers,
  type FileLabel, type LabelSource, type PipelineRead, type Tier
} from './labels.js'
export { packageFor } from './objects.js'
export { tiersFor } from './visibility.js'
