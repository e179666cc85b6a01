// The public face of the fixity capability.
export { algorithmsFor, checkContent, compareThree, inventoryDigests, Throttle, type CheckResult, type ContentToCheck, type ObjectRecord } from './check.js'
export { DEFAULT_FIXITY_POLICY, FixityPolicy, loadFixityPolicy } from './policy.js'
export { FIXITY_JOB, FixityService, ROUND_EVENT, type DamagedFile, type FixityRoundSummary, type RunningRound, type FixityProgress, type FixityRunOptions, type FixityRunResult } from './service.js'
