import { createHash, randomBytes, type KeyObject } from 'node:crypto'
import { weierstrass } from '@noble/curves/abstract/weierstrass.js'
import * as asn1js from 'asn1js'

// SM2 signing (GB/T 32918.2-2016 §6.1) with the GB/T 32918 default ID. Node's crypto.sign does sign
// with an SM2 key, but OpenSSL 3.0 inside Node hashes with an EMPTY distinguishing ID (checked:
// `openssl pkeyutl -verify -pkeyopt distid:1234567812345678` rejects its signatures), and Node cannot
// set one; src/seals/sm2.ts verifies the same way for the same reason. Curve arithmetic is noble's.

const p = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFFn
const a = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFCn
const b = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93n
const n = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123n
const Gx = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7n
const Gy = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0n
const Point = weierstrass({ p, n, h: 1n, a, b, Gx, Gy })

const ID = Buffer.from('1234567812345678')
const be32 = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0'), 'hex')
const toBig = (bytes: Uint8Array): bigint => BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'))
const mod = (x: bigint): bigint => ((x % n) + n) % n

function inverse (x: bigint): bigint {
  let [r0, r1, s0, s1] = [n, mod(x), 0n, 1n]
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1]
  }
  return mod(s0)
}

/** The private scalar d of a PKCS#8 SM2 key: PrivateKeyInfo → ECPrivateKey (RFC 5915) → privateKey. */
function scalarOf (key: KeyObject): bigint {
  const der = key.export({ type: 'pkcs8', format: 'der' })
  const info = asn1js.fromBER(new Uint8Array(der).buffer)
  const wrapped = (info.result as asn1js.Sequence).valueBlock.value[2] as asn1js.OctetString
  const ec = asn1js.fromBER(wrapped.valueBlock.valueHexView.slice().buffer)
  const d = (ec.result as asn1js.Sequence).valueBlock.value[1] as asn1js.OctetString
  return toBig(d.valueBlock.valueHexView)
}

const der = (r: bigint, s: bigint): Buffer => {
  const int = (x: bigint): Buffer => {
    let h = x.toString(16); if (h.length % 2 === 1) h = '0' + h
    const bytes = Buffer.from(h, 'hex')
    const body = (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes
    return Buffer.concat([Buffer.of(0x02, body.length), body])
  }
  const body = Buffer.concat([int(r), int(s)])
  return Buffer.concat([Buffer.of(0x30, body.length), body])
}

/** SM2 signature (DER r, s) over `message` with the default ID, verifiable by src/seals' sm2Verify. */
export function sm2Sign (key: KeyObject, message: Uint8Array): Buffer {
  const d = scalarOf(key)
  const { x: px, y: py } = Point.BASE.multiply(d).toAffine()
  const bits = ID.length * 8
  const za = createHash('sm3').update(Buffer.concat([Buffer.of(bits >> 8, bits & 0xff), ID, be32(a), be32(b), be32(Gx), be32(Gy), be32(px), be32(py)])).digest()
  const e = toBig(createHash('sm3').update(Buffer.concat([za, message])).digest())
  for (;;) {
    // A1–A7: k uniform in [1, n-1] by rejection; retry on r = 0, r + k = n or s = 0
    const k = toBig(randomBytes(32))
    if (k < 1n || k >= n) continue
    const r = mod(e + Point.BASE.multiply(k).toAffine().x)
    if (r === 0n || r + k === n) continue
    const s = mod(inverse(1n + d) * (k - r * d))
    if (s === 0n) continue
    return der(r, s)
  }
}
