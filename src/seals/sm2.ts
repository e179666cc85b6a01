// SM2 signature verification (GB/T 32918.2-2016 §7, curve of GB/T 32918.5-2017) on @noble/curves.
// Node's crypto.verify cannot be used: OpenSSL 3.0 inside Node hashes with an EMPTY distinguishing
// ID, while GM/T 0009 and every SES producer use '1234567812345678', and Node has no way to set it
// (research-seals.md §4). So Z_A and e are computed here, and only the curve arithmetic is noble's.
import { createHash, randomBytes, type KeyObject } from 'node:crypto'
import { weierstrass } from '@noble/curves/abstract/weierstrass.js'
import * as asn1js from 'asn1js'

// GB/T 32918.5-2017 §3 (= GM/T 0003.5-2012): the recommended 256-bit prime-field curve.
const p = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFFn
const a = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFCn
const b = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93n
const n = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123n
const Gx = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7n
const Gy = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0n

const Point = weierstrass({ p, n, h: 1n, a, b, Gx, Gy })
type SmPoint = ReturnType<typeof Point.fromBytes>

/** GM/T 0009-2012 §10: the default user ID when none is agreed, as bytes. */
export const SM2_DEFAULT_ID: Uint8Array = new TextEncoder().encode('1234567812345678')

/** SM3 (GB/T 32905-2016), from Node's OpenSSL. */
export function sm3 (data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sm3').update(data).digest())
}

/**
 * Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5). ENTL is the ID's
 * length in BITS as two bytes, so the ID is at most 8191 bytes. Throws RangeError on a public key
 * that is not a point of the curve or on a longer ID: it is a building block, not a verdict.
 */
export function sm2Za (publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  const point = decodePoint(publicKey)
  if (point === null) throw new RangeError('not an SM2 public key')
  if (id.length > 8191) throw new RangeError('SM2 ID longer than 8191 bytes')
  return za(point, id)
}

/** The name the first, minimal version of this module used; kept for its callers. */
export const sm2Z = sm2Za

/**
 * Verifies an SM2 signature (DER SEQUENCE { r INTEGER, s INTEGER }) over `message`:
 * e = SM3(Z_A ‖ M), then §7.1 B1–B7. Returns false on any malformed input; never throws.
 */
export function sm2Verify (publicKey: Uint8Array, message: Uint8Array, signatureDer: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): boolean {
  try {
    const point = decodePoint(publicKey)
    if (point === null || id.length > 8191) return false
    const rs = decodeSignature(signatureDer)
    if (rs === null) return false
    const e = sm3(concat(za(point, id), message))
    return verifyDigest(point, e, rs.r, rs.s)
  } catch {
    return false
  }
}

/** §7.1 B1–B7 on a ready digest e (32 bytes of SM3(Z_A ‖ M)); r and s as integers or big-endian bytes. */
export function sm2VerifyRaw (publicKey: Uint8Array, e: Uint8Array, r: bigint | Uint8Array, s: bigint | Uint8Array): boolean {
  try {
    const point = decodePoint(publicKey)
    if (point === null || e.length !== 32) return false
    return verifyDigest(point, e, toBigInt(r), toBigInt(s))
  } catch {
    return false
  }
}

/**
 * SM2 signature (DER r, s; §6.1 A1–A7) over `message` with the default ID, by a PKCS#8 SM2 key. Node's
 * crypto.sign signs with an EMPTY ID (as it verifies, above), which `openssl pkeyutl -pkeyopt
 * distid:1234567812345678` rejects; the audit trail's checkpoints are signed here instead.
 */
export function sm2Sign (key: KeyObject, message: Uint8Array): Buffer {
  const d = privateScalarOf(key)
  const e = bytesToBigInt(sm3(concat(za(Point.BASE.multiply(d), SM2_DEFAULT_ID), message)))
  for (;;) {
    // k uniform in [1, n-1] by rejection; retry on r = 0, r + k = n or s = 0
    const k = bytesToBigInt(randomBytes(32))
    if (k < 1n || k >= n) continue
    const r = modN(e + Point.BASE.multiply(k).toAffine().x)
    if (r === 0n || r + k === n) continue
    const s = modN(inverseModN(1n + d) * (k - r * d))
    if (s === 0n) continue
    return encodeSignature(r, s)
  }
}

const modN = (x: bigint): bigint => ((x % n) + n) % n

function inverseModN (x: bigint): bigint {
  let [r0, r1, s0, s1] = [n, modN(x), 0n, 1n]
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1]
  }
  return modN(s0)
}

