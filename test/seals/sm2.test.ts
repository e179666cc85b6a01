import { execFileSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { SM2_DEFAULT_ID, sm2Sign, sm2Verify, sm2VerifyRaw, sm2Za, sm3 } from '../../src/seals/sm2.js'

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

// GM/T 0003.5-2012 Annex A = GB/T 32918.5-2017 Annex A: a signature on the RECOMMENDED curve with
// ID "1234567812345678" over "message digest" (GB/T 32918.2's own example uses a test curve instead).
const ANNEX = {
  publicKey: hex('04' + '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' + 'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13'),
  message: text('message digest'),
  za: 'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3',
  e: 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640',
  r: 'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3',
  s: 'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA'
}
const annexDer = hex('3046022100' + ANNEX.r + '022100' + ANNEX.s)

t.test('SM3 of "abc" is the GB/T 32905 Annex A value', async t => {
  t.equal(toHex(sm3(text('abc'))), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0')
})

t.test('the GM/T 0003.5 Annex A example: Z_A, e and the signature verify', async t => {
  const za = sm2Za(ANNEX.publicKey, SM2_DEFAULT_ID)
  t.equal(toHex(za), ANNEX.za)
  const e = sm3(Buffer.concat([za, ANNEX.message]))
  t.equal(toHex(e), ANNEX.e)
  t.ok(sm2VerifyRaw(ANNEX.publicKey, e, hex(ANNEX.r), hex(ANNEX.s)), 'raw r, s over e')
  t.ok(sm2VerifyRaw(ANNEX.publicKey, e, BigInt('0x' + ANNEX.r), BigInt('0x' + ANNEX.s)), 'bigint r, s')
  t.ok(sm2Verify(ANNEX.publicKey, ANNEX.message, annexDer), 'DER signature with the default ID')
  t.ok(sm2Verify(ANNEX.publicKey.subarray(1), ANNEX.message, annexDer), 'a bare x‖y key is accepted')
})

t.test('the Annex A signature fails for another message, ID, key or signature', async t => {
  t.notOk(sm2Verify(ANNEX.publicKey, text('message digesT'), annexDer))
  t.notOk(sm2Verify(ANNEX.publicKey, ANNEX.message, annexDer, new Uint8Array()), 'empty ID (OpenSSL 3.0 default)')
  const other = Buffer.from(annexDer)
  other[other.length - 1]! ^= 1
  t.notOk(sm2Verify(ANNEX.publicKey, ANNEX.message, other))
  const key = Buffer.from(ANNEX.publicKey)
  key[64]! ^= 1 // off the curve
  t.notOk(sm2Verify(key, ANNEX.message, annexDer))
})

t.test('malformed input returns false and never throws', async t => {
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array()],
    ['not a SEQUENCE', hex('0201010201')],
    ['trailing bytes', Buffer.concat([annexDer, hex('00')])],
    ['truncated', annexDer.subarray(0, 40)],
    ['negative r', hex('3006020180020101')],
    ['r = 0', hex('3006020100020101')],
    ['length runs past the end', hex('30ff0201010201')],
    ['raw r‖s, not DER', hex(ANNEX.r + ANNEX.s)]
  ]
  for (const [name, sig] of cases) t.equal(sm2Verify(ANNEX.publicKey, ANNEX.message, sig), false, name)
  t.equal(sm2Verify(new Uint8Array(65), ANNEX.message, annexDer), false, 'zero key')
  t.equal(sm2Verify(hex('04'), ANNEX.message, annexDer), false, 'short key')
  t.equal(sm2VerifyRaw(ANNEX.publicKey, new Uint8Array(31), 1n, 1n), false, 'short digest')
  t.equal(sm2VerifyRaw(ANNEX.publicKey, hex(ANNEX.e), BigInt('0x' + ANNEX.r), 0n), false, 's = 0')
  t.throws(() => sm2Za(new Uint8Array(65)), RangeError)
})

t.test('signatures made by openssl with distid 1234567812345678 verify; empty-ID ones do not', async t => {
  const dir = t.testdir({ 'msg.txt': '施工日志 2024-05-06\n' })
  const run = (...args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  const message = new Uint8Array(readFileSync(join(dir, 'msg.txt')))
  for (let i = 0; i < 3; i++) {
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', `k${i}.key`)
    const spki = run('pkey', '-in', `k${i}.key`, '-pubout', '-outform', 'DER')
    const publicKey = new Uint8Array(spki.subarray(spki.length - 65))
    const sig = new Uint8Array(run('pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-inkey', `k${i}.key`, '-in', 'msg.txt'))
    t.ok(sm2Verify(publicKey, message, sig), `key ${i}: default-ID signature verifies`)
    t.notOk(sm2Verify(publicKey, Buffer.concat([message, text('x')]), sig), `key ${i}: tampered message fails`)
    const emptyId = new Uint8Array(run('pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-inkey', `k${i}.key`, '-in', 'msg.txt'))
    t.notOk(sm2Verify(publicKey, message, emptyId), `key ${i}: empty-ID signature fails under the default ID`)
    t.ok(sm2Verify(publicKey, message, emptyId, new Uint8Array()), `key ${i}: and verifies under the empty ID`)
  }
})

t.test('signatures made here verify here and in openssl with distid 1234567812345678 (audit checkpoints)', async t => {
  const dir = t.testdir({ 'msg.txt': '审计检查点 seq=42\n' })
  const run = (...args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  const message = new Uint8Array(readFileSync(join(dir, 'msg.txt')))
  run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', 'k.key')
  run('pkey', '-in', 'k.key', '-pubout', '-out', 'k.pub')
  const spki = run('pkey', '-in', 'k.key', '-pubout', '-outform', 'DER')
  const publicKey = new Uint8Array(spki.subarray(spki.length - 65))
  const sig = sm2Sign(createPrivateKey(readFileSync(join(dir, 'k.key'))), message)
  t.ok(sm2Verify(publicKey, message, sig), 'verifies here')
  writeFileSync(join(dir, 'msg.sig'), sig)
  const out = run('pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-pubin', '-inkey', 'k.pub', '-in', 'msg.txt', '-sigfile', 'msg.sig').toString()
  t.match(out, /Signature Verified Successfully/, 'and in openssl')
  t.notOk(sm2Verify(publicKey, Buffer.concat([message, text('x')]), sig), 'not over another message')
})
