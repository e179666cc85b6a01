import { createHash } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { DEFAULT_VERIFY_LIMITS, type CertificateInfo } from './report.js'

// Certificate facts and bounded ASN.1 parsing. Everything here reads untrusted bytes, so no public
// function throws: a malformed structure is a `Parsed` failure with a reason.

export const OID_SM2 = '1.2.156.10197.1.301'
export const OID_SM3 = '1.2.156.10197.1.401'
export const OID_SM3_WITH_SM2 = '1.2.156.10197.1.501'
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1'
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10'
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1'
export const OID_ED25519 = '1.3.101.112'
export const OID_BASIC_CONSTRAINTS = '2.5.29.19'
export const OID_KEY_USAGE = '2.5.29.15'
export const OID_EXT_KEY_USAGE = '2.5.29.37'
export const OID_SUBJECT_KEY_ID = '2.5.29.14'
export const OID_AUTHORITY_KEY_ID = '2.5.29.35'
export const OID_CRL_REASON = '2.5.29.21'
export const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8'
export const OID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9'
export const OID_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5'
export const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1'
export const OID_CMS_DATA = '1.2.840.113549.1.7.1'
export const OID_CMS_SIGNED_DATA = '1.2.840.113549.1.7.2'
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4'
export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3'
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4'
export const OID_SIGNING_TIME = '1.2.840.113549.1.9.5'
export const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12'
export const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47'
export const OID_SIGNATURE_TIMESTAMP_TOKEN = '1.2.840.113549.1.9.16.2.14'
/** GB/T 35275 SM2 signedData (OFD "Sign" values). */
export const OID_GM_SIGNED_DATA = '1.2.156.10197.6.1.4.2.2'
export const OID_GM_DATA = '1.2.156.10197.6.1.4.2.1'

const CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'EC P-256',
  '1.3.132.0.34': 'EC P-384',
  '1.3.132.0.35': 'EC P-521',
  [OID_SM2]: 'SM2'
}

export type Parsed<T> = { ok: true, value: T } | { ok: false, reason: string }

export interface ParseLimits {
  /** Nesting depth of constructed values (and of ASN.1 embedded in OCTET/BIT STRINGs). */
  maxDepth: number
  /** Number of ASN.1 nodes; a large CRL has a few per revoked certificate. */
  maxNodes: number
  maxBytes: number
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxDepth: DEFAULT_VERIFY_LIMITS.maxAsn1Depth, maxNodes: 2_000_000, maxBytes: 64 * 1024 * 1024 }

export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/**
 * `fn` computed once per byte array. The trust store's certificates, CRLs and OCSP responses are the
 * same arrays for every signature checked, so they are parsed once, not once per signature; material
 * that arrives with a signature is a new array and is parsed afresh. Nothing outlives its array.
 */
export function perBytes<T> (fn: (bytes: Uint8Array) => T): (bytes: Uint8Array) => T {
  const cache = new WeakMap<Uint8Array, T>()
  return bytes => {
    if (cache.has(bytes)) return cache.get(bytes) as T
    const value = fn(bytes)
    cache.set(bytes, value)
    return value
  }
}
/**
 * `fn` computed once per *content*, for the last `max` distinct contents: the certificates that come
 * with a signature are the same bytes in every file a seal made (the seal's certificate and its CA's),
 * but a new array each time, so perBytes never saw them again. Keyed by the bytes' sha256; the array
 * itself is remembered too, so the same array is not hashed twice. Callers must not change what `fn`
 * returns: it is shared by every signature that carries those bytes.
 */
export function perContent<T> (fn: (bytes: Uint8Array) => T, max = 1024): (bytes: Uint8Array) => T {
  const byContent = new Map<string, T>()
  const byArray = new WeakMap<Uint8Array, T>()
  return bytes => {
    if (byArray.has(bytes)) return byArray.get(bytes) as T
    const key = sha256Hex(bytes)
    let value: T
    if (byContent.has(key)) {
      value = byContent.get(key) as T
      byContent.delete(key) // most recently used last
    } else {
      value = fn(bytes)
      if (byContent.size >= max) byContent.delete(byContent.keys().next().value as string)
    }
    byContent.set(key, value)
    byArray.set(bytes, value)
    return value
  }
}

