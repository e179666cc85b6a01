import { constants, createHash, createPublicKey, verify as nodeVerify, webcrypto, type KeyObject } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { sm2Verify, sm3 } from './sm2.js'
import { OID_EC_PUBLIC_KEY, OID_RSA_ENCRYPTION, OID_RSASSA_PSS, OID_SM2, OID_SM3, OID_SM3_WITH_SM2, errorText, isSm2Key, spkiDer } from './x509.js'

// One signature primitive for everything in src/seals: certificates, CRLs, OCSP responses, CMS signer
// infos and timestamp tokens. RSA (PKCS#1 v1.5, PSS) and ECDSA go to node:crypto (OpenSSL); SM2 with
// SM3 goes to our GB/T 32918 verifier with the standard ID, because Node cannot set the ID
// (research-seals.md §4). The pkijs engine subclass below routes pkijs's own verify calls here too.

/** Digest OIDs to node:crypto names (RFC 5754, GB/T 32905). */
export const DIGEST_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  [OID_SM3]: 'sm3'
}

const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.14': 'sha224', '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512'
}
const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.1': 'sha1', '1.2.840.10045.4.3.1': 'sha224', '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512'
}
/** SM2 signature OIDs seen in the wild: sm2-with-sm3, and the key OID (plus 'sm2sign' …301.1) in CMS. */
const SM2_SIGNATURE_OIDS = new Set([OID_SM3_WITH_SM2, OID_SM2, '1.2.156.10197.1.301.1'])
const OID_MGF1 = '1.2.840.113549.1.1.8'

export const digestName = (oid: string): string | null => DIGEST_OIDS[oid] ?? null

export function digest (name: string, data: Uint8Array): Uint8Array {
  return name === 'sm3' ? sm3(data) : new Uint8Array(createHash(name).update(data).digest())
}

export interface SignatureCheck {
  valid: boolean
  /** 'RSA-SHA256', 'RSASSA-PSS-SHA256', 'ECDSA-SHA384', 'SM2-SM3', or the OID when unsupported. */
  algorithm: string
  /** Set when the algorithm or key could not be handled: not a cryptographic failure (INDETERMINATE). */
  unsupported?: string
}

export interface VerifyInput {
  /** The signatureAlgorithm as it appears in the structure. */
  algorithm: pkijs.AlgorithmIdentifier
  /** CMS: the SignerInfo digestAlgorithm OID, for signatureAlgorithm rsaEncryption / id-ecPublicKey / SM2. */
  digestOid?: string
  publicKey: pkijs.PublicKeyInfo
  data: Uint8Array
  signature: Uint8Array
}

function pssParams (alg: pkijs.AlgorithmIdentifier): { hash: string, mgfHash: string, saltLength: number } | string {
  if (alg.algorithmParams === undefined || alg.algorithmParams instanceof asn1js.Null) return { hash: 'sha1', mgfHash: 'sha1', saltLength: 20 }
  try {
    const p = new pkijs.RSASSAPSSParams({ schema: alg.algorithmParams })
    const hash = digestName(p.hashAlgorithm.algorithmId)
    if (hash === null) return `PSS hash ${p.hashAlgorithm.algorithmId}`
    if (p.maskGenAlgorithm.algorithmId !== OID_MGF1) return `PSS mask generation ${p.maskGenAlgorithm.algorithmId}`
    const mgfAlg = p.maskGenAlgorithm.algorithmParams === undefined ? null : new pkijs.AlgorithmIdentifier({ schema: p.maskGenAlgorithm.algorithmParams })
    const mgfHash = mgfAlg === null ? 'sha1' : digestName(mgfAlg.algorithmId)
    if (mgfHash === null) return 'PSS MGF1 hash'
    return { hash, mgfHash, saltLength: p.saltLength }
  } catch (e) {
    return `PSS parameters (${errorText(e)})`
  }
}

// One KeyObject per parsed key: a CA's key verifies the certificate of every signature made under it.
const nodeKeys = new WeakMap<pkijs.PublicKeyInfo, KeyObject>()

function nodeKey (spki: pkijs.PublicKeyInfo): KeyObject {
  let key = nodeKeys.get(spki)
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.from(spkiDer(spki)), format: 'der', type: 'spki' })
    nodeKeys.set(spki, key)
  }
  return key
}

