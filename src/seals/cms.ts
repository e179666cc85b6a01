import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { LantaiError } from '../errors.js'
import { readSignedData } from './cms-reader.js'
import { children, DerError, oid as derOid, parseOne, TAG } from './ofd/der.js'
import { DEFAULT_VERIFY_LIMITS, emptyEvidence, type CertificateInfo, type Evidence, type Indication, type SignatureReport, type SubIndication, type TimestampEvidence } from './report.js'
import { digest, digestName, verifySignature } from './crypto-engine.js'
import { addEvidence, validateCertificatePath } from './path.js'
import { verifyTimestampToken } from './timestamp.js'
import type { TrustStore } from './trust.js'
import {
  DEFAULT_PARSE_LIMITS, OID_CMS_SIGNED_DATA, OID_CONTENT_TYPE, OID_GM_SIGNED_DATA, OID_MESSAGE_DIGEST, OID_SIGNATURE_TIMESTAMP_TOKEN,
  OID_SIGNING_CERTIFICATE, OID_SIGNING_CERTIFICATE_V2, OID_SIGNING_TIME, bytesEqual, certificateOf, errorText, infoOf, parseAsn1,
  parsePki, sameName, sha256Hex, subjectKeyId, type Parsed, type ParseLimits
} from './x509.js'

// CMS / CAdES signature verification (RFC 5652, RFC 5035, ETSI EN 319 122-1) on top of pkijs parsing
// and our own checks, because pkijs SignedData.verify ignores signing-certificate-v2, signing-time and
// signature timestamps and defaults checkDate to now (research-seals.md §1.2 gap 5).

const OID_SHA256 = '2.16.840.1.101.3.4.2.1'
const OID_OCSP_RESPONSE_RI = '1.3.6.1.5.5.7.16.2'

export interface VerifyCmsOptions {
  /** The detached content (for a detached signature). */
  content?: Uint8Array
  trust: TrustStore
  /** Defaults to now. */
  validationTime?: Date
  signal?: AbortSignal
  kind?: 'cms' | 'pades'
  /** Report id; '#2', '#3' … is appended when there is more than one SignerInfo. Defaults to 'p7s'. */
  id?: string
  limits?: ParseLimits
}

export interface CmsVerification {
  signatures: SignatureReport[]
  evidence: Evidence
  content: Uint8Array | null
  /** A SignedData with no SignerInfo: a "certs-only" bundle (.p7b, RFC 5652 §5.2), which signs nothing. */
  certsOnly?: boolean
}

/** Parses a ContentInfo that holds (GB/T 35275 or RFC 5652) SignedData, within bounds. */
export function signedDataOf (der: Uint8Array, options: { limits?: ParseLimits, allowTrailing?: boolean }): Parsed<pkijs.SignedData> {
  const read = readSignedData(der, options)
  if (read !== null) {
    embeddedDers.set(read.signedData, read.certificates)
    return { ok: true, value: read.signedData }
  }
  return signedDataOfAsn1(der, options)
}

/** signedDataOf for what readSignedData leaves: asn1js and pkijs read it all, and say what is wrong. */
function signedDataOfAsn1 (der: Uint8Array, options: { limits?: ParseLimits, allowTrailing?: boolean }): Parsed<pkijs.SignedData> {
  const ci = parsePki(pkijs.ContentInfo, der, 'CMS', options)
  if (!ci.ok) return ci
  const type = ci.value.contentType
  if (type !== OID_CMS_SIGNED_DATA && type !== OID_GM_SIGNED_DATA) return { ok: false, reason: `CMS content type ${type} is not signedData` }
  try {
    const ders = certificateDers(ci.value.content)
    const signedData = new pkijs.SignedData({ schema: withoutCertificates(ci.value.content) })
    embeddedDers.set(signedData, ders)
    return { ok: true, value: signedData }
  } catch (e) {
    return { ok: false, reason: `CMS: not a valid SignedData (${errorText(e)})` }
  }
}