export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0
/** A copy with its own ArrayBuffer, as pkijs and WebCrypto want. */
export const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
export const errorText = (e: unknown): string => e instanceof Error ? e.message : String(e)

/**
 * Parses BER/DER with asn1js under explicit bounds. `allowTrailing` permits bytes after the value (the
 * zero padding of a PDF /Contents string); otherwise trailing bytes are a failure.
 */
export function parseAsn1 (bytes: Uint8Array, options: { limits?: ParseLimits, allowTrailing?: boolean } = {}): Parsed<asn1js.AsnType> {
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS
  if (bytes.length === 0) return { ok: false, reason: 'empty input' }
  if (bytes.length > limits.maxBytes) return { ok: false, reason: `input of ${bytes.length} bytes exceeds the ${limits.maxBytes}-byte limit` }
  try {
    const res = asn1js.fromBER(bytes, { maxDepth: limits.maxDepth, maxNodes: limits.maxNodes, maxContentLength: limits.maxBytes })
    if (res.offset === -1) return { ok: false, reason: `malformed ASN.1: ${res.result.error || 'cannot decode'}` }
    if (res.result.error !== '') return { ok: false, reason: `malformed ASN.1: ${res.result.error}` }
    if (res.offset !== bytes.length && !options.allowTrailing) return { ok: false, reason: `${bytes.length - res.offset} trailing bytes after the ASN.1 value` }
    return { ok: true, value: res.result }
  } catch (e) {
    // a RangeError from a pathological input is a format failure, not a crash
    return { ok: false, reason: `malformed ASN.1: ${errorText(e)}` }
  }
}

type PkiCtor<T> = new (params: { schema: asn1js.AsnType }) => T

/** Parses bytes into a pkijs structure (Certificate, CertificateRevocationList, ContentInfo …) within bounds. */
export function parsePki<T> (Ctor: PkiCtor<T>, bytes: Uint8Array, what: string, options: { limits?: ParseLimits, allowTrailing?: boolean } = {}): Parsed<T> {
  const asn = parseAsn1(bytes, options)
  if (!asn.ok) return { ok: false, reason: `${what}: ${asn.reason}` }
  try {
    return { ok: true, value: new Ctor({ schema: asn.value }) }
  } catch (e) {
    return { ok: false, reason: `${what}: not a valid structure (${errorText(e)})` }
  }
}

export const parseCertificate = (der: Uint8Array): Parsed<pkijs.Certificate> => parsePki(pkijs.Certificate, der, 'certificate')

/** parseCertificate, shared by content (perContent): read the result, never change it. */
export const certificateOf = perContent(parseCertificate)

/** The DER of a public key, once per parsed key (path building compares keys, and verifying needs DER). */
export const spkiDer = ((): (spki: pkijs.PublicKeyInfo) => Uint8Array => {
  const cache = new WeakMap<pkijs.PublicKeyInfo, Uint8Array>()
  return spki => {
    let der = cache.get(spki)
    if (der === undefined) { der = new Uint8Array(spki.toSchema().toBER(false)); cache.set(spki, der) }
    return der
  }
})()

/** The DER of a pkijs object (a fresh encoding, as the object was parsed from DER). */
export const derOf = (o: { toSchema (): asn1js.AsnType }): Uint8Array => new Uint8Array(o.toSchema().toBER(false))

const NAME_KEYS: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID', '2.5.4.5': 'SERIALNUMBER', '2.5.4.4': 'SN',
  '2.5.4.42': 'GN', '2.5.4.12': 'T', '2.5.4.97': 'organizationIdentifier', '1.2.840.113549.1.9.1': 'E'
}

