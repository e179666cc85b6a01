// The public face of the fixity capability.
export { checkContent, compareThree, inventoryDigests, Throttle, type CheckResult, type ContentToCheck } from './check.js'
export { DEFAULT_FIXITY_POLICY, FixityPolicy, loadFixityPolicy } from './policy.js'
export { FIXITY_JOB, FixityService, type DamagedFile, type FixityProgress, type FixityRunOptions, type FixityRunResult } from './service.js'