/** The private scalar d of a PKCS#8 SM2 key: PrivateKeyInfo → ECPrivateKey (RFC 5915) → privateKey. */
function privateScalarOf (key: KeyObject): bigint {
  const der = key.export({ type: 'pkcs8', format: 'der' })
  const info = asn1js.fromBER(new Uint8Array(der).buffer)
  const wrapped = (info.result as asn1js.Sequence).valueBlock.value[2] as asn1js.OctetString
  const ec = asn1js.fromBER(wrapped.valueBlock.valueHexView.slice().buffer)
  const d = (ec.result as asn1js.Sequence).valueBlock.value[1] as asn1js.OctetString
  return bytesToBigInt(d.valueBlock.valueHexView)
}

function encodeSignature (r: bigint, s: bigint): Buffer {
  const int = (x: bigint): Buffer => {
    let h = x.toString(16); if (h.length % 2 === 1) h = '0' + h
    const bytes = Buffer.from(h, 'hex')
    const body = (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes
    return Buffer.concat([Buffer.of(0x02, body.length), body])
  }
  const body = Buffer.concat([int(r), int(s)])
  return Buffer.concat([Buffer.of(0x30, body.length), body])
}

function verifyDigest (point: SmPoint, e: Uint8Array, r: bigint, s: bigint): boolean {
  // B1, B2: r' and s' in [1, n-1]
  if (r < 1n || r >= n || s < 1n || s >= n) return false
  // B5: t = (r' + s') mod n, t ≠ 0
  const t = (r + s) % n
  if (t === 0n) return false
  // B6: (x1', y1') = [s']G + [t]P_A; the scalars are public, so the non-constant-time path is fine
  const sum = Point.BASE.multiplyUnsafe(s).add(point.multiplyUnsafe(t))
  if (sum.is0()) return false
  // B7: R = (e' + x1') mod n, accept iff R = r'
  return (bytesToBigInt(e) + sum.toAffine().x) % n === r
}

function za (point: SmPoint, id: Uint8Array): Uint8Array {
  const { x, y } = point.toAffine()
  const bits = id.length * 8
  return sm3(concat(Uint8Array.of(bits >> 8, bits & 0xff), id,
    be32(a), be32(b), be32(Gx), be32(Gy), be32(x), be32(y)))
}

/** SEC1 point (04‖x‖y or compressed), or a bare 64-byte x‖y as some SES producers store it. */
function decodePoint (bytes: Uint8Array): SmPoint | null {
  try {
    const encoded = bytes.length === 64 ? concat(Uint8Array.of(4), bytes) : bytes
    const point = Point.fromBytes(encoded)
    point.assertValidity()
    return point.is0() ? null : point
  } catch {
    return null
  }
}

/**
 * SEQUENCE { INTEGER r, INTEGER s } with definite lengths and nothing after it. Leading zero
 * bytes in an INTEGER are tolerated (some producers pad r and s to 33 bytes); negatives are not.
 */
function decodeSignature (der: Uint8Array): { r: bigint, s: bigint } | null {
  const seq = readTlv(der, 0)
  if (seq === null || seq.tag !== 0x30 || seq.end !== der.length) return null
  const r = readTlv(der, seq.start)
  if (r === null || r.tag !== 0x02 || r.end > seq.end) return null
  const s = readTlv(der, r.end)
  if (s === null || s.tag !== 0x02 || s.end !== seq.end) return null
  const ri = readUnsigned(der.subarray(r.start, r.end))
  const si = readUnsigned(der.subarray(s.start, s.end))
  return ri === null || si === null ? null : { r: ri, s: si }
}

function readTlv (buf: Uint8Array, at: number): { tag: number, start: number, end: number } | null {
  if (at + 2 > buf.length) return null
  const tag = buf[at]!
  let len = buf[at + 1]!
  let start = at + 2
  if (len & 0x80) {
    const count = len & 0x7f
    if (count === 0 || count > 2 || start + count > buf.length) return null
    len = 0
    for (let i = 0; i < count; i++) len = len * 256 + buf[start + i]!
    start += count
  }
  const end = start + len
  return end > buf.length ? null : { tag, start, end }
}

function readUnsigned (bytes: Uint8Array): bigint | null {
  if (bytes.length === 0 || bytes.length > 40 || (bytes[0]! & 0x80) !== 0) return null
  return bytesToBigInt(bytes)
}

function toBigInt (v: bigint | Uint8Array): bigint {
  return typeof v === 'bigint' ? v : bytesToBigInt(v)
}

function bytesToBigInt (bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'))
}

function be32 (v: bigint): Uint8Array {
  return Buffer.from(v.toString(16).padStart(64, '0'), 'hex')
}

function concat (...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}