/**
 * The certificates of a SignedData as they were encoded (RFC 5652 §5.1: `certificates [0] IMPLICIT`, the
 * fourth element), not re-encoded from pkijs objects: re-encoding each one for every signature was a
 * tenth of verifying a PDF, and the original bytes are what the ESS binding hashes anyway.
 */
const embeddedDers = new WeakMap<pkijs.SignedData, Uint8Array[]>()

const isCertificateSet = (p: asn1js.AsnType): boolean => p.idBlock.tagClass === 3 && p.idBlock.tagNumber === 0

function certificateDers (signedData: unknown): Uint8Array[] {
  const parts = (signedData as asn1js.Sequence).valueBlock?.value ?? []
  const set = parts.find(isCertificateSet) as asn1js.Constructed | undefined
  const out: Uint8Array[] = []
  for (const c of set?.valueBlock.value ?? []) {
    // other CertificateChoices (attribute certificates …) are [1]–[3]: only plain SEQUENCEs are X.509
    if (c.idBlock.tagClass === 1 && c.idBlock.tagNumber === 16) out.push(c.valueBeforeDecodeView)
  }
  return out
}

/**
 * The SignedData without its (optional) certificate set, for pkijs: it would turn every certificate into
 * objects nobody uses (a quarter of parsing a CMS), since the certificates are taken, parsed once per
 * content, from their bytes (embeddedCertificates).
 */
function withoutCertificates (signedData: asn1js.AsnType): asn1js.AsnType {
  const seq = signedData as asn1js.Sequence
  const parts = seq.valueBlock?.value
  if (!Array.isArray(parts) || !parts.some(isCertificateSet)) return signedData
  seq.valueBlock.value = parts.filter(p => !isCertificateSet(p))
  return seq
}

/** The X.509 certificates a SignedData carries, as encoded. */
export function embeddedCertificates (signedData: pkijs.SignedData): Uint8Array[] {
  const ders = embeddedDers.get(signedData)
  if (ders !== undefined) return ders
  const out: Uint8Array[] = []
  for (const c of signedData.certificates ?? []) {
    if (c instanceof pkijs.Certificate) { try { out.push(certDer(c)) } catch { /* one that cannot be encoded is left out */ } }
  }
  return out
}

export interface SignerCheck {
  signer: { cert: pkijs.Certificate, der: Uint8Array, info: CertificateInfo } | null
  /** TOTAL_PASSED with subIndication null when the cryptographic checks passed. */
  indication: Indication
  subIndication: SubIndication | null
  reasons: string[]
  warnings: string[]
  digestAlgorithm: string | null
  signatureAlgorithm: string | null
  signingTime: Date | null
  signatureValue: Uint8Array
  /** The signed attributes include a signing-certificate(-v2) attribute that matches the signer certificate. */
  essBound: boolean
  hasSignedAttributes: boolean
}

const attr = (si: pkijs.SignerInfo, oid: string): pkijs.Attribute | undefined => si.signedAttrs?.attributes.find(a => a.type === oid)

const certDer = (c: pkijs.Certificate): Uint8Array => new Uint8Array(c.toSchema().toBER(false))

function findSigner (signedData: pkijs.SignedData, si: pkijs.SignerInfo, trust: TrustStore): { cert: pkijs.Certificate, der: Uint8Array } | null {
  const pool: Array<{ cert: pkijs.Certificate, der: Uint8Array }> = []
  for (const der of [...embeddedCertificates(signedData), ...trust.extraCertificates, ...trust.anchors]) {
    const p = certificateOf(der)
    if (p.ok) pool.push({ cert: p.value, der })
  }
  const sid = si.sid as unknown
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const serial = sid.serialNumber.valueBlock.valueHexView
    return pool.find(({ cert }) => bytesEqual(cert.serialNumber.valueBlock.valueHexView, serial) && sameName(cert.issuer, sid.issuer)) ?? null
  }
  // [0] SubjectKeyIdentifier (RFC 5652 §5.3)
  const ski = (sid as { valueBlock?: { valueHexView?: Uint8Array, value?: Array<{ valueBlock?: { valueHexView?: Uint8Array } }> } }).valueBlock
  const keyId = ski?.value?.[0]?.valueBlock?.valueHexView ?? ski?.valueHexView
  if (keyId === undefined) return null
  return pool.find(({ cert }) => { const k = subjectKeyId(cert); return k !== null && bytesEqual(k, keyId) }) ?? null
}

