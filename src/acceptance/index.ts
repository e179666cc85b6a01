// The public face of acceptance: the center's policy and the requirements notice (issue 14 items 2-3);
// checks, decisions, notices and commitments follow.
export { ACCEPTANCE_POLICY_FILE, SHIPPED_ACCEPTANCE_POLICY, loadAcceptancePolicy, parseAcceptancePolicy, type AcceptancePolicy, type PolicyProblem } from './policy.js'
export {
  CATEGORIES, COMMITMENT_START_EVENTS, FORMAT_IDS, METADATA_TYPES, PRODUCERS, PROPERTIES, SOURCES, type AcceptedFormat, type CategoryCode, type CommitmentStartEvent,
  type FormatId, type FourPropertyCheck, type MetadataElement, type Producer, type Property, type ScopeCategory, type ScopeItem, type Text, type TimeLimits
} from './policy-schema.js'
export { globToRegExp, itemsOf, type FileToMatch, type ItemMatcher } from './policy-match.js'
export { COMMITMENT_START_TEXT, PRODUCER_TEXT, requirementsNotice, type RequiredItem, type RequirementsNotice, type ResponsibleUnit } from './requirements.js'
export { renderRequirementsHtml } from './requirements-html.js'
export {
  ACCEPTANCE_CODES, METADATA_FILE, PRODUCER_ELEMENT, checkAcceptance, type AcceptanceCode, type AcceptanceCodeName, type AcceptanceInput, type AcceptanceResult,
  type FileAcceptance, type FileMetadata, type SealDecisionOfFile, readMetadata
} from './checks/index.js'
export { AcceptanceReview, type ApplicationDetail, type DeadlineEntry, type DecideInput, type ReviewDeps } from './review.js'
export { acceptanceOpinion, rectificationNotice, type AcceptanceDocumentBody } from './document.js'
export { renderDocumentHtml } from './document-html.js'
export { beijingDate, documentNumber, jointAcceptanceDue } from './numbering.js'
export { automaticFindings } from './review-findings.js'
export { compareWithNotice, type ResubmissionComparison } from './resubmission.js'
export { phaseStatus, type PhaseState, type PhaseStatus } from './phase-status.js'
