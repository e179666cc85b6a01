import { constants as fsc } from 'node:fs'
import { open } from 'node:fs/promises'
import { TextDecoder } from 'node:util'
import type IconvLite from 'iconv-lite'
import { lazyModule } from '../lazy-module.js'
import type { Findings } from './findings.js'

const iconv = lazyModule<typeof IconvLite>('iconv-lite')

// RFC 8493 §2.3: tag files are text in the declared encoding; any of CR, LF or CRLF ends a line and a
// missing final terminator is accepted. Files are read as streams, so memory grows with the longest
// line, never with the file (a 200,000-line manifest is read a line at a time).

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** iconv-lite name for a declared Tag-File-Character-Encoding, or null if we cannot decode it. */
export function decoderName (declared: string): string | null {
  const name = declared.trim().toLowerCase()
  if (name === 'utf-8' || name === 'utf8') return 'utf-8'
  // WHATWG's "iso-8859-1" is really windows-1252; iconv-lite's latin1 is the real ISO-8859-1.
  if (name === 'iso-8859-1' || name === 'latin1' || name === 'iso_8859-1') return 'latin1'
  return iconv().encodingExists(name) ? name : null
}

export const isUtf8 = (encoding: string): boolean => encoding === 'utf-8'

interface Decoder { write (b: Buffer): string, end (): string }

function makeDecoder (encoding: string, onInvalid: () => void): Decoder {
  if (!isUtf8(encoding)) {
    const d = iconv().getDecoder(encoding)
    return { write: b => d.write(b), end: () => d.end() ?? '' }
  }
  // Fatal first, so an invalid byte is reported once; then lossy, so the rest can still be checked.
  let strict: TextDecoder | null = new TextDecoder('utf-8', { fatal: true })
  const lossy = new TextDecoder('utf-8')
  const run = (b: Buffer | undefined, stream: boolean): string => {
    if (strict !== null) {
      try { return b === undefined ? strict.decode() : strict.decode(b, { stream }) } catch {
        strict = null
        onInvalid()
      }
    }
    return b === undefined ? lossy.decode() : lossy.decode(b, { stream })
  }
  return { write: b => run(b, true), end: () => run(undefined, false) }
}

export interface LineReadOptions {
  encoding: string
  maxLineBytes: number
  /** Bag-relative name for findings. */
  name: string
  findings: Findings
}

/**
 * Calls `onLine(text, lineNo)` for each line of a tag file (terminators removed, 1-based numbers).
 * Reports a UTF-8 BOM, undecodable bytes and over-long lines as findings; an over-long line stops the
 * file (Lantai L3). Rejects only for I/O errors. Opens with O_NOFOLLOW: the caller walked the bag with
 * lstat, and a link swapped in since is refused rather than followed.
 */
export async function readLines (file: string, opts: LineReadOptions, onLine: (text: string, lineNo: number) => void): Promise<void> {
  const { encoding, maxLineBytes, name, findings } = opts
  const handle = await open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  const stream = handle.createReadStream({ highWaterMark: 256 * 1024 })
  const decoder = makeDecoder(encoding, () => findings.add('BAG_TAGFILE_UNDECODABLE', { path: name, detail: `${name} is not valid ${encoding}` }))
  let first = true
  let pending = ''
  let lineNo = 0
  let stopped = false
  let lastWasCR = false

  const tooLong = (length: number): boolean => {
    if (length <= maxLineBytes) return false
    findings.add('BAG_LIMIT_LINE_LENGTH', { path: name, line: lineNo + 1, detail: `${name} line ${lineNo + 1} is longer than ${maxLineBytes} characters` })
    stopped = true
    pending = ''
    return true
  }
  const drain = (text: string, final: boolean): void => {
    let s = pending + text
    let start = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c === 10 && lastWasCR && i === start) { start = i + 1; lastWasCR = false; continue }
      lastWasCR = false
      if (c === 10 || c === 13) {
        if (tooLong(i - start)) return
        onLine(s.slice(start, i), ++lineNo)
        lastWasCR = c === 13
        start = i + 1
      }
    }
    s = s.slice(start)
    if (tooLong(s.length)) return
    if (final && s.length > 0) onLine(s, ++lineNo)
    pending = final ? '' : s
  }

  for await (const raw of stream as AsyncIterable<Buffer>) {
    let chunk = raw
    if (first) {
      first = false
      if (isUtf8(encoding) && chunk.subarray(0, 3).equals(UTF8_BOM)) {
        findings.add('BAG_TAGFILE_BOM', { path: name, detail: name })
        chunk = chunk.subarray(3)
      }
    }
    drain(decoder.write(chunk), false)
    if (stopped) { stream.destroy(); return }
  }
  drain(decoder.end(), true)
}
