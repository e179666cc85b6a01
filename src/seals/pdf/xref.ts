// Cross-reference sections and object lookup (ISO 32000-1 §7.5.4–7.5.8), revision by revision.
// Our own reader rather than pdf-lib or pdf.js: we need every xref section separately (a library
// merges them into one view of the final document), the exact byte offsets of each signature's
// /Contents, and hard bounds on work for untrusted input. It parses only what the seal checks need.
import { inflateSync, constants as zc } from 'node:zlib'
import {
  Lexer, PdfFormatError, intOf, isArray, isDict, isRef, isStream, latin1, nameOf,
  type PdfDict, type PdfObject, type PdfRef, type PdfStream
} from './lexer.js'

export interface PdfLimits {
  /** Objects parsed for one file, counting re-reads across revisions. */
  maxObjects: number
  /** Xref sections (classic tables and xref streams) reachable through /Prev. */
  maxXrefSections: number
  /** Nesting of arrays and dictionaries. */
  maxDepth: number
  /** Bytes of one decoded stream (xref streams, object streams, page contents). */
  maxStreamBytes: number
  /** Form fields and pages visited in one tree walk. */
  maxTreeNodes: number
}

export const DEFAULT_PDF_LIMITS: Readonly<PdfLimits> = Object.freeze({
  maxObjects: 200_000,
  maxXrefSections: 1_000,
  maxDepth: 64,
  maxStreamBytes: 64 * 1024 * 1024,
  maxTreeNodes: 100_000
})

export type XrefEntry =
  | { type: 'free' }
  | { type: 'n', offset: number, gen: number }
  | { type: 'c', stream: number, index: number }

export interface XrefSection {
  /** Offset of the `xref` keyword or of the xref stream object. */
  offset: number
  kind: 'table' | 'stream'
  trailer: PdfDict
  entries: Map<number, XrefEntry>
  /** One past the end of the trailer dictionary or the xref stream object. */
  end: number
}

export interface Revision {
  /** 1 = the original document. */
  number: number
  sections: XrefSection[]
  /** The newest section's trailer (Root, Info, Prev…). */
  trailer: PdfDict
  /** One past `%%EOF` and its end-of-line marker. */
  end: number
  /** One past `%%EOF` itself: a signature may end here or after the end-of-line. */
  eof: number
  /** Objects this revision (re)defines or frees. */
  defined: Map<number, XrefEntry>
}

export interface IndirectObject { num: number, gen: number, value: PdfObject, start: number, end: number, inObjectStream: boolean }

export class PdfDocument {
  /** Oldest first. */
  readonly revisions: Revision[]
  private parsed = 0
  private readonly objStmCache = new Map<number, { buf: Uint8Array, offsets: Map<number, number> }>()

  constructor (readonly buf: Uint8Array, readonly limits: PdfLimits, private readonly checkpoint?: () => void) {
    this.revisions = groupRevisions(buf, this.readChain())
  }

  private lexer (buf: Uint8Array, pos: number): Lexer {
    return new Lexer(buf, pos, { maxDepth: this.limits.maxDepth, maxItems: this.limits.maxObjects })
  }

  private tick (): void {
    if (++this.parsed > this.limits.maxObjects) throw new PdfFormatError(`more than ${this.limits.maxObjects} objects parsed`)
    if ((this.parsed & 63) === 0) this.checkpoint?.()
  }

