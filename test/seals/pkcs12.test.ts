import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readPkcs12 } from '../../src/seals/pkcs12.js'
import { makeTestPki, type TestPki } from '../fixtures/pki.js'

// A center receives its seal key as a PKCS#12 file: Lantai takes the certificates out of it (never the
// key). The files here are made by `openssl pkcs12 -export` (OpenSSL 3 defaults: PBES2, AES-256-CBC,
// an HMAC-SHA256 MAC) from the scripts/make-test-pki.sh PKI.

let pki: TestPki
let dir: string
t.before(async () => {
  pki = await makeTestPki()
  dir = mkdtempSync(join(tmpdir(), 'lantai-p12-'))
})
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** `openssl pkcs12 -export` of a key, its certificate and the chain (intermediate, root). */
const export12 = (name: string, who: 'seal' | 'sealec', password: string, extra: string[] = []): Uint8Array => {
  const out = join(dir, name)
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', pki.keys[who], '-in', join(pki.dir, `certs/${who}.pem`), '-certfile', pki.chainPem,
    '-passout', `pass:${password}`, '-out', out, ...extra], { stdio: 'ignore' })
  return new Uint8Array(readFileSync(out))
}
const der = (p: string): Buffer => readFileSync(p)

t.test('an RSA seal key store: the certificate and its chain in order, byte for byte, and that it holds a key', async t => {
  const r = readPkcs12(export12('seal.p12', 'seal', 'correct horse'), 'correct horse')
  t.equal(r.hasPrivateKey, true)
  t.same(r.certificates.map(c => Buffer.from(c)), [der(pki.certs.seal), der(pki.certs.inter), der(pki.certs.root)])
})

t.test('an EC seal key store reads the same (forge cannot parse EC certificates; their DER is kept as read)', async t => {
  const r = readPkcs12(export12('sealec.pfx', 'sealec', 'pw'), 'pw')
  t.same(r.certificates.map(c => Buffer.from(c)), [der(pki.certs.sealec), der(pki.certs.inter), der(pki.certs.root)])
})

t.test('a store without a key says so', async t => {
  const r = readPkcs12(export12('nokeys.p12', 'seal', 'pw', ['-nokeys']), 'pw')
  t.equal(r.hasPrivateKey, false)
  t.equal(r.certificates.length, 3)
})

t.test('a wrong password or a file that is no PKCS#12 is SEAL_PKCS12_INVALID', async t => {
  const p12 = export12('pw.p12', 'seal', 'right')
  t.throws(() => readPkcs12(p12, 'wrong'), { code: 'SEAL_PKCS12_INVALID', message: /Invalid password/ })
  t.throws(() => readPkcs12(der(pki.certs.root), ''), { code: 'SEAL_PKCS12_INVALID' })
  t.throws(() => readPkcs12(new Uint8Array([1, 2, 3]), ''), { code: 'SEAL_PKCS12_INVALID' })
})
