// A small, bounded reader of PDF object syntax (ISO 32000-1 §7.2–7.3). It parses one object at a
// time from a byte offset and never follows references itself: xref.ts does that, with its own
// bounds. Every loop is bounded by the input length, and nesting by `maxDepth`, so hostile input
// ends in a PdfFormatError, never a stack overflow or a hang.

export class PdfFormatError extends Error {
  constructor (message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`)
  }
}

export interface PdfName { kind: 'name', value: string }
export interface PdfString {
  kind: 'string'
  bytes: Uint8Array
  hex: boolean
  /** Offsets of the token in the buffer it was parsed from: `<` and one past `>` (or the parentheses). */
  start: number
  end: number
}
export interface PdfArray { kind: 'array', items: PdfObject[] }
export interface PdfDict { kind: 'dict', entries: Map<string, PdfObject> }
export interface PdfRef { kind: 'ref', num: number, gen: number }
export interface PdfStream {
  kind: 'stream'
  dict: PdfDict
  /** The raw (still encoded) bytes, a view into the buffer the stream was parsed from. */
  data: Uint8Array
}
export type PdfObject = null | boolean | number | PdfName | PdfString | PdfArray | PdfDict | PdfRef | PdfStream

export interface LexerLimits {
  maxDepth: number
  /** Entries in one array or dictionary. */
  maxItems: number
}

// §7.2.2: white-space and delimiter characters
const WS = new Uint8Array(256)
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1
const DELIM = new Uint8Array(256)
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1

export const isWhite = (c: number | undefined): boolean => c !== undefined && WS[c] === 1
const isRegular = (c: number | undefined): boolean => c !== undefined && WS[c] !== 1 && DELIM[c] !== 1
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57
const hexVal = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1

type Token =
  | { t: 'num', v: number, int: boolean, start: number }
  | { t: 'kw', v: string, start: number }
  | { t: 'name', v: string, start: number }
  | { t: 'str', v: PdfString, start: number }
  | { t: 'open', v: '[' | '<<', start: number }
  | { t: 'close', v: ']' | '>>', start: number }
  | { t: 'eof', start: number }

export class Lexer {
  pos: number
  constructor (readonly buf: Uint8Array, pos = 0, readonly limits: LexerLimits = { maxDepth: 64, maxItems: 1_000_000 }) {
    this.pos = pos
  }

  skipWhite (): void {
    const b = this.buf
    while (this.pos < b.length) {
      const c = b[this.pos]!
      if (WS[c] === 1) { this.pos++; continue }
      if (c === 37) { // % comment to end of line
        while (this.pos < b.length && b[this.pos] !== 10 && b[this.pos] !== 13) this.pos++
        continue
      }
      break
    }
  }

  private token (): Token {
    this.skipWhite()
    const b = this.buf
    const start = this.pos
    if (start >= b.length) return { t: 'eof', start }
    const c = b[start]!
    if (c === 91) { this.pos++; return { t: 'open', v: '[', start } }
    if (c === 93) { this.pos++; return { t: 'close', v: ']', start } }
    if (c === 60) {
      if (b[start + 1] === 60) { this.pos += 2; return { t: 'open', v: '<<', start } }
      return { t: 'str', v: this.hexString(), start }
    }
    if (c === 62) {
      if (b[start + 1] === 62) { this.pos += 2; return { t: 'close', v: '>>', start } }
      throw new PdfFormatError('stray ">"', start)
    }
    if (c === 40) return { t: 'str', v: this.literalString(), start }
    if (c === 47) return { t: 'name', v: this.name(), start }
    if (c === 43 || c === 45 || c === 46 || isDigit(c)) return this.number()
    if (c === 41 || c === 123 || c === 125) throw new PdfFormatError(`unexpected "${String.fromCharCode(c)}"`, start)
    while (isRegular(b[this.pos])) this.pos++
    if (this.pos - start > 64) throw new PdfFormatError('keyword too long', start)
    return { t: 'kw', v: latin1(b.subarray(start, this.pos)), start }
  }

  private number (): Token {
    const b = this.buf
    const start = this.pos
    let s = ''
    while (this.pos < b.length && (isDigit(b[this.pos]) || b[this.pos] === 43 || b[this.pos] === 45 || b[this.pos] === 46)) {
      s += String.fromCharCode(b[this.pos]!)
      this.pos++
      if (s.length > 40) throw new PdfFormatError('number too long', start)
    }
    const v = Number(s)
    // §7.3.3: a malformed number ("--1", "1.2.3") is an error, not a zero
    if (!Number.isFinite(v) || s === '+' || s === '-' || s === '.') throw new PdfFormatError(`bad number "${s}"`, start)
    return { t: 'num', v, int: /^[+-]?\d+$/.test(s), start }
  }

  private name (): string {
    const b = this.buf
    const start = this.pos
    this.pos++
    const out: number[] = []
    while (isRegular(b[this.pos])) {
      const c = b[this.pos]!
      if (c === 35 && this.pos + 2 < b.length) { // §7.3.5: #xx escapes
        const h = hexVal(b[this.pos + 1]!); const l = hexVal(b[this.pos + 2]!)
        if (h >= 0 && l >= 0) { out.push(h * 16 + l); this.pos += 3; continue }
      }
      out.push(c)
      this.pos++
      if (out.length > 127) throw new PdfFormatError('name too long', start) // Annex C: 127 bytes
    }
    return Buffer.from(out).toString('latin1')
  }

  private hexString (): PdfString {
    const b = this.buf
    const start = this.pos
    // A signature's /Contents is thousands of hex digits: decoded into one array sized by the distance
    // to the closing ">", not pushed digit by digit (that was a fifth of inspecting a signed PDF).
    const close = b.indexOf(62, start + 1)
    if (close > start && (close - start - 1) % 2 === 0) {
      // Node's decoder stops at the first pair that is not hex: a full-length result means every digit
      // was one (and there was no whitespace), which is what signing tools write
      const fast = Buffer.from(latin1(b.subarray(start + 1, close)), 'hex')
      if (fast.length * 2 === close - start - 1) {
        this.pos = close + 1
        return { kind: 'string', bytes: new Uint8Array(fast.buffer, fast.byteOffset, fast.length), hex: true, start, end: this.pos }
      }
    }
    const end = close < 0 ? b.length : close
    const out = new Uint8Array((end - start) >> 1)
    let n = 0
    let hi = -1
    for (let i = start + 1; i < end; i++) {
      const c = b[i]!
      if (WS[c] === 1) continue
      const v = hexVal(c)
      if (v < 0) throw new PdfFormatError('bad character in hex string', i)
      if (hi < 0) hi = v
      else { out[n++] = hi * 16 + v; hi = -1 }
    }
    if (close < 0) throw new PdfFormatError('unterminated hex string', start)
    if (hi >= 0) out[n++] = hi * 16 // §7.3.4.3: a final odd digit is followed by 0
    this.pos = close + 1
    return { kind: 'string', bytes: out.subarray(0, n), hex: true, start, end: this.pos }
  }

  private literalString (): PdfString {
    const b = this.buf
    const start = this.pos
    this.pos++
    const out: number[] = []
    let depth = 1
    for (;;) {
      if (this.pos >= b.length) throw new PdfFormatError('unterminated string', start)
      const c = b[this.pos++]!
      if (c === 92) { // §7.3.4.2 escapes
        const e = b[this.pos++]
        if (e === undefined) throw new PdfFormatError('unterminated string', start)
        const simple: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 102: 12, 40: 40, 41: 41, 92: 92 }
        if (simple[e] !== undefined) out.push(simple[e])
        else if (e === 13) { if (b[this.pos] === 10) this.pos++ } else if (e === 10) { /* line continuation */ } else if (e >= 48 && e <= 55) {
          let v = e - 48
          for (let i = 0; i < 2 && b[this.pos] !== undefined && b[this.pos]! >= 48 && b[this.pos]! <= 55; i++) v = v * 8 + b[this.pos++]! - 48
          out.push(v & 0xff)
        } else out.push(e)
        continue
      }
      if (c === 40) depth++
      else if (c === 41 && --depth === 0) break
      out.push(c)
    }
    return { kind: 'string', bytes: Uint8Array.from(out), hex: false, start, end: this.pos }
  }

  /** Parses one object. Integers followed by `gen R` become references. */
  parseObject (depth = 0): PdfObject {
    if (depth > this.limits.maxDepth) throw new PdfFormatError(`objects nested deeper than ${this.limits.maxDepth}`, this.pos)
    const tok = this.token()
    switch (tok.t) {
      case 'eof': throw new PdfFormatError('unexpected end of data', tok.start)
      case 'str': return tok.v
      case 'name': return { kind: 'name', value: tok.v }
      case 'close': throw new PdfFormatError(`unexpected "${tok.v}"`, tok.start)
      case 'kw':
        if (tok.v === 'true') return true
        if (tok.v === 'false') return false
        if (tok.v === 'null') return null
        throw new PdfFormatError(`unexpected keyword "${tok.v}"`, tok.start)
      case 'num': {
        if (tok.int && tok.v >= 0) {
          const save = this.pos
          const g = this.tryToken()
          if (g?.t === 'num' && g.int && g.v >= 0) {
            const r = this.tryToken()
            if (r?.t === 'kw' && r.v === 'R') return { kind: 'ref', num: tok.v, gen: g.v }
          }
          this.pos = save
        }
        return tok.v
      }
      case 'open':
        return tok.v === '[' ? this.array(depth) : this.dict(depth)
    }
  }

  private tryToken (): Token | undefined {
    try { return this.token() } catch { return undefined }
  }

  private array (depth: number): PdfArray {
    const items: PdfObject[] = []
    for (;;) {
      this.skipWhite()
      if (this.buf[this.pos] === 93) { this.pos++; return { kind: 'array', items } }
      if (this.pos >= this.buf.length) throw new PdfFormatError('unterminated array', this.pos)
      if (items.length >= this.limits.maxItems) throw new PdfFormatError('array too long', this.pos)
      items.push(this.parseObject(depth + 1))
    }
  }

  private dict (depth: number): PdfDict {
    const entries = new Map<string, PdfObject>()
    for (;;) {
      const tok = this.token()
      if (tok.t === 'close' && tok.v === '>>') return { kind: 'dict', entries }
      if (tok.t !== 'name') throw new PdfFormatError('dictionary key is not a name', tok.start)
      if (entries.size >= this.limits.maxItems) throw new PdfFormatError('dictionary too long', tok.start)
      const value = this.parseObject(depth + 1)
      // §7.3.7: a null value is the same as an absent entry
      if (value !== null) entries.set(tok.v, value)
    }
  }

  /** Reads `keyword` at the current position (after white space) or returns false without moving. */
  expectKeyword (keyword: string): boolean {
    const save = this.pos
    const tok = this.tryToken()
    if (tok?.t === 'kw' && tok.v === keyword) return true
    this.pos = save
    return false
  }

  readInt (): number {
    const tok = this.token()
    if (tok.t !== 'num' || !tok.int) throw new PdfFormatError('integer expected', tok.start)
    return tok.v
  }
}

export const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')

// Accessors that tolerate the wrong type: hostile files put anything anywhere.
export const isDict = (o: PdfObject | undefined): o is PdfDict => typeof o === 'object' && o !== null && o.kind === 'dict'
export const isRef = (o: PdfObject | undefined): o is PdfRef => typeof o === 'object' && o !== null && o.kind === 'ref'
export const isArray = (o: PdfObject | undefined): o is PdfArray => typeof o === 'object' && o !== null && o.kind === 'array'
export const isStream = (o: PdfObject | undefined): o is PdfStream => typeof o === 'object' && o !== null && o.kind === 'stream'
export const isString = (o: PdfObject | undefined): o is PdfString => typeof o === 'object' && o !== null && o.kind === 'string'
export const nameOf = (o: PdfObject | undefined): string | undefined =>
  typeof o === 'object' && o !== null && o.kind === 'name' ? o.value : undefined
export const intOf = (o: PdfObject | undefined): number | undefined =>
  typeof o === 'number' && Number.isSafeInteger(o) ? o : undefined

/** §7.9.2.2 text strings: UTF-16BE with a BOM, UTF-8 with a BOM (PDF 2.0), else PDFDocEncoding (read as Latin-1). */
export function textOf (o: PdfObject | undefined): string | undefined {
  if (!isString(o)) return undefined
  const b = o.bytes
  if (b[0] === 0xfe && b[1] === 0xff) {
    const sw = Buffer.from(b.subarray(2))
    if (sw.length % 2 === 1) return undefined
    sw.swap16()
    return sw.toString('utf16le')
  }
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return Buffer.from(b.subarray(3)).toString('utf8')
  return latin1(b)
}

/** Structural equality, for deciding whether an incremental update really changed an object. */
export function sameObject (a: PdfObject, b: PdfObject, depth = 0): boolean {
  if (depth > 64) return false
  if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') return a === b
  if (a.kind !== b.kind) return false
  switch (a.kind) {
    case 'name': return a.value === (b as PdfName).value
    case 'ref': return a.num === (b as PdfRef).num && a.gen === (b as PdfRef).gen
    case 'string': return Buffer.from(a.bytes).equals((b as PdfString).bytes)
    case 'array': {
      const bi = (b as PdfArray).items
      return a.items.length === bi.length && a.items.every((x, i) => sameObject(x, bi[i]!, depth + 1))
    }
    case 'dict': return sameDict(a, b as PdfDict, depth)
    case 'stream': return sameDict(a.dict, (b as PdfStream).dict, depth) && Buffer.from(a.data).equals((b as PdfStream).data)
  }
}

function sameDict (a: PdfDict, b: PdfDict, depth: number): boolean {
  if (a.entries.size !== b.entries.size) return false
  for (const [k, v] of a.entries) {
    const w = b.entries.get(k)
    if (w === undefined || !sameObject(v, w, depth + 1)) return false
  }
  return true
}