/**
 * RFC 5035 §5.4 / RFC 2634 §5.4: the first ESSCertID(v2) must hash to the signer certificate. Read from
 * the attribute value's bytes (signed attributes are DER, RFC 5652 §5.4), which cms-reader.ts keeps
 * without building asn1js nodes for them.
 */
function essBinding (si: pkijs.SignerInfo, signerDer: Uint8Array): { present: boolean, matches: boolean } {
  for (const [type, v2] of [[OID_SIGNING_CERTIFICATE_V2, true], [OID_SIGNING_CERTIFICATE, false]] as const) {
    const a = attr(si, type)
    if (a === undefined) continue
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
    let hashOid = v2 ? OID_SHA256 : '1.3.14.3.2.26'
    let hashValue: Uint8Array | undefined
    try {
      const raw = (a.values[0] as { valueBeforeDecodeView?: Uint8Array } | undefined)?.valueBeforeDecodeView
      const certs = raw === undefined || raw.length === 0 ? undefined : children(parseOne(raw))[0]
      const first = certs === undefined ? undefined : children(certs)[0]
      for (const p of first === undefined ? [] : children(first)) {
        if (p.tag === TAG.SEQUENCE && v2) {
          const id = children(p)[0]
          if (id?.tag === TAG.OID) hashOid = derOid(id, 'ESSCertIDv2 hashAlgorithm')
        } else if (p.tag === TAG.OCTET_STRING) {
          hashValue = p.value
          break
        }
      }
    } catch (e) {
      if (!(e instanceof DerError)) throw e
      // unreadable: present, and binding nothing
    }
    const name = digestName(hashOid)
    return { present: true, matches: hashValue !== undefined && name !== null && bytesEqual(digest(name, signerDer), hashValue) }
  }
  return { present: false, matches: false }
}

function timeOf (a: pkijs.Attribute | undefined): Date | null {
  const v = a?.values[0]
  if (v instanceof asn1js.UTCTime || v instanceof asn1js.GeneralizedTime) return v.toDate()
  return null
}

/**
 * The cryptographic checks of one SignerInfo (EN 319 102-1 §5.2.7 and §5.2.2): signer identification,
 * content-type and message-digest attributes, the signature over the signed attributes, the ESS binding
 * of the signer certificate, and the claimed signing time. `content` is the eContent or detached content.
 */