// RFC 4514 §2.4: escape the specials; leading '#' or space and a trailing space too.
const escapeValue = (v: string): string =>
  v.replace(/[\\,+"<>;=]/g, c => '\\' + c).replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ')

/**
 * RFC 4514 string (last RDN first), keeping Chinese and other Unicode text as it is; values that are not
 * strings are written as '#' and the hex of their BER.
 */
export function nameToString (name: pkijs.RelativeDistinguishedNames): string {
  const rdns: string[] = []
  for (const rdn of name.typesAndValues) {
    const key = NAME_KEYS[rdn.type] ?? rdn.type
    const block = (rdn.value as unknown as { valueBlock?: { value?: unknown } }).valueBlock
    const text = typeof block?.value === 'string' ? escapeValue(block.value) : '#' + toHex(new Uint8Array(rdn.value.toBER(false)))
    rdns.push(`${key}=${text}`)
  }
  return rdns.reverse().join(',')
}

function integerHex (i: asn1js.Integer): string {
  const b = i.valueBlock.valueHexView
  let start = 0
  while (start < b.length - 1 && b[start] === 0) start++
  return toHex(b.subarray(start))
}

const bitLength = (b: Uint8Array): number => {
  let i = 0
  while (i < b.length && b[i] === 0) i++
  if (i === b.length) return 0
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i] as number))
}

/** 'RSA-3072', 'EC P-256', 'SM2', 'Ed25519', or 'unknown (<oid>)'. */
export function describePublicKey (spki: pkijs.PublicKeyInfo): string {
  const alg = spki.algorithm.algorithmId
  if (alg === OID_RSA_ENCRYPTION || alg === OID_RSASSA_PSS) {
    const parsed = parseAsn1(spki.subjectPublicKey.valueBlock.valueHexView)
    if (parsed.ok && parsed.value instanceof asn1js.Sequence) {
      const n = parsed.value.valueBlock.value[0]
      if (n instanceof asn1js.Integer) return `RSA-${bitLength(n.valueBlock.valueHexView)}`
    }
    return 'RSA (unreadable key)'
  }
  if (alg === OID_EC_PUBLIC_KEY || alg === OID_SM2) {
    const params = spki.algorithm.algorithmParams
    const curve = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : alg
    return CURVES[curve] ?? `EC (curve ${curve})`
  }
  if (alg === OID_ED25519) return 'Ed25519'
  return `unknown (${alg})`
}

/** True when the key is an SM2 key (id-ecPublicKey with the SM2 curve, or the SM2 OID itself). */
export function isSm2Key (spki: pkijs.PublicKeyInfo): boolean {
  const params = spki.algorithm.algorithmParams
  return spki.algorithm.algorithmId === OID_SM2 ||
    (spki.algorithm.algorithmId === OID_EC_PUBLIC_KEY && params instanceof asn1js.ObjectIdentifier && params.valueBlock.toString() === OID_SM2)
}

// Per parsed certificate (certificateOf shares one per content): the signer's facts were worked out for
// every signature, its key parsed again by asn1js to give its size.
const infos = new WeakMap<pkijs.Certificate, CertificateInfo>()

/** The facts of a certificate, `der` being its encoding; a fresh object each call, so callers may change it. */
export function infoOf (cert: pkijs.Certificate, der: Uint8Array): CertificateInfo {
  let info = infos.get(cert)
  if (info === undefined) {
    info = certificateFacts(cert, der)
    infos.set(cert, info)
  }
  return { ...info }
}

function certificateFacts (cert: pkijs.Certificate, der: Uint8Array): CertificateInfo {
  return {
    subject: nameToString(cert.subject),
    issuer: nameToString(cert.issuer),
    serialNumber: integerHex(cert.serialNumber),
    notBefore: cert.notBefore.value.toISOString(),
    notAfter: cert.notAfter.value.toISOString(),
    sha256: sha256Hex(der),
    publicKey: describePublicKey(cert.subjectPublicKeyInfo)
  }
}

/** Certificate facts, or a failure with the reason. */
export function tryCertificateInfo (der: Uint8Array): Parsed<CertificateInfo> {
  const cert = parseCertificate(der)
  if (!cert.ok) return cert
  try {
    return { ok: true, value: infoOf(cert.value, der) }
  } catch (e) {
    return { ok: false, reason: `certificate: ${errorText(e)}` }
  }
}

/**
 * Certificate facts for a report. An unparseable certificate still gets its sha256 (so the evidence can
 * be found) with empty names and publicKey 'unparseable'; use tryCertificateInfo to see the reason.
 */
