import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import * as pkijs from 'pkijs'
import { LantaiError } from '../errors.js'
import { parseCertificate, parsePki, pemOrDer, type Parsed } from './x509.js'

// The trust store: what the center itself decides to trust (rule R2). Layout in certs/README.md.

export interface TrustStore {
  /** Trust anchors for CMS and PAdES signatures: the center's configured root CAs (DER). */
  anchors: Uint8Array[]
  /** Seal-making systems (制章系统) whose signature on an SES seal is accepted (DER). */
  sealMakers: Uint8Array[]
  /** CRLs (DER). */
  crls: Uint8Array[]
  /** OCSPResponse structures (DER). */
  ocspResponses: Uint8Array[]
  /** Intermediate CAs and OCSP responders that help build paths but are not trusted by themselves (DER). */
  extraCertificates: Uint8Array[]
}

/** Names what the store trusts, so a change of certs/ (a new root, a fresher CRL) can be noticed. */
export function trustFingerprint (store: TrustStore): string {
  const h = createHash('sha256')
  for (const [part, items] of Object.entries(store) as Array<[string, Uint8Array[]]>) {
    h.update(`${part}:${items.length}\n`)
    for (const d of items.map(x => createHash('sha256').update(x).digest('hex')).sort()) h.update(d)
  }
  return h.digest('hex')
}

/** The trust store of a configured directory; empty when none is configured or it does not exist. */
export async function loadTrustDir (dir: string | null): Promise<TrustStore> {
  return dir === null || !existsSync(dir) ? emptyTrustStore() : await loadTrustStore(dir)
}

export const emptyTrustStore = (): TrustStore => ({ anchors: [], sealMakers: [], crls: [], ocspResponses: [], extraCertificates: [] })

const CERT_EXTS = new Set(['.pem', '.crt', '.cer', '.der'])
const IGNORED = /^(\.|readme)/i

export function parseOcspResponse (der: Uint8Array): Parsed<pkijs.BasicOCSPResponse> {
  const resp = parsePki(pkijs.OCSPResponse, der, 'OCSP response')
  if (!resp.ok) return resp
  const rb = resp.value.responseBytes
  // RFC 6960 §4.2.1: only a successful response carries responseBytes
  if (resp.value.responseStatus.valueBlock.valueDec !== 0 || rb === undefined) return { ok: false, reason: `OCSP response: status ${resp.value.responseStatus.valueBlock.valueDec}, no basic response` }
  if (rb.responseType !== '1.3.6.1.5.5.7.48.1.1') return { ok: false, reason: `OCSP response: type ${rb.responseType} is not id-pkix-ocsp-basic` }
  return parsePki(pkijs.BasicOCSPResponse, rb.response.valueBlock.valueHexView, 'basic OCSP response')
}

export const parseCrl = (der: Uint8Array): Parsed<pkijs.CertificateRevocationList> => parsePki(pkijs.CertificateRevocationList, der, 'CRL')

type Kind = 'certificate' | 'crl' | 'ocsp'

function split (bytes: Uint8Array, ext: string): Array<{ kind: Kind, der: Uint8Array }> {
  const text = Buffer.from(bytes.subarray(0, 64 * 1024)).toString('latin1')
  if (text.includes('-----BEGIN ')) {
    return [
      ...pemOrDer(bytes, ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']).map(der => ({ kind: 'certificate' as const, der })),
      ...pemOrDer(bytes, ['X509 CRL']).map(der => ({ kind: 'crl' as const, der })),
      ...pemOrDer(bytes, ['OCSP RESPONSE']).map(der => ({ kind: 'ocsp' as const, der }))
    ]
  }
  return [{ kind: ext === '.crl' ? 'crl' : ext === '.ocsp' ? 'ocsp' : 'certificate', der: bytes }]
}

async function listFiles (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter(e => e.isFile() && !IGNORED.test(e.name)).map(e => e.name).sort()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
}

/**
 * Reads `<dir>/roots`, `<dir>/seal-makers` and `<dir>/revocation` (PEM or DER). Certificates in
 * revocation/ (intermediates, OCSP responders) become extraCertificates. Any file that does not parse is
 * refused with SEAL_TRUST_INVALID naming it: a silently skipped root would turn into NO_CERTIFICATE_CHAIN_FOUND
 * on every ingest.
 */
export async function loadTrustStore (dir: string): Promise<TrustStore> {
  const store = emptyTrustStore()
  const sections: Array<[string, Uint8Array[]]> = [['roots', store.anchors], ['seal-makers', store.sealMakers], ['revocation', store.extraCertificates]]
  for (const [sub, certTarget] of sections) {
    for (const name of await listFiles(join(dir, sub))) {
      const file = join(dir, sub, name)
      const ext = extname(name).toLowerCase()
      if (!CERT_EXTS.has(ext) && ext !== '.crl' && ext !== '.ocsp') throw new LantaiError('SEAL_TRUST_INVALID', file, { file, reason: `unexpected file type ${ext || '(none)'}` })
      const parts = split(new Uint8Array(await readFile(file)), ext)
      if (parts.length === 0) throw new LantaiError('SEAL_TRUST_INVALID', file, { file, reason: 'no PEM block of a known type' })
      for (const { kind, der } of parts) {
        const parsed = kind === 'certificate' ? parseCertificate(der) : kind === 'crl' ? parseCrl(der) : parseOcspResponse(der)
        if (!parsed.ok) throw new LantaiError('SEAL_TRUST_INVALID', file, { file, reason: parsed.reason })
        if (kind === 'certificate' && sub === 'revocation' && ext === '.crl') throw new LantaiError('SEAL_TRUST_INVALID', file, { file, reason: 'a certificate in a .crl file' })
        ;(kind === 'certificate' ? certTarget : kind === 'crl' ? store.crls : store.ocspResponses).push(der)
      }
    }
  }
  return store
}