const remembered = new WeakMap<object, WeakMap<object, SignatureCheck>>()

/**
 * verifySignature, remembered for a signed object (a certificate's, CRL's or OCSP response's to-be-signed
 * bytes) and the signer that checked it: every signature under one CA had its CA certificate, the CA's
 * CRL and the OCSP response verified again, though all three are the same parsed objects each time.
 */
export function verifySignatureOnce (signed: object, signer: object, input: VerifyInput): SignatureCheck {
  let bySigner = remembered.get(signed)
  if (bySigner === undefined) { bySigner = new WeakMap(); remembered.set(signed, bySigner) }
  let check = bySigner.get(signer)
  if (check === undefined) { check = verifySignature(input); bySigner.set(signer, check) }
  return check
}

/** Verifies one signature value. Never throws. */
export function verifySignature (input: VerifyInput): SignatureCheck {
  const oid = input.algorithm.algorithmId
  const { publicKey, data, signature } = input
  const keyAlg = publicKey.algorithm.algorithmId
  try {
    if (SM2_SIGNATURE_OIDS.has(oid) || (isSm2Key(publicKey) && (oid === OID_EC_PUBLIC_KEY))) {
      if (!isSm2Key(publicKey)) return { valid: false, algorithm: 'SM2-SM3', unsupported: 'an SM2 signature with a non-SM2 key' }
      if (oid !== OID_SM3_WITH_SM2 && input.digestOid !== undefined && input.digestOid !== OID_SM3) {
        return { valid: false, algorithm: `SM2-${input.digestOid}`, unsupported: `SM2 with digest ${input.digestOid}` }
      }
      return { valid: sm2Verify(publicKey.subjectPublicKey.valueBlock.valueHexView, data, signature), algorithm: 'SM2-SM3' }
    }
    if (isSm2Key(publicKey)) return { valid: false, algorithm: oid, unsupported: `signature algorithm ${oid} with an SM2 key` }
    let hash = RSA_PKCS1[oid]
    if (hash !== undefined || oid === OID_RSA_ENCRYPTION) {
      hash ??= input.digestOid === undefined ? undefined : digestName(input.digestOid) ?? undefined
      if (hash === undefined || hash === 'sm3') return { valid: false, algorithm: oid, unsupported: `RSA with digest ${input.digestOid ?? '?'}` }
      if (keyAlg !== OID_RSA_ENCRYPTION) return { valid: false, algorithm: `RSA-${hash.toUpperCase()}`, unsupported: `an RSA signature with a ${keyAlg} key` }
      return { valid: nodeVerify(hash, data, { key: nodeKey(publicKey), padding: constants.RSA_PKCS1_PADDING }, signature), algorithm: `RSA-${hash.toUpperCase()}` }
    }
    if (oid === OID_RSASSA_PSS) {
      const p = pssParams(input.algorithm)
      if (typeof p === 'string') return { valid: false, algorithm: 'RSASSA-PSS', unsupported: p }
      // node:crypto uses the message digest for MGF1 as well (RFC 4055 recommends the same hash)
      if (p.mgfHash !== p.hash) return { valid: false, algorithm: 'RSASSA-PSS', unsupported: 'PSS with MGF1 hash different from the message hash' }
      return { valid: nodeVerify(p.hash, data, { key: nodeKey(publicKey), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, signature), algorithm: `RSASSA-PSS-${p.hash.toUpperCase()}` }
    }
    hash = ECDSA[oid]
    if (hash !== undefined || oid === OID_EC_PUBLIC_KEY) {
      hash ??= input.digestOid === undefined ? undefined : digestName(input.digestOid) ?? undefined
      if (hash === undefined || hash === 'sm3') return { valid: false, algorithm: oid, unsupported: `ECDSA with digest ${input.digestOid ?? '?'}` }
      if (keyAlg !== OID_EC_PUBLIC_KEY) return { valid: false, algorithm: `ECDSA-${hash.toUpperCase()}`, unsupported: `an ECDSA signature with a ${keyAlg} key` }
      return { valid: nodeVerify(hash, data, { key: nodeKey(publicKey), dsaEncoding: 'der' }, signature), algorithm: `ECDSA-${hash.toUpperCase()}` }
    }
    return { valid: false, algorithm: oid, unsupported: `signature algorithm ${oid}` }
  } catch (e) {
    // OpenSSL refuses the key (unknown curve, bad encoding): the signature cannot be checked
    return { valid: false, algorithm: oid, unsupported: `key or signature not usable (${errorText(e)})` }
  }
}

const SM3_NAME = 'SM3'
// The lib has no DOM types; take pkijs's own parameter types.
type DigestArgs = Parameters<pkijs.CryptoEngine['digest']>
type EngineParams = ConstructorParameters<typeof pkijs.CryptoEngine>[0]
type WebAlgorithm = Parameters<pkijs.CryptoEngine['getOIDByAlgorithm']>[0]
type Bytes = DigestArgs[1]

const viewOf = (data: Bytes): Uint8Array => ArrayBuffer.isView(data)
  ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  : new Uint8Array(data as ArrayBuffer)

/**
 * pkijs engine on Node's WebCrypto that also knows SM3 and SM2-with-SM3, and verifies every signature
 * through verifySignature above. Pass it as the `crypto` argument of pkijs verify calls, or install it
 * with installCryptoEngine(). Our own path, revocation and CMS code do not use pkijs's
 * CertificateChainValidationEngine at all, which closes research-seals.md §1.2 gaps 1–4: the end entity
 * is the signer we were given, missing revocation data is reported, revocation dates are compared with
 * the validation time, and OCSP responses are signature-checked before use.
 */
export class LantaiCryptoEngine extends pkijs.CryptoEngine {
  constructor () {
    super({ name: 'lantai', crypto: webcrypto as unknown as EngineParams['crypto'] })
  }

  override async digest (algorithm: DigestArgs[0], data: Bytes): Promise<ArrayBuffer> {
    const name = typeof algorithm === 'string' ? algorithm : (algorithm as { name: string }).name
    if (name.toUpperCase() === SM3_NAME) {
      const out = sm3(viewOf(data))
      return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer
    }
    return await super.digest(algorithm, data)
  }

  override getAlgorithmByOID (oid: string, safety?: boolean, target?: string): never {
    if (oid === OID_SM3) return { name: SM3_NAME } as never
    if (oid === OID_SM3_WITH_SM2) return { name: 'SM2', hash: { name: SM3_NAME } } as never
    return super.getAlgorithmByOID(oid, safety as true, target) as never
  }

  override getOIDByAlgorithm (algorithm: WebAlgorithm, safety?: boolean, target?: string): string {
    if (algorithm.name.toUpperCase() === SM3_NAME) return OID_SM3
    if (algorithm.name.toUpperCase() === 'SM2') return OID_SM3_WITH_SM2
    return super.getOIDByAlgorithm(algorithm, safety, target)
  }

  override getHashAlgorithm (signatureAlgorithm: pkijs.AlgorithmIdentifier): string {
    if (SM2_SIGNATURE_OIDS.has(signatureAlgorithm.algorithmId)) return SM3_NAME
    return super.getHashAlgorithm(signatureAlgorithm)
  }

  override async verifyWithPublicKey (data: Bytes, signature: asn1js.BitString | asn1js.OctetString, publicKeyInfo: pkijs.PublicKeyInfo,
    signatureAlgorithm: pkijs.AlgorithmIdentifier, shaAlgorithm?: string): Promise<boolean> {
    const bytes = viewOf(data)
    const digestOid = shaAlgorithm === undefined ? undefined : Object.entries(DIGEST_OIDS).find(([, n]) => n === shaAlgorithm.toLowerCase().replace('-', ''))?.[0]
    return verifySignature({ algorithm: signatureAlgorithm, digestOid, publicKey: publicKeyInfo, data: bytes, signature: signature.valueBlock.valueHexView }).valid
  }
}

let installed: LantaiCryptoEngine | null = null

/** Makes LantaiCryptoEngine pkijs's default engine (idempotent) and returns it. */
export function installCryptoEngine (): LantaiCryptoEngine {
  if (installed === null) {
    installed = new LantaiCryptoEngine()
    pkijs.setEngine('lantai', installed)
  }
  return installed
}
