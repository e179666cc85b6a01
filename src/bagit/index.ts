// The public face of the BagIt capability; other capabilities import from here only.
export { BAG_CODES, type BagCode, type Severity } from './codes.js'
export { finding, Findings, type Finding, type FindingFields } from './findings.js'
export { DEFAULT_LIMITS, resolveLimits, type BagLimits } from './limits.js'
export { validateBag, type BagReport, type BagStats, type ValidateOptions, type ValidationProgress } from './validate.js'
export { archiveOnlyReport, validatePackage, withArchiveFindings, type PackageOptions, type PackageReport } from './package.js'
export { loadProfile, parseProfile, checkProfile, type BagitProfile, type BagFacts } from './profile.js'
export { bagReportJson, findingJson, type BagReportJson, type FindingJson } from './report-json.js'
export { createBag, parseInfoArgument, DEFAULT_BAG_ALGORITHMS, type BagInfoTag, type CreateBagOptions, type CreatedBag } from './create.js'
