// Archive entry names come from strangers: one that could leave the staging directory, or that the
// filesystem cannot hold, is refused before anything touches the disk (RFC 8493 §5.1, Lantai L4).
import type IconvLite from 'iconv-lite'
import { lazyModule } from '../lazy-module.js'

const iconv = lazyModule<typeof IconvLite>('iconv-lite')

/** A name that is safe to create below the staging directory, "/"-separated, without "./" or a trailing "/". */
export interface SafeName {
  readonly ok: true
  readonly name: string
  readonly segments: readonly string[]
}

export interface UnsafeName {
  readonly ok: false
  readonly reason: string
}

// Most filesystems (ext4, xfs, APFS, NTFS) cap one name at 255 bytes.
const MAX_SEGMENT_BYTES = 255
// NUL truncates names in syscalls. Other controls are legal file names, exactly as in a directory bag:
// RFC 8493 §2.1.3 percent-encodes CR and LF in manifests, and the validator warns about names Windows
// cannot hold (BAG_NAME_NOT_PORTABLE).

/** Returns the name to create, or why it must not be created. `''` means the archive root itself ("./"). */
export function checkEntryName (raw: string): SafeName | UnsafeName {
  if (raw.length === 0) return { ok: false, reason: 'empty name' }
  if (raw.includes('\0')) return { ok: false, reason: 'NUL character in name' }
  if (raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:/.test(raw)) return { ok: false, reason: 'absolute path' }
  // Backslash is a separator on Windows, so "a\..\..\x" is a traversal there; never guess.
  if (raw.includes('\\')) return { ok: false, reason: 'backslash in name' }

  let name = raw
  while (name.startsWith('./')) name = name.slice(2)
  name = name.replace(/\/+$/, '')
  if (name === '' || name === '.') return { ok: true, name: '', segments: [] }

  const segments = name.split('/')
  for (const s of segments) {
    if (s === '..') return { ok: false, reason: 'contains a ".." segment' }
    if (s === '' || s === '.') return { ok: false, reason: 'empty or "." segment' }
    if (Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES) return { ok: false, reason: `a segment is longer than ${MAX_SEGMENT_BYTES} bytes` }
  }
  return { ok: true, name, segments }
}

/** The name as it may appear in a report: control characters escaped so they cannot forge lines. */
export function printable (raw: string): string {
  return raw.replace(/[\u0000-\u001f\u007f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) // eslint-disable-line no-control-regex
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes name bytes that carry no encoding marker. UTF-8 is tried first because most tools now
 * write it without saying so; bytes that are not UTF-8 are read in `legacyEncoding` (APPNOTE
 * appendix D says CP437 for zip; Chinese Windows tools write GBK), decoded by iconv-lite.
 */
export function decodeNameBytes (bytes: Uint8Array, legacyEncoding: string): string {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return iconv().decode(Buffer.from(bytes), legacyEncoding)
  }
}
