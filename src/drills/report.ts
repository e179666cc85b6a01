import { X509Certificate } from 'node:crypto'
import { signWith, verifyWith, type CheckpointSigner } from '../audit/index.js'

// A drill report is signed with the center's key, the one that signs audit checkpoints (LANTAI_AUDIT_KEY;
// H1's LANTAI_CENTER_KEY loader is to take its place when the integrator unifies them). The signed
// message is a contract, as the checkpoint's is (docs/recovery.md):
//   "lantai-drill-report-v1\n" || the report's JSON text, exactly as stored

export const REPORT_FORMAT = 'lantai-drill-report-v1'

export interface SignedReport { algorithm: 'sm2-sm3' | 'ecdsa-sha256' | 'none', signature: string, certificate: string }

const message = (reportJson: string): Buffer => Buffer.from(`${REPORT_FORMAT}\n${reportJson}`, 'utf8')

export function signReport (reportJson: string, signer: CheckpointSigner | null): SignedReport {
  if (signer === null) return { algorithm: 'none', signature: '', certificate: '' }
  return { algorithm: signer.algorithm, signature: signWith(signer.algorithm, signer.key, message(reportJson)).toString('base64'), certificate: signer.certificatePem }
}

/** Whether the signature holds under the certificate the report carries (whether that certificate is the center's is the verifier's trust decision). */
export function verifyReport (reportJson: string, signed: SignedReport): 'valid' | 'invalid' | 'unsigned' {
  if (signed.algorithm === 'none') return 'unsigned'
  try {
    const cert = new X509Certificate(signed.certificate)
    return verifyWith(signed.algorithm, cert.publicKey, message(reportJson), Buffer.from(signed.signature, 'base64')) ? 'valid' : 'invalid'
  } catch {
    return 'invalid'
  }
}
