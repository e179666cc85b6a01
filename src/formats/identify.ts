import { open } from 'node:fs/promises'
import type { FormatId } from '../acceptance/index.js'

// Usability 3-3 (DA/T 70): a file's format is what its bytes say, never its name; a builder's
// scan saved as 竣工图.pdf that is really a JPEG must be named for what it is. Only a bounded head and
// tail are read, so a 4 GB video costs the same as a one-page letter.

/** Bytes read from the start and from the end of a file. */
export const IDENTIFY_WINDOW = 256 * 1024

/** What the bytes are when they are none of the formats acceptance knows. */
export type OtherKind = 'empty' | 'zip' | 'executable' | 'unknown'

export interface FormatIdentification {
  /** null when the bytes are none of FORMAT_IDS; `other` then says what they look like */
  readonly format: FormatId | null
  readonly other?: OtherKind
  /** PDF/A part and conformance from the XMP (pdfaid), e.g. { part: '2', conformance: 'B' } */
  readonly pdfa?: { readonly part: string, readonly conformance: string }
  /** a PDF whose trailer names /Encrypt: it cannot be read without its key (usability 3-8) */
  readonly encrypted?: boolean
  readonly size: number
}

/** The format of the file at `file`, from at most two windows of IDENTIFY_WINDOW bytes. */
export async function identifyFormat (file: string): Promise<FormatIdentification> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    const headLength = Math.min(size, IDENTIFY_WINDOW)
    const head = Buffer.alloc(headLength)
    await handle.read(head, 0, headLength, 0)
    let tail = head
    if (size > headLength) {
      const tailLength = Math.min(size - headLength, IDENTIFY_WINDOW)
      tail = Buffer.alloc(tailLength)
      await handle.read(tail, 0, tailLength, size - tailLength)
    }
    return identifyBytes(head, tail, size)
  } finally {
    await handle.close()
  }
}

const startsWith = (b: Buffer, magic: readonly number[], at = 0): boolean => magic.every((m, i) => b[at + i] === m)
const ascii = (b: Buffer, from: number, to: number): string => b.subarray(from, to).toString('latin1')

/** `head` is the file's first bytes, `tail` its last (the same buffer when the file fits in one window). */
export function identifyBytes (head: Buffer, tail: Buffer, size: number): FormatIdentification {
  if (size === 0) return { format: null, other: 'empty', size }
  // ISO 32000-1 §7.5.2: the header may follow up to 1024 bytes of junk, which readers tolerate.
  const pdfAt = head.subarray(0, 1024).indexOf('%PDF-')
  if (pdfAt >= 0) return pdf(head, tail, size)
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    // GB/T 33190 §7.1: an OFD is a zip whose root holds OFD.xml; the central directory (at the end) names it.
    return head.includes('OFD.xml') || tail.includes('OFD.xml') ? { format: 'ofd', size } : { format: null, other: 'zip', size }
  }
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { format: 'jpeg', size }
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: 'png', size }
  // TIFF 6.0 §2: II*\0 or MM\0*; BigTIFF uses 43 for 42
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) ||
      startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return { format: 'tiff', size }
  // DWG: a six-byte version string AC10nn (AC1015 = R2000 … AC1032 = R2018)
  if (/^AC10\d\d$/.test(ascii(head, 0, 6))) return { format: 'dwg', size }
  if (ascii(head, 4, 8) === 'ftyp') return { format: 'mp4', size }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return { format: 'wav', size }
  if (ascii(head, 0, 3) === 'ID3' || isMpegAudioFrame(head)) return { format: 'mp3', size }
  if (ascii(head, 0, 2) === 'MZ' || startsWith(head, [0x7f, 0x45, 0x4c, 0x46]) || ascii(head, 0, 2) === '#!' ||
      startsWith(head, [0xcf, 0xfa, 0xed, 0xfe]) || startsWith(head, [0xfe, 0xed, 0xfa, 0xcf])) return { format: null, other: 'executable', size }
  if (ascii(head, 0, 22) === 'AutoCAD Binary DXF\r\n\x1a\x00') return { format: 'dxf', size }
  const text = head.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '')
  // DXF (ASCII): group code 0 then SECTION, possibly after 999 comments
  if (/^\s*(?:999\r?\n[^\n]*\r?\n\s*)*0\r?\nSECTION\r?\n/.test(text)) return { format: 'dxf', size }
  if (/^\s*<(?:\?xml[\s?]|[A-Za-z_][\w.:-]*[\s>/])/.test(text)) return { format: 'xml', size }
  return { format: null, other: 'unknown', size }
}

/** ISO 11172-3 frame header: 11 sync bits, a version other than reserved, layer III. */
function isMpegAudioFrame (b: Buffer): boolean {
  const b1 = b[1] ?? 0
  return b[0] === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x18) !== 0x08 && (b1 & 0x06) === 0x02
}

function pdf (head: Buffer, tail: Buffer, size: number): FormatIdentification {
  // ISO 19005 §6.6 (PDF/A-1) / §6.6.4 (PDF/A-2, -3): the document's XMP names pdfaid:part and
  // pdfaid:conformance, as attributes or as elements; the metadata stream is not compressed in practice.
  const pdfa = pdfaId(head) ?? (tail === head ? undefined : pdfaId(tail))
  // ISO 32000-1 §7.6.1: an encrypted document's trailer (or xref stream dictionary, near the end) has /Encrypt.
  const encrypted = /\/Encrypt\s*(?:\d+\s+\d+\s+R|<<)/.test(tail.toString('latin1'))
  return { format: pdfa === undefined ? 'pdf' : 'pdf-a', ...(pdfa === undefined ? {} : { pdfa }), ...(encrypted ? { encrypted } : {}), size }
}

function pdfaId (b: Buffer): { part: string, conformance: string } | undefined {
  if (!b.includes('pdfaid')) return undefined
  const text = b.toString('latin1')
  const part = /pdfaid:part\s*=\s*["'](\d)["']|<pdfaid:part>\s*(\d)\s*</.exec(text)
  if (part === null) return undefined
  const conformance = /pdfaid:conformance\s*=\s*["']([A-Za-z])["']|<pdfaid:conformance>\s*([A-Za-z])\s*</.exec(text)
  return { part: part[1] ?? part[2] ?? '', conformance: (conformance?.[1] ?? conformance?.[2] ?? '').toUpperCase() }
}
