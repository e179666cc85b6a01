import type { BagCode } from './codes.js'

// RFC 8493 §5.1 and §6.1.2: a path from a manifest or fetch.txt is data, never a place to go. It is
// checked as a string before anything is looked up, and the validator only ever opens files it found
// by walking the bag itself, so an unsafe path can be reported but can never be followed.

export interface PathVerdict {
  /** The path as the bag means it: leading "./" removed, percent-decoding applied by the caller. */
  readonly path: string
  /** Error-level problems: the entry is excluded from completeness and fixity checks. */
  readonly errors: readonly BagCode[]
  /** True when a leading "./" was removed (warned, BAG_PATH_LEADING_DOT_SLASH). */
  readonly leadingDotSlash: boolean
}

const DRIVE = /^[A-Za-z]:/
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000]/

export function checkBagPath (raw: string): PathVerdict {
  const errors: BagCode[] = []
  let path = raw
  let leadingDotSlash = false
  while (path.startsWith('./')) { path = path.slice(2); leadingDotSlash = true }

  if (path.includes('\\') || DRIVE.test(path)) errors.push('BAG_PATH_WINDOWS_FORM')
  if (path.startsWith('/')) errors.push('BAG_PATH_ABSOLUTE')
  if (path.startsWith('~')) errors.push('BAG_PATH_HOME')
  const segments = path.split('/')
  if (segments.includes('..')) errors.push('BAG_PATH_TRAVERSAL')
  const inner = path.startsWith('/') ? segments.slice(1) : segments
  if (!errors.includes('BAG_PATH_ABSOLUTE') && (inner.some(s => s === '' || s === '.') || CONTROL.test(path))) {
    errors.push('BAG_PATH_NOT_NORMAL')
  }
  return { path, errors, leadingDotSlash }
}

/** RFC 8493 §2.1.3 (1.0 only): exactly %0A, %0D and %25 are decoded; any other "%" stays as it is. */
export function percentDecode (path: string): string {
  return path.replace(/%(0[AaDd]|25)/g, m => m === '%25' ? '%' : (m[2] === 'A' || m[2] === 'a') ? '\n' : '\r')
}

export const isUnderPayload = (path: string): boolean => path.startsWith('data/') && path.length > 5

/** The index key of a path: RFC 8493 §6.1.1.3 compares names after Unicode normalization. */
export const pathKey = (path: string): string => path.normalize('NFC')

const JUNK = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', '.spotlight-v100', '.trashes', '.fseventsd', '__macosx', 'ehthumbs.db'])
const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i
// eslint-disable-next-line no-control-regex
const NOT_ON_WINDOWS = /[<>:"|?*\u0001-\u001f]|[. ]$/

/** OS junk (Lantai L2): files a desktop leaves behind, never part of an archival record. */
export const isJunkName = (name: string): boolean => JUNK.has(name.toLowerCase()) || name.startsWith('._')

/** A name that Windows cannot hold or that exceeds 255 bytes (RFC 8493 §6.1.2, Lantai L2). */
export const isNonPortableName = (name: string): boolean =>
  RESERVED.test(name) || NOT_ON_WINDOWS.test(name) || Buffer.byteLength(name) > 255
