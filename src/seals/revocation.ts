import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import type { RevocationEvidence } from './report.js'
import { digest, digestName, verifySignatureOnce } from './crypto-engine.js'
import { parseCrl, parseOcspResponse } from './trust.js'
import {
  KEY_USAGE, OID_CRL_REASON, OID_KP_OCSP_SIGNING, bytesEqual, derOf, errorText, extendedKeyUsages, hasKeyUsage, nameDer,
  parseCertificate, perBytes, sameName, sha256Hex
} from './x509.js'

// CRL (RFC 5280 §5, §6.3) and OCSP (RFC 6960) status for one certificate, with the signature of every
// CRL and response checked before it counts (research-seals.md §1.2 gap 4). Deciding what a status means
// at a given time is path.ts's job; this module only reports what each source says and whether it is
// authentic.

/** RFC 5280 §5.3.1 CRLReason names. */
const REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation',
  'certificateHold', 'unused(7)', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise']

interface ParsedCrl { der: Uint8Array, crl: pkijs.CertificateRevocationList }
interface ParsedOcsp { der: Uint8Array, basic: pkijs.BasicOCSPResponse, certs: Array<{ cert: pkijs.Certificate, der: Uint8Array }> }

export interface RevocationSources {
  crls: ParsedCrl[]
  ocsps: ParsedOcsp[]
  /** Sources that could not be parsed, in sentences. */
  problems: string[]
}

const keyOf = perBytes(sha256Hex)
const crlOf = perBytes(parseCrl)
const ocspOf = perBytes(parseOcsp)

/** The CRLs and OCSPResponse structures of one validation, each parsed once; unparseable ones become `problems`. */
export function prepareRevocationSources (crls: Uint8Array[], ocspResponses: Uint8Array[]): RevocationSources {
  const out: RevocationSources = { crls: [], ocsps: [], problems: [] }
  const seen = new Set<string>()
  for (const der of crls) {
    const key = keyOf(der)
    if (seen.has(key)) continue
    seen.add(key)
    const p = crlOf(der)
    if (p.ok) out.crls.push({ der, crl: p.value })
    else out.problems.push(`CRL ${key.slice(0, 16)} ignored: ${p.reason}`)
  }
  for (const der of ocspResponses) {
    const key = keyOf(der)
    if (seen.has(key)) continue
    seen.add(key)
    const p = ocspOf(der)
    if (p.ok) out.ocsps.push(p.value)
    else out.problems.push(`OCSP response ${key.slice(0, 16)} ignored: ${p.reason}`)
  }
  return out
}

function parseOcsp (der: Uint8Array): { ok: true, value: ParsedOcsp } | { ok: false, reason: string } {
  const p = parseOcspResponse(der)
  if (!p.ok) return p
  const certs: ParsedOcsp['certs'] = []
  for (const c of p.value.certs ?? []) {
    try {
      const cder = derOf(c)
      const parsed = parseCertificate(cder)
      if (parsed.ok) certs.push({ cert: parsed.value, der: cder })
    } catch { /* a responder certificate we cannot re-encode is simply not available */ }
  }
  return { ok: true, value: { der, basic: p.value, certs } }
}

export interface RevocationFinding {
  evidence: RevocationEvidence
  /** The CRL or OCSP response this finding comes from, and the responder certificate that signed it. */
  source: { kind: 'crl' | 'ocsp', der: Uint8Array }
  responder: Uint8Array | null
  thisUpdate: Date | null
  nextUpdate: Date | null
  revocationTime: Date | null
  /** Why an unverified source was not trusted. */
  problem: string | null
}

const serialOf = (i: asn1js.Integer): Uint8Array => {
  const b = i.valueBlock.valueHexView
  let s = 0
  while (s < b.length - 1 && b[s] === 0) s++
  return b.subarray(s)
}

function signedBy (tbs: Uint8Array, algorithm: pkijs.AlgorithmIdentifier, signature: Uint8Array, signer: pkijs.Certificate): string | null {
  // tbs and signature belong to one parsed CRL, response or certificate: remembered per (tbs, signer).
  const check = verifySignatureOnce(tbs, signer, { algorithm, publicKey: signer.subjectPublicKeyInfo, data: tbs, signature })
  if (check.unsupported !== undefined) return `its signature algorithm is not supported (${check.unsupported})`
  return check.valid ? null : 'its signature does not verify'
}

