import * as pkijs from 'pkijs'
import type { Evidence, Indication, SubIndication, TimestampEvidence } from './report.js'
import { checkSignerInfo, embeddedCertificates, signedDataOf } from './cms.js'
import { digest, digestName } from './crypto-engine.js'
import { children, DerError, parseOne, TAG } from './ofd/der.js'
import { addEvidence, validateCertificatePath } from './path.js'
import type { TrustStore } from './trust.js'
import { OID_KP_TIME_STAMPING, OID_TST_INFO, bytesEqual, errorText, parsePki } from './x509.js'

// RFC 3161 timestamp tokens: the TSA's CMS signature, its certificate (EKU id-kp-timeStamping, RFC 3161
// §2.3), the message imprint over the stamped bytes, and the TSA's path at genTime. Closes
// research-seals.md §1.2 gap 6: a TimeStampResp is accepted only with PKIStatus granted(0) or
// grantedWithMods(1), and the EKU is required.

export type TimestampResult = TimestampEvidence & {
  genTimeDate: Date | null
  /** Why the token did not pass, and what else is worth knowing. */
  reasons: string[]
  warnings: string[]
}

/** The token inside a TimeStampResp, or the bytes themselves when they already are a token (ContentInfo). */
function tokenBytes (der: Uint8Array): { token: Uint8Array } | { problem: string } {
  // A ContentInfo starts with its contentType OID, a TimeStampResp with its PKIStatusInfo SEQUENCE: a
  // token (every CAdES signature timestamp) is not parsed twice to find that out.
  if (startsWithOid(der)) return { token: der }
  const asResp = parsePki(pkijs.TimeStampResp, der, 'TimeStampResp')
  if (asResp.ok && asResp.value.timeStampToken !== undefined) {
    const status = asResp.value.status.status
    if (status !== 0 && status !== 1) return { problem: `the TSA refused the request (PKIStatus ${status})` }
    return { token: new Uint8Array(asResp.value.timeStampToken.toSchema().toBER(false)) }
  }
  if (asResp.ok) return { problem: `the TimeStampResp carries no token (PKIStatus ${asResp.value.status.status})` }
  return { token: der }
}

function startsWithOid (der: Uint8Array): boolean {
  try {
    return children(parseOne(der))[0]?.tag === TAG.OID
  } catch (e) {
    if (e instanceof DerError) return false
    throw e
  }
}

/**
 * Verifies an RFC 3161 token (or a TimeStampResp) whose imprint should be the digest of `imprintedBytes`
 * (for a CAdES signature timestamp: the SignerInfo signature value). Appends the token, the TSA's
 * certificates and revocation data to `evidence`. Never throws.
 */
export async function verifyTimestampToken (tokenDer: Uint8Array, imprintedBytes: Uint8Array, trust: TrustStore, evidence: Evidence): Promise<TimestampResult> {
  const out: TimestampResult = { tsa: '', genTime: '', imprintMatches: false, indication: 'INDETERMINATE', subIndication: null, genTimeDate: null, reasons: [], warnings: [] }
  const fail = (indication: Indication, sub: SubIndication, reason: string): TimestampResult => {
    out.indication = indication
    out.subIndication = sub
    out.reasons.push(reason)
    return out
  }
  try {
    const t = tokenBytes(tokenDer)
    if ('problem' in t) return fail('TOTAL_FAILED', 'FORMAT_FAILURE', t.problem)
    const sd = signedDataOf(t.token, {})
    if (!sd.ok) return fail('TOTAL_FAILED', 'FORMAT_FAILURE', `timestamp token: ${sd.reason}`)
    addEvidence(evidence.timestamps, t.token)
    const signedData = sd.value
    if (signedData.encapContentInfo.eContentType !== OID_TST_INFO) return fail('TOTAL_FAILED', 'FORMAT_FAILURE', `timestamp token: content type ${signedData.encapContentInfo.eContentType} is not id-ct-TSTInfo`)
    const eContent = signedData.encapContentInfo.eContent
    if (eContent === undefined) return fail('TOTAL_FAILED', 'FORMAT_FAILURE', 'timestamp token: no TSTInfo')
    const tstBytes = new Uint8Array(eContent.getValue())
    const tst = parsePki(pkijs.TSTInfo, tstBytes, 'TSTInfo')
    if (!tst.ok) return fail('TOTAL_FAILED', 'FORMAT_FAILURE', tst.reason)
    out.genTimeDate = tst.value.genTime
    out.genTime = tst.value.genTime.toISOString()

    // RFC 3161 §2.4.2: exactly one SignerInfo, the TSA's
    if (signedData.signerInfos.length !== 1) return fail('TOTAL_FAILED', 'FORMAT_FAILURE', `timestamp token: ${signedData.signerInfos.length} SignerInfos, expected 1`)
    const signer = checkSignerInfo(signedData, signedData.signerInfos[0] as pkijs.SignerInfo, tstBytes, trust)
    if (signer.signer !== null) out.tsa = signer.signer.info.subject
    out.warnings.push(...signer.warnings)

    // the imprint (RFC 3161 §2.4.2 messageImprint) over the stamped bytes
    const hash = digestName(tst.value.messageImprint.hashAlgorithm.algorithmId)
    if (hash === null) {
      out.reasons.push(`timestamp imprint algorithm ${tst.value.messageImprint.hashAlgorithm.algorithmId} is not supported`)
    } else {
      out.imprintMatches = bytesEqual(digest(hash, imprintedBytes), tst.value.messageImprint.hashedMessage.valueBlock.valueHexView)
    }
    if (signer.subIndication !== null) {
      out.indication = signer.indication
      out.subIndication = signer.subIndication
      out.reasons.push(...signer.reasons.map(r => `timestamp: ${r}`))
      return out
    }
    if (hash === null) { out.subIndication = 'CRYPTO_CONSTRAINTS_FAILURE'; return out }
    if (!out.imprintMatches) return fail('TOTAL_FAILED', 'HASH_FAILURE', 'the timestamp\'s message imprint does not match the stamped signature')
    if (signer.signer === null) return fail('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'the TSA certificate is not in the token')
    if (!signer.essBound) out.warnings.push('the timestamp does not bind the TSA certificate with an ESS signing-certificate attribute (RFC 3161 §2.4.1)')

    // the TSA's certificate path at genTime; the token proves nothing about its own time, so no POE
    const candidates = embeddedCertificates(signedData)
    const path = await validateCertificatePath(signer.signer.der, candidates, trust, tst.value.genTime, evidence, { requiredEku: OID_KP_TIME_STAMPING, keyUsage: 'any' })
    out.warnings.push(...path.warnings.map(w => `TSA: ${w}`))
    out.indication = path.indication
    out.subIndication = path.subIndication
    out.reasons.push(...path.reasons.map(r => `TSA: ${r}`))
    return out
  } catch (e) {
    return fail('INDETERMINATE', 'CERTIFICATE_CHAIN_GENERAL_FAILURE', `timestamp could not be checked: ${errorText(e)}`)
  }
}
