import { open, readFile, stat } from 'node:fs/promises'
import { LantaiError } from '../errors.js'
import { verifyCms } from './cms.js'
import { decidePaper, type PaperDecision } from './decision.js'
import { verifyOfd } from './ofd/verify-ofd.js'
import { verifyPdf } from './pdf/verify-pdf.js'
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
  /** For a detached .p7s: the file it signs (default: the same path without .p7s). */
  detachedContent?: string
}

export interface FileSealReport extends FileVerification {
  /** PDF/A (by its XMP identification) or OFD: accepted for single-set archiving. */
  archivalFormat: boolean
  decision: PaperDecision
}

const ZIP = Buffer.from('PK\x03\x04', 'latin1')

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
  // CMS has no magic number; a DER SEQUENCE prefix matches countless binary files. Only the name says so.
  if (/\.(p7s|p7m)$/i.test(name)) return 'p7s'
  return 'other'
}

/** The report of a file with no format Lantai verifies: unsigned (rule R5), without reading it again. */
export function unsignedFileReport (declaredOrigin?: 'born-digital' | 'digitized'): FileSealReport {
  const verification: FileVerification = { format: 'other', signatures: [], evidence: emptyEvidence(), originHints: [] }
  return { ...verification, archivalFormat: false, decision: decidePaper({ verification, archivalFormat: false, declaredOrigin }) }
}

/** PDF/A declares itself in XMP (pdfaid:part); PDF/A requires that metadata stream to be readable. */
async function isPdfA (file: string, maxBytes: number): Promise<boolean> {
  const st = await stat(file)
  if (st.size > maxBytes) return false
  const text = (await readFile(file)).toString('latin1')
  return /pdfaid:part\s*(=\s*["']\d|>\s*\d)/.test(text)
}

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
    verification = await verifyPdf(file, common)
    archivalFormat = await isPdfA(file, limits.maxFileBytes)
  } else if (format === 'ofd') {
    verification = await verifyOfd(file, common)
    archivalFormat = true
  } else if (format === 'p7s') {
    const der = await readFile(file)
    const contentPath = options.detachedContent ?? file.replace(/\.(p7s|p7m)$/i, '')
    const content = contentPath === file ? undefined : await readFile(contentPath).catch(() => undefined)
    const cms = await verifyCms(der, { trust: options.trust, validationTime: options.validationTime, signal, content, id: 'p7s' })
    verification = { format: 'p7s', signatures: cms.signatures, evidence: cms.evidence, originHints: [] }
  } else {
    return unsignedFileReport(options.declaredOrigin)
  }
  return { ...verification, archivalFormat, decision: decidePaper({ verification, archivalFormat, declaredOrigin: options.declaredOrigin }) }
}
