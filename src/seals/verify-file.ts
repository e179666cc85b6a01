import { open, readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { LantaiError } from '../errors.js'
import { verifyCms } from './cms.js'
import { decidePaper, type PaperDecision } from './decision.js'
import { verifyOfd } from './ofd/verify-ofd.js'
import { verifyPdfBytes } from './pdf/verify-pdf.js'
import { DEFAULT_VERIFY_LIMITS, emptyEvidence, type FileVerification, type VerifyLimits } from './report.js'
import type { TrustStore } from './trust.js'

// One entry for any file: recognise the format by its bytes, verify every seal or signature in it, and
// decide about paper. A file with no format we verify is simply unsigned (rule R5).

export interface VerifyFileOptions {
  trust: TrustStore
  validationTime?: Date
  signal?: AbortSignal
  limits?: Partial<VerifyLimits>
  declaredOrigin?: 'born-digital' | 'digitized'
  /** For a detached CMS signature: the file it signs (default: detachedContentPath(file)). */
  detachedContent?: string
}

export interface FileSealReport extends FileVerification {
  /** PDF/A (by its XMP identification) or OFD: accepted for single-set archiving. */
  archivalFormat: boolean
  decision: PaperDecision
}

const ZIP = Buffer.from('PK\x03\x04', 'latin1')
// ContentInfo.contentType right after the outer SEQUENCE's header: id-signedData (RFC 5652 §5.1) or the
// GM/T 0010 signedData 1.2.156.10197.6.1.4.2.2 that GB/T 35275 signatures carry.
const OID_SIGNED_DATA_TLV = Buffer.from('06092a864886f70d010702', 'hex')
const OID_GM_SIGNED_DATA_TLV = Buffer.from('060a2a811ccf550601040202', 'hex')
const PEM_CMS = /^(\ufeff)?\s*-----BEGIN (PKCS7|CMS)-----/
/** Names a CMS signature file commonly has; stripping one gives the file a detached signature signs. */
const SIGNATURE_EXTENSION = /\.(p7s|p7m|p7|pkcs7|cms)$/i

/** Bytes of a file's start that decide its format. */
export const SNIFF_BYTES = 1024

export async function sniffSealFormat (file: string): Promise<FileVerification['format']> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    return sealFormatOf(head.subarray(0, bytesRead), file)
  } finally {
    await handle.close()
  }
}

/** The format by a file's first SNIFF_BYTES and its name; ingest decides it while the bytes arrive. */
export function sealFormatOf (head: Uint8Array, name: string): FileVerification['format'] {
  const bytes = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, SNIFF_BYTES))
  if (bytes.indexOf('%PDF-') !== -1) return 'pdf'
  if (bytes.subarray(0, 4).equals(ZIP) && bytes.includes(Buffer.from('OFD.xml'))) return 'ofd'
  if (isCmsHead(bytes)) return 'p7s'
  // a file that names itself a signature but is not one we can read: a FORMAT_FAILURE, not "unsigned"
  if (SIGNATURE_EXTENSION.test(name)) return 'p7s'
  return 'other'
}

/**
 * A CMS SignedData by its first bytes, whatever the file is called: a DER or BER SEQUENCE whose first
 * element is the signedData OID (a bare SEQUENCE prefix would match countless binary files; the OID
 * right after it does not), or PEM armour "-----BEGIN PKCS7-----" / "-----BEGIN CMS-----".
 */
export function isCmsHead (bytes: Buffer): boolean {
  if (bytes.length >= 2 && bytes[0] === 0x30) {
    const len = bytes[1]!
    // short form, indefinite (BER, as `openssl cms -stream` writes), or 1 to 4 length octets
    if (len > 0x84) return false
    const at = len > 0x80 ? 2 + (len & 0x7f) : 2
    const tlv = bytes.subarray(at, at + OID_GM_SIGNED_DATA_TLV.length)
    return tlv.subarray(0, OID_SIGNED_DATA_TLV.length).equals(OID_SIGNED_DATA_TLV) || tlv.equals(OID_GM_SIGNED_DATA_TLV)
  }
  return PEM_CMS.test(bytes.subarray(0, 64).toString('latin1'))
}

/**
 * The file a detached CMS signature signs, by the convention every signing tool follows: the signature's
 * own name without its signature extension (`report.pdf.p7s` signs `report.pdf`). Undefined for a name
 * without one of .p7s, .p7m, .p7, .pkcs7, .cms: there is then nothing to look for.
 */
export function detachedContentPath (file: string): string | undefined {
  const m = SIGNATURE_EXTENSION.exec(file)
  if (m === null) return undefined
  const content = file.slice(0, -m[0].length)
  return basename(content) === '' || /[\\/]$/.test(content) ? undefined : content
}

