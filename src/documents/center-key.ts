import { createPrivateKey, createPublicKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { LantaiError } from '../errors.js'
import { sm2Verify } from '../seals/index.js'
import { sm2Sign } from '../seals/sm2.js'

// The center's signing identity (LANTAI_CENTER_KEY, LANTAI_CENTER_CERT, LANTAI_CENTER_CHAIN): one key seals
// the documents Lantai issues and signs the audit checkpoints. The key decides the algorithm: an EC key on
// the SM2 curve signs SM2 with SM3 (GB/T 32918 default ID, by src/seals/sm2.ts: Node's OpenSSL signs SM2
// with an empty ID), another EC key ECDSA with SHA-256, an RSA key PKCS#1 v1.5 with SHA-256.

export type CenterAlgorithm = 'sm2-sm3' | 'ecdsa-sha256' | 'rsa-sha256'

export interface CenterKeyPaths {
  key: string
  cert: string
  /** PEM certificates above the signing certificate (intermediates), carried in every signature */
  chain?: string | null
}

export interface CenterSigner {
  readonly algorithm: CenterAlgorithm
  readonly key: KeyObject
  readonly certificate: X509Certificate
  /** the signing certificate first, then LANTAI_CENTER_CHAIN's, DER */
  readonly certificates: readonly Uint8Array[]
}

/** id-sm2 (1.2.156.10197.1.301) as DER: an EC key on this curve is an SM2 key. */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex')

const spkiOf = (key: KeyObject): Buffer => (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' })

function algorithmOf (key: KeyObject): CenterAlgorithm | null {
  if (key.asymmetricKeyType === 'rsa') return 'rsa-sha256'
  // Node names an SM2 key's type 'sm2' or leaves it unnamed, by OpenSSL version: the curve decides
  if (spkiOf(key).includes(SM2_CURVE_OID)) return 'sm2-sm3'
  return key.asymmetricKeyType === 'ec' ? 'ecdsa-sha256' : null
}

/** A signature over `message` as CMS and the checkpoints carry it (DER r, s for SM2 and ECDSA). */
export function centerSign (algorithm: CenterAlgorithm, key: KeyObject, message: Uint8Array): Buffer {
  return algorithm === 'sm2-sm3' ? sm2Sign(key, message) : sign('sha256', message, key)
}

export function centerVerify (algorithm: CenterAlgorithm, publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  // the uncompressed point 04‖x‖y ends an EC SubjectPublicKeyInfo
  if (algorithm === 'sm2-sm3') return sm2Verify(new Uint8Array(spkiOf(publicKey).subarray(-65)), message, signature)
  return verify('sha256', message, publicKey, signature)
}

/** The certificates of a PEM file (one or more), or of a DER file (one), as DER. */
function certificatesIn (path: string): Uint8Array[] {
  const bytes = readFileSync(path)
  const blocks = [...bytes.toString('latin1').matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map(m => new Uint8Array(Buffer.from(m[1] ?? '', 'base64')))
  const ders = blocks.length > 0 ? blocks : [new Uint8Array(bytes)]
  for (const der of ders) new X509Certificate(der)
  return ders
}

/**
 * The center's signer from its PEM key and its certificate and chain (PEM or DER). CENTER_KEY_INVALID when a file cannot
 * be read, the key is neither SM2, EC nor RSA, or it does not belong to the certificate: a mismatched pair
 * would seal documents nobody can verify, so it is refused when loaded, not when a document is asked for.
 */
export function loadCenterSigner (paths: CenterKeyPaths): CenterSigner {
  const about = { key: paths.key, certificate: paths.cert, ...(paths.chain == null ? {} : { chain: paths.chain }) }
  let key: KeyObject
  let certificates: Uint8Array[]
  try {
    key = createPrivateKey(readFileSync(paths.key))
    certificates = [certificatesIn(paths.cert)[0] as Uint8Array, ...(paths.chain == null ? [] : certificatesIn(paths.chain))]
  } catch (err) {
    throw new LantaiError('CENTER_KEY_INVALID', `${paths.key} / ${paths.cert}${paths.chain == null ? '' : ` / ${paths.chain}`}: ${(err as Error).message}`, about, { cause: err })
  }
  const algorithm = algorithmOf(key)
  if (algorithm === null) throw new LantaiError('CENTER_KEY_INVALID', `${paths.key}: the center's key must be SM2, ECDSA or RSA, got ${key.asymmetricKeyType ?? 'unknown'}`, about)
  const certificate = new X509Certificate(certificates[0] as Uint8Array)
  const probe = Buffer.from('lantai-center-key-probe')
  if (!centerVerify(algorithm, certificate.publicKey, probe, centerSign(algorithm, key, probe))) {
    throw new LantaiError('CENTER_KEY_INVALID', `${paths.key} does not belong to the certificate ${paths.cert}`, about)
  }
  return { algorithm, key, certificate, certificates }
}