export function certificateInfo (der: Uint8Array): CertificateInfo {
  const r = tryCertificateInfo(der)
  if (r.ok) return r.value
  return { subject: '', issuer: '', serialNumber: '', notBefore: '', notAfter: '', sha256: sha256Hex(der), publicKey: 'unparseable' }
}

export function extension (cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find(e => e.extnID === oid)
}

/** The EKU OIDs, or null when the certificate has no extendedKeyUsage extension. */
export function extendedKeyUsages (cert: pkijs.Certificate): string[] | null {
  const ext = extension(cert, OID_EXT_KEY_USAGE)
  if (ext === undefined) return null
  const parsed = ext.parsedValue as pkijs.ExtKeyUsage | undefined
  return parsed?.keyPurposes ?? []
}

/** RFC 5280 §4.2.1.3 bit positions. */
export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const

/** Whether the keyUsage bit is set; null when the certificate has no keyUsage extension. */
export function hasKeyUsage (cert: pkijs.Certificate, bit: number): boolean | null {
  const ext = extension(cert, OID_KEY_USAGE)
  if (ext === undefined) return null
  const bits = ext.parsedValue as asn1js.BitString | undefined
  const bytes = bits?.valueBlock?.valueHexView
  if (bytes === undefined) return false
  const byte = bytes[bit >> 3] ?? 0
  return (byte & (0x80 >> (bit & 7))) !== 0
}

export function basicConstraints (cert: pkijs.Certificate): { ca: boolean, pathLen: number | null } | null {
  const ext = extension(cert, OID_BASIC_CONSTRAINTS)
  if (ext === undefined) return null
  const bc = ext.parsedValue as pkijs.BasicConstraints | undefined
  if (bc === undefined) return { ca: false, pathLen: null }
  const pl = bc.pathLenConstraint
  return { ca: bc.cA === true, pathLen: typeof pl === 'number' ? pl : pl instanceof asn1js.Integer ? pl.valueBlock.valueDec : null }
}

export const subjectKeyId = (cert: pkijs.Certificate): Uint8Array | null => {
  const v = extension(cert, OID_SUBJECT_KEY_ID)?.parsedValue as asn1js.OctetString | undefined
  return v?.valueBlock?.valueHexView ?? null
}

export const authorityKeyId = (cert: pkijs.Certificate): Uint8Array | null => {
  const v = extension(cert, OID_AUTHORITY_KEY_ID)?.parsedValue as pkijs.AuthorityKeyIdentifier | undefined
  return v?.keyIdentifier?.valueBlock?.valueHexView ?? null
}

/**
 * DER of the Name, for exact issuer/subject matching: the bytes it was parsed from when there are any.
 * pkijs's toSchema() parses those bytes again to encode them, and path building, CRL and OCSP matching
 * compare names a few dozen times per signature: that was a quarter of checking a PDF.
 */
export const nameDer = ((): (name: pkijs.RelativeDistinguishedNames) => Uint8Array => {
  const cache = new WeakMap<pkijs.RelativeDistinguishedNames, Uint8Array>()
  return name => {
    let der = cache.get(name)
    if (der === undefined) {
      der = name.valueBeforeDecode.byteLength > 0 ? new Uint8Array(name.valueBeforeDecode) : new Uint8Array(name.toSchema().toBER(false))
      cache.set(name, der)
    }
    return der
  }
})()

export const sameName = (a: pkijs.RelativeDistinguishedNames, b: pkijs.RelativeDistinguishedNames): boolean => {
  try { return bytesEqual(nameDer(a), nameDer(b)) || a.isEqual(b) } catch { return false }
}

/** PEM blocks of the given label, or the bytes themselves when they are not PEM. */
export function pemOrDer (bytes: Uint8Array, labels: string[]): Uint8Array[] {
  const text = Buffer.from(bytes).toString('latin1')
  if (!text.includes('-----BEGIN ')) return [bytes]
  const out: Uint8Array[] = []
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (labels.includes(m[1] as string)) out.push(new Uint8Array(Buffer.from((m[2] as string).replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')))
  }
  return out
}
