// The two certificates inside an SES seal (maker and signer): reading them and their SM2 key. Paths
// and revocation are src/seals/path.ts's job.
import type * as pkijs from 'pkijs'
import type { CertificateInfo } from '../report.js'
import { errorText, infoOf, isSm2Key, parseCertificate } from '../x509.js'

export interface ParsedCert { der: Uint8Array, cert: pkijs.Certificate, info: CertificateInfo }

/** The certificate and its facts, or why it cannot be read (bounded parse, never throws). */
export function readCert (der: Uint8Array): ParsedCert | string {
  const parsed = parseCertificate(der)
  if (!parsed.ok) return parsed.reason
  try {
    return { der, cert: parsed.value, info: infoOf(parsed.value, der) }
  } catch (e) {
    return `certificate: ${errorText(e)}`
  }
}

/** 04‖x‖y of an SM2 certificate, or null for any other key. */
export function sm2KeyOf (cert: pkijs.Certificate): Uint8Array | null {
  return isSm2Key(cert.subjectPublicKeyInfo) ? cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView : null
}
