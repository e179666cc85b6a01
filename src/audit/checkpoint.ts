import { createPrivateKey, createPublicKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AuditCheckpoint, ChainHead } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { sm2Verify } from '../seals/index.js'
import { sm2Sign } from '../seals/sm2.js'

// Signed checkpoints of the audit chain: the center's key signs (seq, head hash, time), so an intruder
// who rewrites the chain from some row on, recomputing every hash, still cannot make the heads agree.
// SM2 with SM3 (GB/T 32918 default ID) when the center's key is an SM2 key, ECDSA with SHA-256
// otherwise. Node reads SM2 keys through OpenSSL 3 but signs them with an empty ID, so SM2 is signed by
// src/seals/sm2.ts and verified by src/seals' sm2Verify; an OpenSSL that cannot read the key fails with
// AUDIT_KEY_INVALID (configure an ECDSA P-256 key there instead).
//
// The signed message is a contract, like the chain encoding (docs/audit.md):
//   "lantai-audit-checkpoint-v1\n" || JSON([seq, head_hash, signed_at, algorithm])

export type CheckpointAlgorithm = 'sm2-sm3' | 'ecdsa-sha256'

export interface CheckpointSigner {
  readonly algorithm: CheckpointAlgorithm
  readonly key: KeyObject
  readonly certificatePem: string
}

/** id-sm2 (1.2.156.10197.1.301) as DER: an EC key on this curve is an SM2 key. */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex')

const isSm2 = (key: KeyObject): boolean => {
  const spki = (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' })
  return spki.includes(SM2_CURVE_OID)
}

/** The uncompressed point 04‖x‖y that ends an EC SubjectPublicKeyInfo. */
const rawPoint = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ type: 'spki', format: 'der' }).subarray(-65))

export const signWith = (algorithm: CheckpointAlgorithm, key: KeyObject, message: Buffer): Buffer =>
  algorithm === 'sm2-sm3' ? sm2Sign(key, message) : sign('sha256', message, key)

export const verifyWith = (algorithm: CheckpointAlgorithm, publicKey: KeyObject, message: Buffer, signature: Buffer): boolean =>
  algorithm === 'sm2-sm3' ? sm2Verify(rawPoint(publicKey), message, signature) : verify('sha256', message, publicKey, signature)

export function checkpointMessage (cp: Pick<AuditCheckpoint, 'seq' | 'headHash' | 'signedAt' | 'algorithm'>): Buffer {
  return Buffer.from('lantai-audit-checkpoint-v1\n' + JSON.stringify([cp.seq, cp.headHash, cp.signedAt, cp.algorithm]), 'utf8')
}

/** The center's signer from a PEM private key and its PEM certificate (LANTAI_AUDIT_KEY, LANTAI_AUDIT_CERT). */
export function loadSigner (keyPath: string, certPath: string): CheckpointSigner {
  let key: KeyObject
  let cert: X509Certificate
  try {
    key = createPrivateKey(readFileSync(keyPath))
    cert = new X509Certificate(readFileSync(certPath))
  } catch (err) {
    throw new LantaiError('AUDIT_KEY_INVALID', `${keyPath} / ${certPath}: ${(err as Error).message}`, { key: keyPath, certificate: certPath }, { cause: err })
  }
  const sm2 = isSm2(key)
  if (!sm2 && key.asymmetricKeyType !== 'ec') {
    throw new LantaiError('AUDIT_KEY_INVALID', `${keyPath}: the center's key must be SM2 or ECDSA, got ${key.asymmetricKeyType ?? 'unknown'}`, { key: keyPath })
  }
  const signer: CheckpointSigner = { algorithm: sm2 ? 'sm2-sm3' : 'ecdsa-sha256', key, certificatePem: cert.toString() }
  // a key that does not match its certificate would sign checkpoints nobody can verify: refuse at start
  const probe = { seq: 0, headHash: '', signedAt: '', algorithm: signer.algorithm }
  const signature = signWith(signer.algorithm, key, checkpointMessage(probe))
  if (!verifyWith(signer.algorithm, cert.publicKey, checkpointMessage(probe), signature)) {
    throw new LantaiError('AUDIT_KEY_INVALID', `${keyPath} does not belong to the certificate ${certPath}`, { key: keyPath, certificate: certPath })
  }
  return signer
}

/** A checkpoint of `head`, signed when there is a signer, else marked 'none' (it still pins the head). */
export function makeCheckpoint (head: ChainHead, signedAt: string, signer: CheckpointSigner | null): AuditCheckpoint {
  if (signer === null) return { seq: head.seq, headHash: head.hash, signedAt, algorithm: 'none', signature: '', certificate: '' }
  const cp = { seq: head.seq, headHash: head.hash, signedAt, algorithm: signer.algorithm }
  return { ...cp, signature: signWith(signer.algorithm, signer.key, checkpointMessage(cp)).toString('base64'), certificate: signer.certificatePem }
}

export type SignatureCheck = 'valid' | 'invalid' | 'unsigned'

/** Whether the checkpoint's signature holds under the public key of the certificate it carries. */
export function checkSignature (cp: AuditCheckpoint): SignatureCheck {
  if (cp.algorithm === 'none') return 'unsigned'
  if (cp.algorithm !== 'sm2-sm3' && cp.algorithm !== 'ecdsa-sha256') return 'invalid'
  try {
    const cert = new X509Certificate(cp.certificate)
    return verifyWith(cp.algorithm, cert.publicKey, checkpointMessage(cp), Buffer.from(cp.signature, 'base64')) ? 'valid' : 'invalid'
  } catch {
    return 'invalid'
  }
}

/** SHA-256 fingerprint of a checkpoint's certificate, to compare with the center's (null when unsigned). */
export function signerFingerprint (cp: AuditCheckpoint): string | null {
  try { return cp.certificate === '' ? null : new X509Certificate(cp.certificate).fingerprint256 } catch { return null }
}
