import type * as pkijs from 'pkijs'
import type { CertificateInfo, Evidence, Indication, RevocationEvidence, SubIndication } from './report.js'
import { verifySignatureOnce } from './crypto-engine.js'
import { prepareRevocationSources, revocationFindings, type RevocationSources } from './revocation.js'
import type { TrustStore } from './trust.js'
import {
  KEY_USAGE, OID_AUTHORITY_KEY_ID, OID_BASIC_CONSTRAINTS, OID_EXT_KEY_USAGE, OID_KEY_USAGE, OID_OCSP_NOCHECK, OID_SUBJECT_KEY_ID,
  authorityKeyId, basicConstraints, bytesEqual, certificateOf, errorText, extendedKeyUsages, extension, hasKeyUsage, infoOf,
  perContent, sameName, sha256Hex, spkiDer, subjectKeyId
} from './x509.js'

// X.509 path building and validation (RFC 5280 §6, simplified: no policy or name-constraint processing)
// with time-aware revocation, mapped to EN 319 102-1 indications (research-seals.md §2.3).
//
// Decision: missing revocation data is INDETERMINATE/TRY_LATER, not a warning. Rule R2 lets paper be
// waived only when "revocation is known at best-signature-time", and EN 319 102-1 Table 5 defines
// TRY_LATER as "not all constraints can be fulfilled using available information. However, it may be
// possible to do so using additional revocation information that will be available at a later point of
// time" — exactly the R4 review queue that re-runs when CRLs or OCSP responses arrive. Certificates with
// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1) and the trust anchor itself are not checked.

export interface PathResult {
  indication: Indication
  subIndication: SubIndication | null
  /** Signer first, then up to and including the anchor (or as far as the path could be built). */
  chain: CertificateInfo[]
  anchor: CertificateInfo | null
  revocation: RevocationEvidence[]
  reasons: string[]
  warnings: string[]
}

export interface PathOptions {
  /**
   * `at` is proven by a verified timestamp (proof of existence). Without it `at` is only the validation
   * time, so a revoked or expired certificate cannot be excused (…_NO_POE).
   */
  atIsProven?: boolean
  /** Revocation data that came with the signature (CMS revocationInfoChoices, PDF /DSS), besides the trust store's. */
  crls?: Uint8Array[]
  ocspResponses?: Uint8Array[]
  /** Trust anchors to use instead of trust.anchors (e.g. seal-making systems for SES maker certificates). */
  anchors?: Uint8Array[]
  /** An extended key usage the end entity must carry (id-kp-timeStamping for a TSA, RFC 3161 §2.3). */
  requiredEku?: string
  /** 'signing': the end entity's keyUsage, when present, must allow digitalSignature or nonRepudiation. */
  keyUsage?: 'signing' | 'any'
}

interface Node { cert: pkijs.Certificate, der: Uint8Array, key: string, info: CertificateInfo, anchor: boolean }

const MAX_PATH = 10
const MAX_SIGNATURE_CHECKS = 256
// Extensions this module understands (or that carry no constraint); any other critical one fails the path (RFC 5280 §4.2).
const HANDLED = new Set([OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, OID_EXT_KEY_USAGE, OID_SUBJECT_KEY_ID, OID_AUTHORITY_KEY_ID, OID_OCSP_NOCHECK,
  '2.5.29.17', '2.5.29.18', '2.5.29.32', '2.5.29.31', '1.3.6.1.5.5.7.1.1', '2.5.29.46', '1.3.6.1.5.5.7.1.3'])

/** Worst first: the first one found is the path's sub-indication. */
const SEVERITY: SubIndication[] = ['FORMAT_FAILURE', 'REVOKED', 'EXPIRED', 'NOT_YET_VALID', 'NO_CERTIFICATE_CHAIN_FOUND', 'CHAIN_CONSTRAINTS_FAILURE',
  'CRYPTO_CONSTRAINTS_FAILURE', 'REVOKED_NO_POE', 'REVOKED_CA_NO_POE', 'OUT_OF_BOUNDS_NO_POE', 'TRY_LATER']
const FAILED = new Set<SubIndication>(['FORMAT_FAILURE', 'REVOKED', 'EXPIRED', 'NOT_YET_VALID'])

