// `lantai seals trust add`: certificates from what a center receives (a .p12/.pfx key store, PEM or DER
// certificate files) into the trust directory, each under its sha256 so adding it twice changes nothing.
// Private keys never leave their file.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { LantaiError } from '../errors.js'
import { readPkcs12, type Pkcs12Contents } from './pkcs12.js'
import { certificateInfo, parseCertificate, pemOrDer, sameName, sha256Hex } from './x509.js'

export interface TrustAddition {
  /** Where it went, relative to the trust directory: roots/<sha256>.der, seal-makers/…, revocation/…. */
  file: string
  subject: string
  /** root: self-signed, a trust anchor; seal-maker: as asked; path: only helps build paths (certs/README.md). */
  role: 'root' | 'seal-maker' | 'path'
  /** False when the same certificate was already there. */
  added: boolean
}

const PKCS12_EXTS = new Set(['.p12', '.pfx'])
const PRIVATE_KEY_PEM = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/

/** The certificates of a .p12/.pfx (with its password; none is tried as empty) or a PEM/DER certificate file. */
export async function readCertificateFile (file: string, password = ''): Promise<Pkcs12Contents> {
  const bytes = new Uint8Array(await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new LantaiError(err.code === 'ENOENT' ? 'PATH_NOT_FOUND' : 'PATH_UNREADABLE', file)
  }))
  if (PKCS12_EXTS.has(extname(file).toLowerCase())) return readPkcs12(bytes, password)
  const text = Buffer.from(bytes.subarray(0, 64 * 1024)).toString('latin1')
  const certificates = pemOrDer(bytes, ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'])
  if (certificates.length === 0) throw new LantaiError('SEAL_CERTIFICATE_FILE_INVALID', `${file}: no CERTIFICATE block`)
  for (const der of certificates) {
    const parsed = parseCertificate(der)
    if (!parsed.ok) throw new LantaiError('SEAL_CERTIFICATE_FILE_INVALID', `${file}: ${parsed.reason}`)
  }
  return { certificates, hasPrivateKey: PRIVATE_KEY_PEM.test(text) }
}

/**
 * Writes each certificate as DER into the trust directory: a self-signed one into roots/ (a trust anchor),
 * others into revocation/ (intermediates and end-entity certificates only help build paths), or all into
 * seal-makers/ when they are a seal-making system's (制章系统).
 */
export async function addToTrustDir (dir: string, certificates: readonly Uint8Array[], options: { sealMaker?: boolean } = {}): Promise<TrustAddition[]> {
  const out: TrustAddition[] = []
  for (const der of certificates) {
    const parsed = parseCertificate(der)
    if (!parsed.ok) throw new LantaiError('SEAL_CERTIFICATE_FILE_INVALID', parsed.reason)
    const role: TrustAddition['role'] = options.sealMaker === true ? 'seal-maker' : sameName(parsed.value.subject, parsed.value.issuer) ? 'root' : 'path'
    const sub = role === 'root' ? 'roots' : role === 'seal-maker' ? 'seal-makers' : 'revocation'
    const file = `${sub}/${sha256Hex(der)}.der`
    await mkdir(join(dir, sub), { recursive: true })
    let added = true
    await writeFile(join(dir, file), der, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
      added = false
    })
    out.push({ file, subject: certificateInfo(der).subject, role, added })
  }
  return out
}