/** The DER of a CMS file: as it is, or from PEM armour or bare base64 (as some mail tools save a .p7s). */
function cmsDer (bytes: Buffer): Uint8Array {
  if (bytes[0] === 0x30) return bytes
  const text = bytes.toString('latin1')
  const pem = /-----BEGIN (PKCS7|CMS)-----([\s\S]*?)-----END \1-----/.exec(text)
  const b64 = pem?.[2] ?? text
  if (!/^[\sA-Za-z0-9+/=]+$/.test(b64)) return bytes
  return Buffer.from(b64.replace(/\s+/g, ''), 'base64')
}

/** The report of a file with no format Lantai verifies: unsigned (rule R5), without reading it again. */
export function unsignedFileReport (declaredOrigin?: 'born-digital' | 'digitized'): FileSealReport {
  const verification: FileVerification = { format: 'other', signatures: [], evidence: emptyEvidence(), originHints: [] }
  return { ...verification, archivalFormat: false, decision: decidePaper({ verification, archivalFormat: false, declaredOrigin }) }
}

/**
 * PDF/A declares itself in XMP (pdfaid:part); PDF/A requires that metadata stream to be readable. Read
 * from the bytes verifyPdfBytes checked: reading the file a second time and making one string of it was
 * a tenth of checking a signed PDF.
 */
export function declaresPdfA (bytes: Uint8Array): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = buf.indexOf(PDFAID); at >= 0; at = buf.indexOf(PDFAID, at + PDFAID.length)) {
    if (PDFA_PART.test(buf.toString('latin1', at, at + 256))) return true
  }
  return false
}

const PDFAID = Buffer.from('pdfaid:part', 'latin1')
const PDFA_PART = /^pdfaid:part\s*(=\s*["']\d|>\s*\d)/

export async function verifyFile (file: string, options: VerifyFileOptions): Promise<FileSealReport> {
  const limits = { ...DEFAULT_VERIFY_LIMITS, ...options.limits }
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new LantaiError(err.code === 'ENOENT' ? 'PATH_NOT_FOUND' : 'PATH_UNREADABLE', file)
  })
  if (!st.isFile()) throw new LantaiError('PATH_UNREADABLE', `${file} is not a file`)
  // PDF and OFD verifiers enforce limits.timeoutMs themselves and answer INDETERMINATE; a CMS file gets
  // the budget as a signal. The caller's signal always means "stop now".
  const common = { trust: options.trust, validationTime: options.validationTime, signal: options.signal, limits }
  const signal = AbortSignal.any([AbortSignal.timeout(limits.timeoutMs), ...(options.signal === undefined ? [] : [options.signal])])
  const format = st.size > limits.maxFileBytes ? 'other' : await sniffSealFormat(file)
  let verification: FileVerification
  let archivalFormat = false
  if (format === 'pdf') {
    // sniffing left files over limits.maxFileBytes as 'other': this one is read once, whole
    const bytes = new Uint8Array(await readFile(file, { signal: options.signal }))
    verification = await verifyPdfBytes(bytes, common)
    archivalFormat = declaresPdfA(bytes)
  } else if (format === 'ofd') {
    verification = await verifyOfd(file, common)
    archivalFormat = true
  } else if (format === 'p7s') {
    const der = cmsDer(await readFile(file))
    const contentPath = options.detachedContent ?? detachedContentPath(file)
    const content = contentPath === undefined || contentPath === file ? undefined : await readFile(contentPath).catch(() => undefined)
    const cms = await verifyCms(der, { trust: options.trust, validationTime: options.validationTime, signal, content, id: 'p7s' })
    // a certificate bundle (.p7b) is SignedData too, but signs nothing: an unsigned file, not a failed signature
    if (cms.certsOnly === true) return unsignedFileReport(options.declaredOrigin)
    for (const s of cms.signatures) {
      if (s.subIndication !== 'SIGNED_DATA_NOT_FOUND') continue
      s.reasons.push(contentPath === undefined
        ? `the file name ${basename(file)} has no signature extension (.p7s, .p7m, .p7, .pkcs7, .cms), so the signed content cannot be found next to it`
        : `the signed content ${basename(contentPath)} was not found next to the signature`)
    }
    verification = { format: 'p7s', signatures: cms.signatures, evidence: cms.evidence, originHints: [] }
  } else {
    return unsignedFileReport(options.declaredOrigin)
  }
  return { ...verification, archivalFormat, decision: decidePaper({ verification, archivalFormat, declaredOrigin: options.declaredOrigin }) }
}