/** Adds DER to an evidence list once. */
export function addEvidence (list: Uint8Array[], der: Uint8Array): void {
  if (!list.some(d => bytesEqual(d, der))) list.push(der)
}

// Path building was most of the time on a 1,000-PDF submission, re-parsing the same trust store and
// the same seal and CA certificates that came with every signature: parsed once per content now.
const parseNode = perContent((der): Omit<Node, 'anchor'> | string => {
  const p = certificateOf(der)
  if (!p.ok) return p.reason
  try {
    return { cert: p.value, der, key: sha256Hex(der), info: infoOf(p.value, der) }
  } catch (e) {
    return `certificate: ${errorText(e)}`
  }
})

function toNode (der: Uint8Array, anchor: boolean): Node | string {
  const parsed = parseNode(der)
  return typeof parsed === 'string' ? parsed : { ...parsed, anchor }
}

const label = (n: Node): string => n.info.subject || n.key.slice(0, 16)

function sameKey (a: pkijs.Certificate, b: pkijs.Certificate): boolean {
  try { return bytesEqual(spkiDer(a.subjectPublicKeyInfo), spkiDer(b.subjectPublicKeyInfo)) } catch { return false }
}

/**
 * Builds the path from `signer` to a trust anchor using `candidates` (certificates from the signature),
 * trust.extraCertificates and the anchors, then checks signatures, validity at `at`, basicConstraints,
 * keyUsage, pathLen and revocation of every certificate but the anchor. Every certificate, CRL and OCSP
 * response relied on is appended to `evidence`. Never throws.
 */
export async function validateCertificatePath (signer: Uint8Array, candidates: Uint8Array[], trust: TrustStore, at: Date, evidence: Evidence,
  options: PathOptions = {}): Promise<PathResult> {
  const result: PathResult = { indication: 'INDETERMINATE', subIndication: null, chain: [], anchor: null, revocation: [], reasons: [], warnings: [] }
  try {
    return await validate(signer, candidates, trust, at, evidence, options, result)
  } catch (e) {
    result.indication = 'INDETERMINATE'
    result.subIndication = 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
    result.reasons.push(`path validation failed: ${errorText(e)}`)
    return result
  }
}