  // §7.5.5: the last `startxref` gives the newest section; /Prev chains to older ones.
  private readChain (): XrefSection[] {
    const b = this.buf
    const tail = latin1(b.subarray(Math.max(0, b.length - 2048)))
    const at = tail.lastIndexOf('startxref')
    if (at < 0) throw new PdfFormatError('no startxref in the last 2048 bytes (truncated file?)')
    const m = /^startxref\s+(\d{1,15})/.exec(tail.slice(at))
    if (m === null) throw new PdfFormatError('startxref without an offset')
    if (!tail.slice(at).includes('%%EOF')) throw new PdfFormatError('no %%EOF after the last startxref (truncated file?)')
    const chain: XrefSection[] = []
    const seen = new Set<number>()
    let next: number | undefined = Number(m[1])
    while (next !== undefined) {
      if (seen.has(next)) throw new PdfFormatError('xref /Prev chain loops', next)
      if (chain.length >= this.limits.maxXrefSections) throw new PdfFormatError(`more than ${this.limits.maxXrefSections} xref sections`)
      seen.add(next)
      const section = this.readSection(next)
      chain.push(section)
      const prev = section.trailer.entries.get('Prev')
      next = prev === undefined ? undefined : intOf(prev)
      if (prev !== undefined && next === undefined) throw new PdfFormatError('/Prev is not an integer', section.offset)
    }
    return chain
  }

  private readSection (offset: number): XrefSection {
    if (offset < 0 || offset >= this.buf.length) throw new PdfFormatError(`xref offset ${offset} outside the file`)
    const lx = this.lexer(this.buf, offset)
    if (lx.expectKeyword('xref')) return this.readTable(offset, lx)
    return this.readXrefStream(offset)
  }

  // §7.5.4: subsections of "first count" followed by count 20-byte entries; then `trailer << … >>`.
  private readTable (offset: number, lx: Lexer): XrefSection {
    const entries = new Map<number, XrefEntry>()
    while (!lx.expectKeyword('trailer')) {
      const first = lx.readInt()
      const count = lx.readInt()
      if (count > this.limits.maxObjects || entries.size + count > this.limits.maxObjects) throw new PdfFormatError('xref table too long', lx.pos)
      for (let i = 0; i < count; i++) {
        const off = lx.readInt()
        const gen = lx.readInt()
        const kind = lx.expectKeyword('n') ? 'n' : lx.expectKeyword('f') ? 'f' : undefined
        if (kind === undefined) throw new PdfFormatError('xref entry is neither n nor f', lx.pos)
        if (!entries.has(first + i)) entries.set(first + i, kind === 'n' ? { type: 'n', offset: off, gen } : { type: 'free' })
      }
      if ((entries.size & 1023) === 0) this.checkpoint?.()
    }
    const trailer = lx.parseObject()
    if (!isDict(trailer)) throw new PdfFormatError('trailer is not a dictionary', lx.pos)
    const section: XrefSection = { offset, kind: 'table', trailer, entries, end: lx.pos }
    // §7.5.8.4 hybrid files: /XRefStm adds entries the table leaves out
    const stm = intOf(trailer.entries.get('XRefStm'))
    if (stm !== undefined) {
      const hidden = this.readXrefStream(stm)
      for (const [n, e] of hidden.entries) if (!entries.has(n) || entries.get(n)?.type === 'free') entries.set(n, e)
    }
    return section
  }

  // §7.5.8: an xref stream, /W field widths, /Index subsections.
  private readXrefStream (offset: number): XrefSection {
    const obj = this.readIndirectAt(offset, undefined)
    if (!isStream(obj.value) || nameOf(obj.value.dict.entries.get('Type')) !== 'XRef') {
      throw new PdfFormatError('startxref/Prev points at neither an xref table nor an xref stream', offset)
    }
    const dict = obj.value.dict
    const data = this.decode(obj.value)
    const w = arrayOfInts(dict.entries.get('W'))
    if (w?.length !== 3 || w.some(x => x < 0 || x > 8)) throw new PdfFormatError('xref stream /W is not three small integers', offset)
    const size = intOf(dict.entries.get('Size'))
    if (size === undefined || size < 0) throw new PdfFormatError('xref stream without /Size', offset)
    const index = arrayOfInts(dict.entries.get('Index')) ?? [0, size]
    if (index.length % 2 !== 0) throw new PdfFormatError('xref stream /Index has an odd length', offset)
    const rowLen = w[0]! + w[1]! + w[2]!
    const entries = new Map<number, XrefEntry>()
    let p = 0
    for (let i = 0; i < index.length; i += 2) {
      const first = index[i]!; const count = index[i + 1]!
      if (count < 0 || entries.size + count > this.limits.maxObjects) throw new PdfFormatError('xref stream too long', offset)
      for (let k = 0; k < count; k++) {
        if (p + rowLen > data.length) throw new PdfFormatError('xref stream data shorter than /Index says', offset)
        const f = (n: number, dflt: number): number => {
          if (n === 0) { return dflt }
          let v = 0
          for (let j = 0; j < n; j++) v = v * 256 + data[p++]!
          return v
        }
        const type = f(w[0]!, 1); const a = f(w[1]!, 0); const c = f(w[2]!, 0)
        const num = first + k
        if (entries.has(num)) continue
        if (type === 0) entries.set(num, { type: 'free' })
        else if (type === 1) entries.set(num, { type: 'n', offset: a, gen: c })
        else if (type === 2) entries.set(num, { type: 'c', stream: a, index: c })
        // §7.5.8.3: other types are treated as references to the null object
      }
    }
    return { offset, kind: 'stream', trailer: dict, entries, end: obj.end }
  }

