import { X509Certificate, type KeyObject } from 'node:crypto'
import type { AuditCheckpoint, ChainHead } from '../catalogue/index.js'
import { centerSign, centerVerify, loadCenterSigner, type CenterSigner } from '../documents/center-key.js'
import { LantaiError } from '../errors.js'

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

export const signWith = (algorithm: CheckpointAlgorithm, key: KeyObject, message: Buffer): Buffer => centerSign(algorithm, key, message)

export const verifyWith = (algorithm: CheckpointAlgorithm, publicKey: KeyObject, message: Buffer, signature: Buffer): boolean => centerVerify(algorithm, publicKey, message, signature)

export function checkpointMessage (cp: Pick<AuditCheckpoint, 'seq' | 'headHash' | 'signedAt' | 'algorithm'>): Buffer {
  return Buffer.from('lantai-audit-checkpoint-v1\n' + JSON.stringify([cp.seq, cp.headHash, cp.signedAt, cp.algorithm]), 'utf8')
}

/**
 * The center's signer from a PEM private key and its PEM certificate (LANTAI_AUDIT_KEY, LANTAI_AUDIT_CERT,
 * else the center's LANTAI_CENTER_KEY and LANTAI_CENTER_CERT), read by the one loader of the center's key.
 */
export function loadSigner (keyPath: string, certPath: string): CheckpointSigner {
  let center: CenterSigner
  try {
    center = loadCenterSigner({ key: keyPath, cert: certPath })
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? `${keyPath} / ${certPath}: ${((err as Error).cause as Error).message}` : (err as Error).message
    throw new LantaiError('AUDIT_KEY_INVALID', cause, { key: keyPath, certificate: certPath }, { cause: err })
  }
  // the checkpoint contract (docs/audit.md) names SM2 and ECDSA only
  if (center.algorithm === 'rsa-sha256') {
    throw new LantaiError('AUDIT_KEY_INVALID', `${keyPath}: the center's key must be SM2 or ECDSA, got rsa`, { key: keyPath })
  }
  return { algorithm: center.algorithm, key: center.key, certificatePem: center.certificate.toString() }
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
