// A small, lazy DER reader for untrusted SES data. It never recurses on its own: a caller walks the
// fixed SES schema one level at a time, so nesting bombs cost nothing, and every node keeps the exact
// bytes it was read from, because signatures are checked over the bytes as delivered, not re-encoded.

export class DerError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'DerError'
  }
}

export interface Node {
  /** The identifier octet (single-byte tags only: SES and X.509 need no more). */
  readonly tag: number
  /** The whole TLV. */
  readonly raw: Uint8Array
  /** The contents octets. */
  readonly value: Uint8Array
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31
} as const

/** Reads exactly one TLV filling `bytes`. */
export function parseOne (bytes: Uint8Array): Node {
  const node = readAt(bytes, 0)
  if (node.raw.length !== bytes.length) throw new DerError(`${bytes.length - node.raw.length} bytes after the DER value`)
  return node
}

/** The first TLV of `bytes`, whatever follows it (the zero padding of a PDF /Contents string). */
export const readFirst = (bytes: Uint8Array): Node => readAt(bytes, 0)

/** The children of a constructed node, in order. */
export function children (node: Node): Node[] {
  if ((node.tag & 0x20) === 0) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`)
  const out: Node[] = []
  let at = 0
  while (at < node.value.length) {
    const child = readAt(node.value, at)
    out.push(child)
    at += child.raw.length
  }
  return out
}

function readAt (buf: Uint8Array, at: number): Node {
  if (at + 2 > buf.length) throw new DerError('truncated DER header')
  const tag = buf[at]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used by SES')
  let len = buf[at + 1]!
  let start = at + 2
  if (len === 0x80) throw new DerError('indefinite length is not DER')
  if (len & 0x80) {
    const count = len & 0x7f
    if (count > 4 || start + count > buf.length) throw new DerError('bad DER length')
    len = 0
    for (let i = 0; i < count; i++) len = len * 256 + buf[start + i]!
    start += count
  }
  const end = start + len
  if (end > buf.length) throw new DerError('DER length runs past the data')
  return { tag, raw: buf.subarray(at, end), value: buf.subarray(start, end) }
}

/**
 * Checks that a blob handed to asn1js/pkijs (which recurse) nests no deeper than `maxDepth`, walking
 * it iteratively. Primitive contents are not entered; BIT and OCTET STRINGs are opaque here.
 */
export function checkDepth (bytes: Uint8Array, maxDepth: number): void {
  const stack: Array<{ buf: Uint8Array, at: number }> = [{ buf: bytes, at: 0 }]
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    if (top.at >= top.buf.length) { stack.pop(); continue }
    const node = readAt(top.buf, top.at)
    top.at += node.raw.length
    if ((node.tag & 0x20) !== 0 && node.value.length > 0) {
      if (stack.length >= maxDepth) throw new DerError(`ASN.1 nested deeper than ${maxDepth}`)
      stack.push({ buf: node.value, at: 0 })
    }
  }
}

export function expect (node: Node | undefined, tag: number, what: string): Node {
  if (node === undefined) throw new DerError(`${what} is missing`)
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`)
  return node
}

export function integer (node: Node | undefined, what: string): bigint {
  const n = expect(node, TAG.INTEGER, what)
  if (n.value.length === 0 || n.value.length > 64) throw new DerError(`${what}: bad INTEGER`)
  let v = BigInt('0x' + Buffer.from(n.value).toString('hex'))
  if (n.value[0]! & 0x80) v -= 1n << BigInt(n.value.length * 8)
  return v
}

/** A small non-negative INTEGER (versions, types, sizes). */
export function smallInt (node: Node | undefined, what: string): number {
  const v = integer(node, what)
  if (v < 0n || v > 0xffffffffn) throw new DerError(`${what}: INTEGER out of range`)
  return Number(v)
}

/** BIT STRING contents without the unused-bits octet; SES values are whole octets. */
export function bitString (node: Node | undefined, what: string): Uint8Array {
  const n = expect(node, TAG.BIT_STRING, what)
  if (n.value.length === 0) throw new DerError(`${what}: empty BIT STRING`)
  if (n.value[0] !== 0) throw new DerError(`${what}: BIT STRING with unused bits`)
  return n.value.subarray(1)
}

export function octets (node: Node | undefined, what: string): Uint8Array {
  return expect(node, TAG.OCTET_STRING, what).value
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function text (node: Node | undefined, what: string, tags: number[]): string {
  if (node === undefined) throw new DerError(`${what} is missing`)
  if (!tags.includes(node.tag)) throw new DerError(`${what}: unexpected string tag 0x${node.tag.toString(16)}`)
  try {
    return utf8.decode(node.value)
  } catch {
    throw new DerError(`${what}: not valid UTF-8`)
  }
}

export function oid (node: Node | undefined, what: string): string {
  const v = expect(node, TAG.OID, what).value
  if (v.length === 0 || v.length > 64) throw new DerError(`${what}: bad OID`)
  const arcs: number[] = []
  let acc = 0
  for (const byte of v) {
    acc = acc * 128 + (byte & 0x7f)
    if (acc > Number.MAX_SAFE_INTEGER) throw new DerError(`${what}: OID arc too large`)
    if ((byte & 0x80) === 0) { arcs.push(acc); acc = 0 }
  }
  if ((v[v.length - 1]! & 0x80) !== 0) throw new DerError(`${what}: truncated OID`)
  const first = arcs.shift()!
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
  return [...head, ...arcs].join('.')
}

/** UTCTime or GeneralizedTime, 'Z' form, seconds optional, fractions ignored. */
export function time (node: Node | undefined, what: string): Date {
  if (node === undefined) throw new DerError(`${what} is missing`)
  const s = Buffer.from(node.value).toString('latin1')
  let m: RegExpMatchArray | null
  let year: number
  if (node.tag === TAG.UTC_TIME) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s)
    if (m === null) throw new DerError(`${what}: bad UTCTime "${s}"`)
    const yy = Number(m[1])
    year = yy < 50 ? 2000 + yy : 1900 + yy // RFC 5280 §4.1.2.5.1
  } else if (node.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:[.,]\d+)?Z$/.exec(s)
    if (m === null) throw new DerError(`${what}: bad GeneralizedTime "${s}"`)
    year = Number(m[1])
  } else {
    throw new DerError(`${what}: not a time (tag 0x${node.tag.toString(16)})`)
  }
  const date = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)))
  if (Number.isNaN(date.getTime())) throw new DerError(`${what}: impossible date "${s}"`)
  return date
}

/** One DER TLV around already-encoded parts (single-byte tag, definite length). */
export function encodeTlv (tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts)
  const len = body.length
  const header = len < 0x80 ? [tag, len]
    : len < 0x100 ? [tag, 0x81, len]
      : len < 0x10000 ? [tag, 0x82, len >> 8, len & 0xff]
        : len < 0x1000000 ? [tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]
          : [tag, 0x84, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff]
  return new Uint8Array(Buffer.concat([Buffer.from(header), body]))
}
