// The public face of the seals capability.
export { decidePaper, type DecisionInput, type PaperDecision, type PaperOutcome } from './decision.js'
export { verifyFile, sniffSealFormat, sealFormatOf, isCmsHead, detachedContentPath, unsignedFileReport, SNIFF_BYTES, type FileSealReport, type VerifyFileOptions } from './verify-file.js'
export { loadTrustStore, loadTrustDir, emptyTrustStore, trustFingerprint, type TrustStore } from './trust.js'
export { verifyCms } from './cms.js'
export { verifyPdf } from './pdf/verify-pdf.js'
export { verifyOfd } from './ofd/verify-ofd.js'
export type { CertificateInfo, Evidence, FileVerification, Indication, SignatureReport, SubIndication } from './report.js'
export { SealVerifierPool, inProcessVerifier, type SealVerifier, type SealVerifierPoolOptions } from './verify-pool.js'