async function validate (signerDer: Uint8Array, candidates: Uint8Array[], trust: TrustStore, at: Date, evidence: Evidence,
  options: PathOptions, result: PathResult): Promise<PathResult> {
  const subs = new Set<SubIndication>()
  const signer = toNode(signerDer, false)
  if (typeof signer === 'string') {
    result.indication = 'TOTAL_FAILED'
    result.subIndication = 'FORMAT_FAILURE'
    result.reasons.push(`the signing certificate cannot be read: ${signer}`)
    return result
  }

  // 1. The pool: anchors first so that a path prefers to end at one.
  const anchorDers = options.anchors ?? trust.anchors
  const pool = new Map<string, Node>()
  for (const [ders, anchor] of [[anchorDers, true], [candidates, false], [trust.extraCertificates, false]] as const) {
    for (const der of ders) {
      const n = toNode(der, anchor)
      if (typeof n === 'string') { if (!anchor) result.warnings.push(`a certificate that came with the signature was ignored: ${n}`); continue }
      if (!pool.has(n.key)) pool.set(n.key, n)
    }
  }
  const anchors = [...pool.values()].filter(n => n.anchor)
  const isAnchor = (n: Node): Node | null => pool.get(n.key)?.anchor === true
    ? n
    : anchors.find(a => sameName(a.cert.subject, n.cert.subject) && sameKey(a.cert, n.cert)) ?? null

  // 2. Depth-first search for a path whose every signature verifies.
  const badSignatures: string[] = []
  let best: Node[] = [signer]
  // Many certificates with one name and one key would make the search exponential: cap the signature checks.
  let budget = MAX_SIGNATURE_CHECKS
  const search = (path: Node[]): Node[] | null => {
    const cur = path[path.length - 1] as Node
    const anchor = isAnchor(cur)
    if (anchor !== null) return [...path.slice(0, -1), anchor]
    if (path.length > best.length) best = path
    if (path.length >= MAX_PATH) return null
    const aki = authorityKeyId(cur.cert)
    const issuers = [...pool.values()].filter(c => !path.some(p => p.key === c.key) && sameName(cur.cert.issuer, c.cert.subject) && (() => {
      const ski = subjectKeyId(c.cert)
      return aki === null || ski === null || bytesEqual(aki, ski)
    })())
    issuers.sort((a, b) => Number(b.anchor) - Number(a.anchor))
    for (const issuer of issuers) {
      if (--budget < 0) return null
      const check = verifySignatureOnce(cur.cert, issuer.cert, { algorithm: cur.cert.signatureAlgorithm, publicKey: issuer.cert.subjectPublicKeyInfo, data: cur.cert.tbsView, signature: cur.cert.signatureValue.valueBlock.valueHexView })
      if (!check.valid) {
        badSignatures.push(`the signature on "${label(cur)}" does not verify with the key of "${label(issuer)}"${check.unsupported !== undefined ? ` (${check.unsupported})` : ''}`)
        continue
      }
      const found = search([...path, issuer])
      if (found !== null) return found
    }
    return null
  }
  const path = search([signer])
  if (path === null) {
    if (budget < 0) result.warnings.push(`path building stopped after ${MAX_SIGNATURE_CHECKS} signature checks`)
    result.chain = best.map(n => n.info)
    for (const n of best) addEvidence(evidence.certificates, n.der)
    result.subIndication = 'NO_CERTIFICATE_CHAIN_FOUND'
    result.reasons.push(`no path from "${label(signer)}" to a trusted anchor`, ...badSignatures)
    return result
  }
  result.chain = path.map(n => n.info)
  const anchor = path[path.length - 1] as Node
  result.anchor = anchor.info
  for (const n of path) addEvidence(evidence.certificates, n.der)

  // 3. Validity at `at`. The anchor's own dates are the operator's business; warn only.
  if (at < anchor.cert.notBefore.value || at > anchor.cert.notAfter.value) result.warnings.push(`the trust anchor "${label(anchor)}" is outside its validity at ${at.toISOString()}`)
  path.slice(0, -1).forEach((n, i) => {
    const what = i === 0 ? 'the signing certificate' : `the CA certificate "${label(n)}"`
    if (at < n.cert.notBefore.value) {
      // the signature exists at `at`, so it was made before the certificate was valid: proven either way
      subs.add('NOT_YET_VALID')
      result.reasons.push(`${what} is not valid before ${n.info.notBefore}; the signature exists at ${at.toISOString()}`)
    } else if (at > n.cert.notAfter.value) {
      if (options.atIsProven === true) {
        subs.add('EXPIRED')
        result.reasons.push(`${what} expired at ${n.info.notAfter}, before the proven signature time ${at.toISOString()}`)
      } else {
        subs.add('OUT_OF_BOUNDS_NO_POE')
        result.reasons.push(`${what} expired at ${n.info.notAfter} and no timestamp proves the signature existed before then`)
      }
    }
  })

  // 4. Constraints (RFC 5280 §6.1.4): CA flag, keyCertSign, pathLen; the end entity's key usage and EKU.
  path.forEach((n, i) => {
    for (const ext of n.cert.extensions ?? []) {
      if (ext.critical && !HANDLED.has(ext.extnID) && i < path.length - 1) {
        subs.add('CHAIN_CONSTRAINTS_FAILURE')
        result.reasons.push(`"${label(n)}" has an unsupported critical extension ${ext.extnID}`)
      }
    }
    if (i === 0) return
    const bc = basicConstraints(n.cert)
    if (bc === null || !bc.ca) {
      if (n.anchor && path.length === 1) return
      subs.add('CHAIN_CONSTRAINTS_FAILURE')
      result.reasons.push(`"${label(n)}" issues certificates but is not a CA (basicConstraints)`)
    } else if (bc.pathLen !== null && i - 1 > bc.pathLen) {
      subs.add('CHAIN_CONSTRAINTS_FAILURE')
      result.reasons.push(`"${label(n)}" allows ${bc.pathLen} intermediate CA(s) below it, the path has ${i - 1}`)
    }
    if (hasKeyUsage(n.cert, KEY_USAGE.keyCertSign) === false) {
      subs.add('CHAIN_CONSTRAINTS_FAILURE')
      result.reasons.push(`"${label(n)}" lacks the keyCertSign key usage`)
    }
  })
  if ((options.keyUsage ?? 'signing') === 'signing' && hasKeyUsage(signer.cert, KEY_USAGE.digitalSignature) === false &&
    hasKeyUsage(signer.cert, KEY_USAGE.nonRepudiation) === false) {
    subs.add('CHAIN_CONSTRAINTS_FAILURE')
    result.reasons.push('the signing certificate\'s key usage allows neither digitalSignature nor nonRepudiation')
  }
  if (options.requiredEku !== undefined && !(extendedKeyUsages(signer.cert) ?? []).includes(options.requiredEku)) {
    subs.add('CHAIN_CONSTRAINTS_FAILURE')
    result.reasons.push(`the certificate lacks the extended key usage ${options.requiredEku}`)
  }

  // 5. Revocation of every certificate below the anchor.
  const sources: RevocationSources = prepareRevocationSources([...trust.crls, ...(options.crls ?? [])], [...trust.ocspResponses, ...(options.ocspResponses ?? [])])
  const responderPool = [...pool.values()].map(n => ({ cert: n.cert, der: n.der }))
  for (let i = 0; i < path.length - 1; i++) {
    const n = path[i] as Node
    const issuer = path[i + 1] as Node
    if (extension(n.cert, OID_OCSP_NOCHECK) !== undefined) continue
    const what = i === 0 ? 'the signing certificate' : `the CA certificate "${label(n)}"`
    const findings = revocationFindings(n.cert, n.der, issuer.cert, sources, responderPool)
    for (const f of findings) {
      result.revocation.push(f.evidence)
      if (f.problem !== null) { result.warnings.push(f.problem); continue }
      addEvidence(f.source.kind === 'crl' ? evidence.crls : evidence.ocspResponses, f.source.der)
      if (f.responder !== null) addEvidence(evidence.certificates, f.responder)
    }
    const trusted = findings.filter(f => f.problem === null)
    const revoked = trusted.filter(f => f.evidence.status === 'revoked' && f.revocationTime !== null)
      .sort((a, b) => (a.revocationTime as Date).getTime() - (b.revocationTime as Date).getTime())[0]
    if (revoked !== undefined) {
      const when = (revoked.revocationTime as Date).toISOString()
      const why = revoked.evidence.reason === undefined ? '' : ` (${revoked.evidence.reason})`
      if (options.atIsProven !== true) {
        subs.add(i === 0 ? 'REVOKED_NO_POE' : 'REVOKED_CA_NO_POE')
        result.reasons.push(`${what} was revoked at ${when}${why} and no timestamp proves the signature existed before then`)
      } else if ((revoked.revocationTime as Date) <= at) {
        subs.add(i === 0 ? 'REVOKED' : 'REVOKED_CA_NO_POE')
        result.reasons.push(`${what} was revoked at ${when}${why}, before the proven signature time ${at.toISOString()}`)
      } else {
        result.warnings.push(`${what} was revoked at ${when}${why}, after the proven signature time ${at.toISOString()}`)
      }
      continue
    }
    // Fresh enough (EN 319 102-1 §5.2.5, simplified): issued after `at`, or still current at `at`.
    const fresh = trusted.filter(f => f.evidence.status === 'good' && f.thisUpdate !== null &&
      (f.thisUpdate >= at || f.nextUpdate === null || at <= f.nextUpdate))
    if (fresh.length > 0) continue
    subs.add('TRY_LATER')
    result.reasons.push(trusted.some(f => f.evidence.status === 'good')
      ? `the revocation data for ${what} expired before ${at.toISOString()} and none newer is available`
      : `no trusted revocation data (CRL or OCSP) for ${what}`)
  }
  for (const p of sources.problems) result.warnings.push(p)

  const worst = SEVERITY.find(s => subs.has(s))
  if (worst === undefined) {
    result.indication = 'TOTAL_PASSED'
  } else {
    result.indication = FAILED.has(worst) ? 'TOTAL_FAILED' : 'INDETERMINATE'
    result.subIndication = worst
  }
  return result
}