  /** Parses `num gen obj … endobj` at a file offset. `view` resolves an indirect stream /Length. */
  readIndirectAt (offset: number, view: number | undefined): IndirectObject {
    this.tick()
    if (offset < 0 || offset >= this.buf.length) throw new PdfFormatError(`object offset ${offset} outside the file`)
    const lx = this.lexer(this.buf, offset)
    const num = lx.readInt(); const gen = lx.readInt()
    if (!lx.expectKeyword('obj')) throw new PdfFormatError('"obj" expected', lx.pos)
    let value = lx.parseObject()
    if (isDict(value) && lx.expectKeyword('stream')) value = this.streamBody(value, lx, view)
    lx.expectKeyword('endobj')
    return { num, gen, value, start: offset, end: lx.pos, inObjectStream: false }
  }

  // §7.3.8.1: `stream` is followed by CRLF or LF, then exactly /Length bytes, then `endstream`.
  private streamBody (dict: PdfDict, lx: Lexer, view: number | undefined): PdfStream {
    const b = this.buf
    let start = lx.pos
    if (b[start] === 13 && b[start + 1] === 10) start += 2
    else if (b[start] === 10 || b[start] === 13) start += 1
    let len: number | undefined
    const l = dict.entries.get('Length')
    if (typeof l === 'number') len = intOf(l)
    else if (isRef(l) && view !== undefined) {
      const v = this.resolveShallow(l, view)
      len = typeof v === 'number' ? intOf(v) : undefined
    }
    if (len !== undefined && len >= 0 && start + len <= b.length) {
      const after = new Lexer(b, start + len)
      if (after.expectKeyword('endstream')) {
        lx.pos = after.pos
        return { kind: 'stream', dict, data: b.subarray(start, start + len) }
      }
    }
    // A wrong or unreadable /Length: fall back to the `endstream` keyword, as readers do.
    const at = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf('endstream', start, 'latin1')
    if (at < 0) throw new PdfFormatError('stream without endstream', start)
    let end = at
    if (b[end - 1] === 10) end--
    if (b[end - 1] === 13) end--
    lx.pos = at + 'endstream'.length
    return { kind: 'stream', dict, data: b.subarray(start, Math.max(start, end)) }
  }

  /** The entry for `num` as seen by revision `rev` (1-based): the newest section up to it that lists it. */
  entry (num: number, rev: number): XrefEntry | undefined {
    for (let r = Math.min(rev, this.revisions.length); r >= 1; r--) {
      const e = this.revisions[r - 1]!.defined.get(num)
      if (e !== undefined) return e
    }
    return undefined
  }

  private cache = new Map<string, IndirectObject | null>()