function crlReason (entry: pkijs.RevokedCertificate): number | null {
  const ext = entry.crlEntryExtensions?.extensions.find(e => e.extnID === OID_CRL_REASON)
  if (ext === undefined) return null
  const v = ext.parsedValue as asn1js.Enumerated | undefined
  if (v?.valueBlock !== undefined) return v.valueBlock.valueDec
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView)
  return parsed.result instanceof asn1js.Enumerated ? parsed.result.valueBlock.valueDec : null
}

function fromCrl (cert: pkijs.Certificate, certKey: string, issuer: pkijs.Certificate, src: ParsedCrl): RevocationFinding | null {
  const { crl } = src
  if (!sameName(crl.issuer, issuer.subject)) return null
  // RFC 5280 §6.3.3 (f): the CRL issuer must be allowed to sign CRLs
  let problem: string | null = hasKeyUsage(issuer, KEY_USAGE.cRLSign) === false ? 'the issuer lacks the cRLSign key usage' : null
  problem ??= signedBy(crl.tbsView, crl.signatureAlgorithm, crl.signatureValue.valueBlock.valueHexView, issuer)
  const serial = serialOf(cert.serialNumber)
  const entry = crl.revokedCertificates?.find(e => bytesEqual(serialOf(e.userCertificate), serial))
  const reason = entry === undefined ? null : crlReason(entry)
  // reason removeFromCRL (8) appears only in delta CRLs and undoes a certificateHold
  const revoked = entry !== undefined && reason !== 8
  const evidence: RevocationEvidence = {
    certificate: certKey,
    source: 'crl',
    status: revoked ? 'revoked' : 'good',
    thisUpdate: crl.thisUpdate.value.toISOString(),
    signatureVerified: problem === null
  }
  if (crl.nextUpdate !== undefined) evidence.nextUpdate = crl.nextUpdate.value.toISOString()
  if (revoked) {
    evidence.revocationTime = entry.revocationDate.value.toISOString()
    if (reason !== null) evidence.reason = REASONS[reason] ?? `reason ${reason}`
  }
  return {
    evidence, source: { kind: 'crl', der: src.der }, responder: null, problem: problem === null ? null : `CRL from ${issuerLabel(issuer)}: ${problem}`,
    thisUpdate: crl.thisUpdate.value, nextUpdate: crl.nextUpdate?.value ?? null, revocationTime: revoked ? entry.revocationDate.value : null
  }
}

const issuerLabel = (c: pkijs.Certificate): string => {
  const cn = c.subject.typesAndValues.find(t => t.type === '2.5.4.3')?.value.valueBlock.value
  return typeof cn === 'string' ? cn : 'the issuer'
}

function certIdMatches (id: pkijs.CertID, cert: pkijs.Certificate, issuer: pkijs.Certificate): boolean {
  if (!bytesEqual(serialOf(id.serialNumber), serialOf(cert.serialNumber))) return false
  const hash = digestName(id.hashAlgorithm.algorithmId)
  if (hash === null) return false
  // RFC 6960 §4.1.1: hashes of the issuer's DER name and of its public key BIT STRING value
  return bytesEqual(digest(hash, nameDer(issuer.subject)), id.issuerNameHash.valueBlock.valueHexView) &&
    bytesEqual(digest(hash, issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView), id.issuerKeyHash.valueBlock.valueHexView)
}

/** The certificate that signed the response, and why it may not (RFC 6960 §4.2.2.2). */
function ocspSigner (src: ParsedOcsp, issuer: pkijs.Certificate, pool: Array<{ cert: pkijs.Certificate, der: Uint8Array }>): { signer: pkijs.Certificate, der: Uint8Array | null, problem: string | null } | null {
  const rid = src.basic.tbsResponseData.responderID as unknown
  const matches = (c: pkijs.Certificate): boolean => {
    try {
      if (rid instanceof pkijs.RelativeDistinguishedNames) return sameName(rid, c.subject)
      const keyHash = (rid as asn1js.OctetString).valueBlock?.valueHexView
      return keyHash !== undefined && bytesEqual(digest('sha1', c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView), keyHash)
    } catch { return false }
  }
  if (matches(issuer)) return { signer: issuer, der: null, problem: null }
  for (const { cert, der } of [...src.certs, ...pool]) {
    if (!matches(cert)) continue
    // a delegated responder: issued by the CA itself and carrying id-kp-OCSPSigning
    if (!sameName(cert.issuer, issuer.subject)) continue
    const sig = signedBy(cert.tbsView, cert.signatureAlgorithm, cert.signatureValue.valueBlock.valueHexView, issuer)
    const problem = sig !== null ? `the responder certificate: ${sig}`
      : (extendedKeyUsages(cert) ?? []).includes(OID_KP_OCSP_SIGNING) ? null : 'the responder certificate lacks id-kp-OCSPSigning'
    return { signer: cert, der, problem }
  }
  return null
}

