// One report model for CMS, PAdES and OFD/SES seals, in the style of ETSI EN 319 102-1 as DSS applies it
// (research-seals.md §2.3): per signature an indication, a sub-indication, and the evidence behind it,
// so a decision taken today can be re-checked in fifty years (rule R6).

export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE'

export type SubIndication =
  // TOTAL_FAILED
  | 'FORMAT_FAILURE' | 'HASH_FAILURE' | 'SIG_CRYPTO_FAILURE' | 'REVOKED' | 'EXPIRED' | 'NOT_YET_VALID'
  // INDETERMINATE: missing material
  | 'NO_SIGNING_CERTIFICATE_FOUND' | 'NO_CERTIFICATE_CHAIN_FOUND' | 'SIGNED_DATA_NOT_FOUND'
  // INDETERMINATE: no proof of existence
  | 'REVOKED_NO_POE' | 'REVOKED_CA_NO_POE' | 'OUT_OF_BOUNDS_NO_POE' | 'OUT_OF_BOUNDS_NOT_REVOKED' | 'NO_POE'
  // INDETERMINATE: constraints and timing
  | 'CRYPTO_CONSTRAINTS_FAILURE' | 'CHAIN_CONSTRAINTS_FAILURE' | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'POLICY_PROCESSING_ERROR' | 'TIMESTAMP_ORDER_FAILURE' | 'TRY_LATER'

export interface CertificateInfo {
  subject: string
  issuer: string
  serialNumber: string
  notBefore: string
  notAfter: string
  /** sha256 of the DER, lowercase hex: the key to the certificate in `evidence`. */
  sha256: string
  /** 'RSA-3072', 'EC P-384', 'SM2', … */
  publicKey: string
}

export interface RevocationEvidence {
  /** Which certificate this is about (CertificateInfo.sha256). */
  certificate: string
  source: 'crl' | 'ocsp' | 'none'
  status: 'good' | 'revoked' | 'unknown'
  thisUpdate?: string
  nextUpdate?: string
  revocationTime?: string
  reason?: string
  /** Whether the CRL's or OCSP response's own signature was verified. */
  signatureVerified: boolean
}

export interface TimestampEvidence {
  /** TSA name (subject of the TSA certificate). */
  tsa: string
  genTime: string
  /** The message imprint matches the signature value it stamps. */
  imprintMatches: boolean
  indication: Indication
  subIndication: SubIndication | null
}

/** What the signature covers. */
export interface SignatureScope {
  /** True when the signature covers the final document as delivered (rule R1). */
  wholeDocument: boolean
  /** A sentence for people: "bytes 0–1234 and 5678–9000 of 9000 (revision 2 of 2)". */
  description: string
  /** PAdES: changes after the signed revision, classified ('dss', 'document-timestamp', 'annotation', 'other'). */
  laterChanges?: string[]
  /** PAdES DocMDP permission (1, 2, 3) when the signature is a certification signature. */
  docMdp?: number
  /** OFD: each referenced file and whether its SM3 digest matched. */
  references?: Array<{ file: string, matches: boolean }>
  /** OFD: content files that no signature's references cover. */
  unreferenced?: string[]
}

/** The seal itself, for SES seals (GM/T 0031, GB/T 38540). */
export interface SealInfo {
  name: string
  esId: string
  version: 'v1' | 'v4'
  validFrom: string
  validTo: string
  /** The seal-making system (制章系统) whose signature on the seal was checked. */
  maker: CertificateInfo | null
  makerSignatureValid: boolean
}

export interface SignatureReport {
  kind: 'cms' | 'pades' | 'ofd-ses'
  /** Where in the file: the PDF field name, the OFD signature file, 'p7s'. */
  id: string
  /** 'CAdES-BASELINE-B', 'PAdES-BASELINE-T', 'SES v4', … */
  format: string
  indication: Indication
  subIndication: SubIndication | null
  /** Why, in sentences (every check that did not pass). */
  reasons: string[]
  warnings: string[]
  digestAlgorithm: string | null
  signatureAlgorithm: string | null
  signer: CertificateInfo | null
  /** Signer first, then up to the anchor. */
  chain: CertificateInfo[]
  /** The trust anchor the path ends at, or null. */
  anchor: CertificateInfo | null
  claimedSigningTime: string | null
  /** The earliest time the signature is proven to exist (a verified timestamp), else the validation time. */
  bestSignatureTime: string
  validationTime: string
  revocation: RevocationEvidence[]
  timestamps: TimestampEvidence[]
  scope: SignatureScope
  seal?: SealInfo
  /**
   * PAdES document timestamp (/SubFilter /ETSI.RFC3161): it proves when the bytes existed, names no
   * signer, and is never the seal or signature rule R1 asks for.
   */
  documentTimestamp?: boolean
}

/** The material a decision rests on, kept with the package (R6). DER bytes, base64 in JSON. */
export interface Evidence {
  certificates: Uint8Array[]
  crls: Uint8Array[]
  ocspResponses: Uint8Array[]
  timestamps: Uint8Array[]
}

/**
 * A report with nothing established yet, TOTAL_FAILED/FORMAT_FAILURE until a verifier says otherwise:
 * what a verifier starts from, and what it returns for a file it cannot read.
 */
export function blankReport (kind: SignatureReport['kind'], id: string, format: string, validationTime: Date, scope: SignatureScope): SignatureReport {
  return {
    kind, id, format, indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', reasons: [], warnings: [],
    digestAlgorithm: null, signatureAlgorithm: null, signer: null, chain: [], anchor: null, claimedSigningTime: null,
    bestSignatureTime: validationTime.toISOString(), validationTime: validationTime.toISOString(),
    revocation: [], timestamps: [], scope
  }
}

export const emptyEvidence = (): Evidence => ({ certificates: [], crls: [], ocspResponses: [], timestamps: [] })

/** Result of verifying one file's signatures (before the paper decision). */
export interface FileVerification {
  format: 'pdf' | 'ofd' | 'p7s' | 'other'
  signatures: SignatureReport[]
  evidence: Evidence
  /** Facts about the file's origin for rule R0 (scanner producer strings, image-only pages). */
  originHints: string[]
}

/** Bounds on the work spent on one file: untrusted input must never hang or exhaust memory. */
export interface VerifyLimits {
  maxFileBytes: number
  maxSignatures: number
  maxAsn1Depth: number
  /** Wall-clock budget per file, enforced by an AbortSignal. */
  timeoutMs: number
}

export const DEFAULT_VERIFY_LIMITS: VerifyLimits = { maxFileBytes: 512 * 1024 * 1024, maxSignatures: 64, maxAsn1Depth: 64, timeoutMs: 30_000 }
