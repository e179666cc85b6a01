// The audit capability's public face (issue 15 items 8 and 9).
export { CHAIN_ALGORITHMS, GENESIS_HASH, canonicalJson, encodeRow, isChainAlgorithm, rowHash, type ChainAlgorithm, type ChainFields } from './chain.js'
export { checkSignature, checkpointMessage, loadSigner, makeCheckpoint, signerFingerprint, signWith, verifyWith, type CheckpointAlgorithm, type CheckpointSigner, type SignatureCheck } from './checkpoint.js'
export { AuditTrail, DEFAULT_AUDIT_OPTIONS, type AuditActor, type AuditEntry, type AuditTrailOptions } from './trail.js'
export { verifyTrail, type BreakKind, type ChainBreak, type CheckpointProblem, type CheckpointProblemKind, type VerifyOptions, type VerifyReport } from './verify.js'
export { exportTrail } from './export.js'
export { CLASSIFIED_TIERS, dailyReport, type DailyReport, type ReportLine } from './report.js'
export { sm2Sign } from '../seals/sm2.js'
