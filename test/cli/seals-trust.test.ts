import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256Hex } from '../../src/seals/x509.js'
import { loadTrustStore } from '../../src/seals/trust.js'
import { lantai } from '../fixtures/cli.js'
import { scratchDir } from '../fixtures/pdf.js'
import { makeTestPki } from '../fixtures/pki.js'

// `lantai seals trust add`: a center's seal key store (.p12 from `openssl pkcs12 -export`) or a
// certificate file goes into certs/ as certificates named by sha256, and never its private key.

const pki = await makeTestPki()
const der = (p: string): Buffer => readFileSync(p)
const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter(e => e.isFile()).map(e => join(e.parentPath, e.name).slice(dir.length + 1)).sort()

t.test('a .p12 with a password from the environment: root into roots/, the rest into revocation/, no key', async t => {
  const p12 = join(scratchDir(t), 'center-seal.p12')
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', pki.keys.seal, '-in', join(pki.dir, 'certs/seal.pem'), '-certfile', pki.chainPem,
    '-passout', 'pass:s3cret', '-out', p12], { stdio: 'ignore' })
  const trust = scratchDir(t)
  const r = lantai(['seals', 'trust', 'add', p12, '--password-env', 'SEAL_P12_PASSWORD', '--trust', trust], { env: { SEAL_P12_PASSWORD: 's3cret' } })
  t.equal(r.code, 0, r.stderr)
  const name = (p: string): string => `${sha256Hex(der(p))}.der`
  t.same(files(trust), [`revocation/${name(pki.certs.inter)}`, `revocation/${name(pki.certs.seal)}`, `roots/${name(pki.certs.root)}`].sort())
  t.same(readFileSync(join(trust, 'roots', name(pki.certs.root))), der(pki.certs.root), 'the root as DER, byte for byte')
  t.match(r.stdout, new RegExp(`added +${join(trust, 'revocation', name(pki.certs.seal))} +path only +.*Project Seal`))
  t.match(r.stdout, /added +\S+ +root \(trust anchor\)/)
  t.match(r.stdout, `the private key in ${p12} was not copied`)
  for (const f of files(trust)) t.notMatch(readFileSync(join(trust, f)).toString('latin1'), /PRIVATE KEY/, f)
  // the directory is a trust store the service loads
  const store = await loadTrustStore(trust)
  t.same(store.anchors.map(a => Buffer.from(a)), [der(pki.certs.root)])
  t.equal(store.extraCertificates.length, 2)

  const again = lantai(['seals', 'trust', 'add', p12, '--password-env', 'SEAL_P12_PASSWORD', '--trust', trust], { env: { SEAL_P12_PASSWORD: 's3cret' } })
  t.equal(again.code, 0)
  t.equal(again.stdout.match(/^present /gm)?.length, 3, 'adding it twice changes nothing')
})

t.test('a wrong or missing password, and a file with no certificate, exit 2 and add nothing', async t => {
  const p12 = join(scratchDir(t), 'seal.p12')
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', pki.keys.seal, '-in', join(pki.dir, 'certs/seal.pem'), '-passout', 'pass:right', '-out', p12], { stdio: 'ignore' })
  const trust = scratchDir(t)
  const wrong = lantai(['seals', 'trust', 'add', p12, '--password-env', 'P', '--trust', trust], { env: { P: 'wrong' } })
  t.equal(wrong.code, 2)
  t.match(wrong.stderr, /SEAL_PKCS12_INVALID/)
  const unset = lantai(['seals', 'trust', 'add', p12, '--password-env', 'LANTAI_TEST_UNSET_VARIABLE', '--trust', trust])
  t.equal(unset.code, 2)
  t.match(unset.stderr, /LANTAI_TEST_UNSET_VARIABLE: that environment variable is not set/)
  const key = join(scratchDir(t), 'seal.pem')
  writeFileSync(key, readFileSync(pki.keys.seal))
  const keyOnly = lantai(['seals', 'trust', 'add', key, '--trust', trust])
  t.equal(keyOnly.code, 2)
  t.match(keyOnly.stderr, /SEAL_CERTIFICATE_FILE_INVALID/)
  t.same(files(trust), [])
})

t.test('a PEM chain with --seal-maker goes into seal-makers/; a DER certificate on its own is added too', async t => {
  const trust = scratchDir(t)
  const r = lantai(['seals', 'trust', 'add', pki.chainPem, '--seal-maker', '--trust', trust])
  t.equal(r.code, 0, r.stderr)
  t.equal(files(trust).filter(f => f.startsWith('seal-makers/')).length, 2)
  t.match(r.stdout, /seal-making system/)
  const one = lantai(['seals', 'trust', 'add', pki.certs.tsa, '--trust', trust])
  t.equal(one.code, 0, one.stderr)
  t.ok(files(trust).includes(`revocation/${sha256Hex(der(pki.certs.tsa))}.der`))
})