export function checkSignerInfo (signedData: pkijs.SignedData, si: pkijs.SignerInfo, content: Uint8Array | null, trust: TrustStore): SignerCheck {
  const out: SignerCheck = {
    signer: null, indication: 'TOTAL_PASSED', subIndication: null, reasons: [], warnings: [], digestAlgorithm: null, signatureAlgorithm: null,
    signingTime: null, signatureValue: si.signature.valueBlock.valueHexView, essBound: false, hasSignedAttributes: si.signedAttrs !== undefined
  }
  const fail = (indication: Indication, sub: SubIndication, reason: string): SignerCheck => {
    // keep the worst: a TOTAL_FAILED is never downgraded by a later INDETERMINATE
    if (out.subIndication === null || (out.indication !== 'TOTAL_FAILED' && indication === 'TOTAL_FAILED')) { out.indication = indication; out.subIndication = sub }
    out.reasons.push(reason)
    return out
  }
  const digestOid = si.digestAlgorithm.algorithmId
  const hash = digestName(digestOid)
  out.digestAlgorithm = hash === null ? digestOid : hash.toUpperCase()
  if (hash === 'sha1') out.warnings.push('the digest algorithm SHA-1 is no longer considered secure for signatures')

  const found = findSigner(signedData, si, trust)
  if (found !== null) {
    try { out.signer = { ...found, info: infoOf(found.cert, found.der) } } catch (e) { out.warnings.push(`signer certificate: ${errorText(e)}`) }
  }

  // 1. Content digest (RFC 5652 §11.2)
  let signedBytes: Uint8Array | null = null
  if (si.signedAttrs !== undefined) {
    signedBytes = new Uint8Array(si.signedAttrs.encodedValue)
    const ct = attr(si, OID_CONTENT_TYPE)?.values[0]
    if (!(ct instanceof asn1js.ObjectIdentifier)) fail('TOTAL_FAILED', 'FORMAT_FAILURE', 'the signed attributes lack content-type (RFC 5652 §11.1)')
    else if (ct.valueBlock.toString() !== signedData.encapContentInfo.eContentType) fail('TOTAL_FAILED', 'FORMAT_FAILURE', `the content-type attribute ${ct.valueBlock.toString()} differs from the encapsulated content type`)
    const md = attr(si, OID_MESSAGE_DIGEST)?.values[0]
    if (!(md instanceof asn1js.OctetString)) {
      fail('TOTAL_FAILED', 'FORMAT_FAILURE', 'the signed attributes lack message-digest (RFC 5652 §11.2)')
    } else if (hash === null) {
      fail('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', `the digest algorithm ${digestOid} is not supported`)
    } else if (content === null) {
      fail('INDETERMINATE', 'SIGNED_DATA_NOT_FOUND', 'the signature is detached and no content was given')
    } else if (!bytesEqual(digest(hash, content), md.valueBlock.valueHexView)) {
      fail('TOTAL_FAILED', 'HASH_FAILURE', 'the content does not match the message-digest attribute: it was changed after signing')
    }
    out.signingTime = timeOf(attr(si, OID_SIGNING_TIME))
  } else {
    signedBytes = content
    if (content === null) fail('INDETERMINATE', 'SIGNED_DATA_NOT_FOUND', 'the signature is detached and no content was given')
  }

  // 2. The signature value
  if (found === null) {
    fail('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'the signer certificate is neither in the signature nor in the trust store')
  } else if (signedBytes !== null) {
    const check = verifySignature({ algorithm: si.signatureAlgorithm, digestOid, publicKey: found.cert.subjectPublicKeyInfo, data: signedBytes, signature: out.signatureValue })
    out.signatureAlgorithm = check.algorithm
    if (check.unsupported !== undefined) fail('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', `the signature cannot be checked: ${check.unsupported}`)
    else if (!check.valid) fail('TOTAL_FAILED', 'SIG_CRYPTO_FAILURE', 'the signature value does not verify with the signer\'s public key')
  }

  // 3. ESS signing-certificate(-v2): the signed attributes name the certificate, so it cannot be swapped
  if (found !== null && si.signedAttrs !== undefined) {
    const ess = essBinding(si, found.der)
    out.essBound = ess.present && ess.matches
    if (ess.present && !ess.matches) fail('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'the signing-certificate attribute does not match the signer certificate')
    else if (!ess.present) out.warnings.push('no signing-certificate(-v2) attribute binds the signer certificate (not CAdES)')
  }
  return out
}

function eContentBytes (sd: pkijs.SignedData): Uint8Array | null {
  const e = sd.encapContentInfo.eContent
  return e === undefined ? null : new Uint8Array(e.getValue())
}

function embeddedRevocation (sd: pkijs.SignedData): { crls: Uint8Array[], ocsps: Uint8Array[] } {
  const crls: Uint8Array[] = []
  const ocsps: Uint8Array[] = []
  for (const c of sd.crls ?? []) {
    try {
      if (c instanceof pkijs.CertificateRevocationList) crls.push(new Uint8Array(c.toSchema().toBER(false)))
      else if (c instanceof pkijs.OtherRevocationInfoFormat && c.otherRevInfoFormat === OID_OCSP_RESPONSE_RI) ocsps.push(new Uint8Array(c.otherRevInfo.toBER(false)))
    } catch { /* unreadable revocation data is simply not available */ }
  }
  return { crls, ocsps }
}

const formatFailure = (id: string, kind: 'cms' | 'pades', reason: string, validationTime: Date): SignatureReport => ({
  kind, id, format: 'CMS', indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE', reasons: [reason], warnings: [],
  digestAlgorithm: null, signatureAlgorithm: null, signer: null, chain: [], anchor: null, claimedSigningTime: null,
  bestSignatureTime: validationTime.toISOString(), validationTime: validationTime.toISOString(), revocation: [], timestamps: [],
  scope: { wholeDocument: false, description: 'nothing: the signature cannot be read' }
})

/**
 * Verifies every SignerInfo of a CMS SignedData (detached or enveloping). Malformed input gives a
 * TOTAL_FAILED/FORMAT_FAILURE report, never an exception; only an aborted `signal` throws (ABORTED).
 */
export async function verifyCms (der: Uint8Array, options: VerifyCmsOptions): Promise<CmsVerification> {
  const evidence = emptyEvidence()
  const kind = options.kind ?? 'cms'
  const baseId = options.id ?? 'p7s'
  const validationTime = options.validationTime ?? new Date()
  const aborted = (): void => { if (options.signal?.aborted === true) throw new LantaiError('ABORTED', 'CMS verification', {}, { cause: options.signal.reason }) }
  aborted()
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS
  // PAdES /Contents is zero-padded after the DER value
  const sd = signedDataOf(der, { limits, allowTrailing: kind === 'pades' })
  if (!sd.ok) return { signatures: [formatFailure(baseId, kind, sd.reason, validationTime)], evidence, content: null }
  const signedData = sd.value
  let content: Uint8Array | null
  try { content = eContentBytes(signedData) } catch (e) {
    return { signatures: [formatFailure(baseId, kind, `CMS: unreadable encapsulated content (${errorText(e)})`, validationTime)], evidence, content: null }
  }
  const attached = content !== null
  if (content === null) content = options.content ?? null
  if (signedData.signerInfos.length === 0) return { signatures: [formatFailure(baseId, kind, 'the SignedData has no SignerInfo', validationTime)], evidence, content, certsOnly: true }
  if (signedData.signerInfos.length > DEFAULT_VERIFY_LIMITS.maxSignatures) {
    return { signatures: [formatFailure(baseId, kind, `${signedData.signerInfos.length} SignerInfos exceed the limit of ${DEFAULT_VERIFY_LIMITS.maxSignatures}`, validationTime)], evidence, content }
  }
  const embeddedCerts = embeddedCertificates(signedData)
  const revocation = embeddedRevocation(signedData)
  for (const d of revocation.crls) addEvidence(evidence.crls, d)
  for (const d of revocation.ocsps) addEvidence(evidence.ocspResponses, d)

  const signatures: SignatureReport[] = []
  for (const [index, si] of signedData.signerInfos.entries()) {
    aborted()
    const id = signedData.signerInfos.length === 1 ? baseId : `${baseId}#${index + 1}`
    signatures.push(await verifySigner(signedData, si, content, attached, embeddedCerts, revocation, options, id, kind, validationTime, evidence))
  }
  return { signatures, evidence, content }
}

async function verifySigner (signedData: pkijs.SignedData, si: pkijs.SignerInfo, content: Uint8Array | null, attached: boolean, embeddedCerts: Uint8Array[],
  revocation: { crls: Uint8Array[], ocsps: Uint8Array[] }, options: VerifyCmsOptions, id: string, kind: 'cms' | 'pades', validationTime: Date,
  evidence: Evidence): Promise<SignatureReport> {
  const check = checkSignerInfo(signedData, si, content, options.trust)
  const reasons = [...check.reasons]
  const warnings = [...check.warnings]

  // Signature timestamps (EN 319 122-1 §5.3): the imprint is over the SignerInfo signature value.
  const timestamps: TimestampEvidence[] = []
  let best: Date | null = null
  for (const a of si.unsignedAttrs?.attributes ?? []) {
    if (a.type !== OID_SIGNATURE_TIMESTAMP_TOKEN) continue
    for (const v of a.values) {
      // the token as it was received (asn1js keeps those bytes): re-encoding it cost as much as reading it
      const received = v.valueBeforeDecodeView
      const ts = await verifyTimestampToken(received.length > 0 ? received : new Uint8Array(v.toBER(false)), check.signatureValue, options.trust, evidence)
      const { genTimeDate, reasons: tsReasons, warnings: tsWarnings, ...ev } = ts
      timestamps.push(ev)
      warnings.push(...tsWarnings)
      if (ts.indication === 'TOTAL_PASSED' && genTimeDate !== null) {
        if (best === null || genTimeDate < best) best = genTimeDate
      } else {
        // EN 319 102-1 §5.6.2.1: a token that does not validate is dropped from the POE set; the signature is
        // judged without it. It is still a check that did not pass, so it goes in `reasons`, which the
        // ingest record keeps (warnings it does not).
        reasons.push(`a signature timestamp was not accepted as proof of existence: ${tsReasons.join('; ') || (ts.subIndication ?? ts.indication)}`)
      }
    }
  }
  if (best !== null && best > validationTime) {
    warnings.push(`the timestamp's genTime ${best.toISOString()} is after the validation time; the validation time is used`)
    best = null
  }
  if (best !== null && check.signingTime !== null && check.signingTime > best) {
    warnings.push(`the claimed signing time ${check.signingTime.toISOString()} is after the timestamp ${best.toISOString()}`)
  }
  const bestSignatureTime = best ?? validationTime

  // X.509 validation at best-signature-time (EN 319 102-1 §5.6.2.4, past signature validation, simplified)
  let path = null
  if (check.signer !== null) {
    path = await validateCertificatePath(check.signer.der, embeddedCerts, options.trust, bestSignatureTime, evidence,
      { atIsProven: best !== null, crls: revocation.crls, ocspResponses: revocation.ocsps })
    reasons.push(...path.reasons)
    warnings.push(...path.warnings)
  }
  let indication: Indication = check.indication
  let subIndication: SubIndication | null = check.subIndication
  if (subIndication === null && path !== null) { indication = path.indication; subIndication = path.subIndication }

  const hasEss = check.essBound
  const format = !check.hasSignedAttributes || !hasEss ? 'CMS' : best !== null ? 'CAdES-BASELINE-T' : 'CAdES-BASELINE-B'
  const size = content?.length ?? 0
  return {
    kind, id, format, indication, subIndication, reasons, warnings,
    digestAlgorithm: check.digestAlgorithm,
    signatureAlgorithm: check.signatureAlgorithm,
    signer: check.signer?.info ?? null,
    chain: path?.chain ?? (check.signer !== null ? [check.signer.info] : []),
    anchor: path?.anchor ?? null,
    claimedSigningTime: check.signingTime?.toISOString() ?? null,
    bestSignatureTime: bestSignatureTime.toISOString(),
    validationTime: validationTime.toISOString(),
    revocation: path?.revocation ?? [],
    timestamps,
    scope: {
      wholeDocument: content !== null,
      description: content === null ? 'unknown: the detached content was not given' : attached ? `the enveloped content (${size} bytes)` : `the detached content (${size} bytes, sha256 ${sha256Hex(content).slice(0, 16)}…)`
    }
  }
}

/** Bounded parse check, exported for callers that sniff whether bytes are CMS at all. */
export const looksLikeCms = (der: Uint8Array): boolean => parseAsn1(der, { allowTrailing: true }).ok && signedDataOf(der, { allowTrailing: true }).ok