function fromOcsp (cert: pkijs.Certificate, certKey: string, issuer: pkijs.Certificate, src: ParsedOcsp,
  pool: Array<{ cert: pkijs.Certificate, der: Uint8Array }>): RevocationFinding[] {
  const single = src.basic.tbsResponseData.responses.filter(r => { try { return certIdMatches(r.certID, cert, issuer) } catch { return false } })
  if (single.length === 0) return []
  const found = ocspSigner(src, issuer, pool)
  let problem = found === null ? 'its responder certificate is not available' : found.problem
  if (problem === null && found !== null) {
    problem = signedBy(src.basic.tbsResponseData.tbsView, src.basic.signatureAlgorithm, src.basic.signature.valueBlock.valueHexView, found.signer)
  }
  return single.map(r => {
    const cs = r.certStatus as asn1js.BaseBlock & { idBlock: { tagNumber: number }, valueBlock: { value?: unknown[] } }
    const tag = cs.idBlock.tagNumber
    let revocationTime: Date | null = null
    let reason: string | undefined
    if (tag === 1) {
      const [time, reasonBox] = cs.valueBlock.value ?? []
      if (time instanceof asn1js.GeneralizedTime) revocationTime = time.toDate()
      const e = (reasonBox as { valueBlock?: { value?: unknown[] } } | undefined)?.valueBlock?.value?.[0]
      if (e instanceof asn1js.Enumerated) reason = REASONS[e.valueBlock.valueDec] ?? `reason ${e.valueBlock.valueDec}`
    }
    const evidence: RevocationEvidence = {
      certificate: certKey,
      source: 'ocsp',
      status: tag === 0 ? 'good' : tag === 1 ? 'revoked' : 'unknown',
      thisUpdate: r.thisUpdate.toISOString(),
      signatureVerified: problem === null
    }
    if (r.nextUpdate !== undefined) evidence.nextUpdate = r.nextUpdate.toISOString()
    if (revocationTime !== null) evidence.revocationTime = revocationTime.toISOString()
    if (reason !== undefined) evidence.reason = reason
    if (tag === 1 && revocationTime === null) problem ??= 'its revoked status has no readable revocation time'
    return {
      evidence, source: { kind: 'ocsp' as const, der: src.der }, responder: found?.der ?? null,
      problem: problem === null ? null : `OCSP response for ${issuerLabel(issuer)}: ${problem}; not trusted`,
      thisUpdate: r.thisUpdate, nextUpdate: r.nextUpdate ?? null, revocationTime
    }
  })
}

/**
 * Everything the sources say about `cert` (issued by `issuer`): one finding per matching CRL or OCSP
 * SingleResponse, verified or not. Only findings with `evidence.signatureVerified` may be relied on.
 * `pool` supplies delegated OCSP responder certificates not embedded in the response. Never throws.
 */
export function revocationFindings (cert: pkijs.Certificate, certDer: Uint8Array, issuer: pkijs.Certificate, sources: RevocationSources,
  pool: Array<{ cert: pkijs.Certificate, der: Uint8Array }> = []): RevocationFinding[] {
  const certKey = sha256Hex(certDer)
  const out: RevocationFinding[] = []
  for (const src of sources.crls) {
    try {
      const f = fromCrl(cert, certKey, issuer, src)
      if (f !== null) out.push(f)
    } catch (e) {
      sources.problems.push(`CRL ignored: ${errorText(e)}`)
    }
  }
  for (const src of sources.ocsps) {
    try {
      out.push(...fromOcsp(cert, certKey, issuer, src, pool))
    } catch (e) {
      sources.problems.push(`OCSP response ignored: ${errorText(e)}`)
    }
  }
  return out
}