  /** The object `num` in revision `rev`, or null when it is free or absent (§7.3.10: a missing object is null). */
  object (num: number, rev: number): IndirectObject | null {
    const e = this.entry(num, rev)
    if (e === undefined || e.type === 'free') return null
    const key = e.type === 'n' ? `n${e.offset}` : `c${e.stream}.${e.index}@${rev}`
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    this.cache.set(key, null) // a reference cycle through /Length or object streams ends here
    let obj: IndirectObject | null
    if (e.type === 'n') {
      obj = this.readIndirectAt(e.offset, rev)
      if (obj.num !== num) throw new PdfFormatError(`xref says object ${num} is at ${e.offset}, found object ${obj.num}`, e.offset)
    } else obj = this.fromObjectStream(num, e.stream, e.index, rev)
    this.cache.set(key, obj)
    return obj
  }

  private resolveShallow (ref: PdfRef, rev: number): PdfObject {
    return this.object(ref.num, rev)?.value ?? null
  }

  /** Follows references (a bounded number of hops) to a direct value. */
  resolve (o: PdfObject | undefined, rev: number): PdfObject {
    let v: PdfObject = o ?? null
    for (let hops = 0; isRef(v); hops++) {
      if (hops > 32) throw new PdfFormatError('reference chain too long')
      v = this.resolveShallow(v, rev)
    }
    return v
  }

  dict (o: PdfObject | undefined, rev: number): PdfDict | undefined {
    const v = this.resolve(o, rev)
    return isDict(v) ? v : isStream(v) ? v.dict : undefined
  }

  // §7.5.7: an object stream holds N pairs "num offset" then the objects, from /First.
  private fromObjectStream (num: number, stream: number, index: number, rev: number): IndirectObject {
    const host = this.object(stream, rev)
    if (host === null || !isStream(host.value) || nameOf(host.value.dict.entries.get('Type')) !== 'ObjStm') {
      throw new PdfFormatError(`object ${num} is said to be in object stream ${stream}, which is not one`)
    }
    let cached = this.objStmCache.get(host.start)
    if (cached === undefined) {
      const n = intOf(host.value.dict.entries.get('N')); const first = intOf(host.value.dict.entries.get('First'))
      if (n === undefined || first === undefined || n < 0 || first < 0 || n > this.limits.maxObjects) throw new PdfFormatError(`object stream ${stream} lacks /N or /First`)
      const buf = this.decode(host.value)
      const lx = this.lexer(buf, 0)
      const offsets = new Map<number, number>()
      for (let i = 0; i < n; i++) {
        const on = lx.readInt(); const oo = lx.readInt()
        if (!offsets.has(on)) offsets.set(on, first + oo)
      }
      cached = { buf, offsets }
      this.objStmCache.set(host.start, cached)
    }
    const at = cached.offsets.get(num)
    if (at === undefined || at >= cached.buf.length) throw new PdfFormatError(`object ${num} missing from object stream ${stream} (index ${index})`)
    this.tick()
    const lx = this.lexer(cached.buf, at)
    const value = lx.parseObject()
    return { num, gen: 0, value, start: -1, end: -1, inObjectStream: true }
  }

  /** Decodes a stream: no filter or FlateDecode (with PNG/TIFF predictors). Other filters throw. */
  decode (s: PdfStream): Uint8Array {
    const filters = s.dict.entries.get('Filter')
    const names = filters === undefined ? [] : isArray(filters) ? filters.items.map(nameOf) : [nameOf(filters)]
    if (names.length === 0) return s.data
    if (names.length > 1 || (names[0] !== 'FlateDecode' && names[0] !== 'Fl')) throw new PdfFormatError(`unsupported stream filter ${names.join(',')}`)
    let out: Buffer
    try {
      out = inflateSync(s.data, { maxOutputLength: this.limits.maxStreamBytes, finishFlush: zc.Z_SYNC_FLUSH })
    } catch (err) {
      throw new PdfFormatError(`stream does not inflate: ${(err as Error).message}`)
    }
    const parms = s.dict.entries.get('DecodeParms')
    const p = isDict(parms) ? parms : isArray(parms) && isDict(parms.items[0]) ? parms.items[0] : undefined
    const predictor = intOf(p?.entries.get('Predictor')) ?? 1
    if (predictor <= 1) return out
    const columns = intOf(p?.entries.get('Columns')) ?? 1
    const colors = intOf(p?.entries.get('Colors')) ?? 1
    const bpc = intOf(p?.entries.get('BitsPerComponent')) ?? 8
    if (predictor >= 10) return unpng(out, Math.ceil(columns * colors * bpc / 8), Math.max(1, Math.ceil(colors * bpc / 8)))
    throw new PdfFormatError(`unsupported predictor ${predictor}`)
  }
}

function arrayOfInts (o: PdfObject | undefined): number[] | undefined {
  if (!isArray(o)) return undefined
  const out = o.items.map(intOf)
  return out.every(x => x !== undefined) ? out as number[] : undefined
}

// PNG filters (RFC 2083 §6), used by xref streams with /Predictor 12.
function unpng (data: Uint8Array, rowLen: number, bpp: number): Uint8Array {
  if (rowLen <= 0 || rowLen > 1 << 20) throw new PdfFormatError('bad predictor /Columns')
  const rows = Math.floor(data.length / (rowLen + 1))
  const out = new Uint8Array(rows * rowLen)
  for (let r = 0; r < rows; r++) {
    const f = data[r * (rowLen + 1)]!
    const src = r * (rowLen + 1) + 1
    const dst = r * rowLen
    for (let i = 0; i < rowLen; i++) {
      const x = data[src + i]!
      const a = i >= bpp ? out[dst + i - bpp]! : 0
      const b = r > 0 ? out[dst - rowLen + i]! : 0
      const c = r > 0 && i >= bpp ? out[dst - rowLen + i - bpp]! : 0
      let v: number
      switch (f) {
        case 0: v = x; break
        case 1: v = x + a; break
        case 2: v = x + b; break
        case 3: v = x + ((a + b) >> 1); break
        case 4: {
          const pa = Math.abs(b - c); const pb = Math.abs(a - c); const pc = Math.abs(a + b - 2 * c)
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
          break
        }
        default: throw new PdfFormatError(`bad PNG filter type ${f}`)
      }
      out[dst + i] = v & 0xff
    }
  }
  return out
}

/** One past `%%EOF` (and its end-of-line) at or after `from`, or -1. */
export function eofAfter (buf: Uint8Array, from: number): number {
  const at = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf('%%EOF', from, 'latin1')
  if (at < 0) return -1
  let end = at + 5
  if (buf[end] === 13) end++
  if (buf[end] === 10) end++
  return end
}

// Revisions from the /Prev chain (newest first). §F.3 linearized files put the first-page section
// before the main one with /Prev pointing forward: both belong to the first revision.
function groupRevisions (buf: Uint8Array, chain: XrefSection[]): Revision[] {
  const groups: XrefSection[][] = []
  for (let i = 0; i < chain.length; i++) {
    const s = chain[i]!
    const newer = chain[i - 1]
    if (newer !== undefined && newer.offset < s.offset) groups[groups.length - 1]!.push(s)
    else groups.push([s])
  }
  groups.reverse()
  const revisions: Revision[] = []
  let lastEnd = 0
  for (const [i, g] of groups.entries()) {
    let end = -1
    let eof = -1
    for (const s of g) {
      const e = eofAfter(buf, s.end)
      if (e < 0) throw new PdfFormatError('xref section without a following %%EOF', s.offset)
      if (e > end) { end = e; eof = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf('%%EOF', s.end, 'latin1') + 5 }
    }
    if (end <= lastEnd) throw new PdfFormatError(`revision ${i + 1} does not end after revision ${i}`)
    lastEnd = end
    const defined = new Map<number, XrefEntry>()
    // within a group the newest section wins: g is newest first
    for (const s of g) for (const [n, e] of s.entries) if (!defined.has(n)) defined.set(n, e)
    revisions.push({ number: i + 1, sections: g, trailer: g[0]!.trailer, end, eof, defined })
  }
  return revisions
}
