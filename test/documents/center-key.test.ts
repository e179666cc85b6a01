import t from 'tap'
import { join } from 'node:path'
import { rectificationNotice } from '../../src/acceptance/index.js'
import { loadSigner } from '../../src/audit/index.js'
import { openCatalogue } from '../../src/catalogue/index.js'
import { DEFAULT_DOCUMENT_FONT } from '../../src/config.js'
import { DocumentSealer, loadCenterSigner, verifySealedDocument } from '../../src/documents/index.js'
import { auditTrailOf } from '../../src/runtime.js'
import { makeCenterPki } from '../fixtures/documents.js'

// The center's signing identity: the key decides the algorithm, LANTAI_CENTER_CHAIN travels in each seal,
// and the audit checkpoints read the key through the same loader (their own key first, else the center's).

const center = makeCenterPki(t)
const paths = (kind: 'sm2' | 'ec' | 'rsa'): { key: string, cert: string } => ({ key: center.env(kind).LANTAI_CENTER_KEY as string, cert: center.env(kind).LANTAI_CENTER_CERT as string })
const AUDIT = { auditAlgorithm: 'sm3', auditCheckpointRows: 1000, auditCheckpointMinutes: 60 } as const

t.test('the key decides the algorithm: SM2 with SM3, ECDSA or RSA with SHA-256', async t => {
  t.equal(loadCenterSigner(paths('sm2')).algorithm, 'sm2-sm3')
  t.equal(loadCenterSigner(paths('ec')).algorithm, 'ecdsa-sha256')
  t.equal(loadCenterSigner(paths('rsa')).algorithm, 'rsa-sha256')
})

t.test('LANTAI_CENTER_CHAIN\'s certificates are carried in the seal after the signing certificate, and it still verifies', async t => {
  const signer = loadCenterSigner({ ...paths('ec'), chain: join(center.pki.dir, 'certs/centerroot.pem') })
  t.equal(signer.certificates.length, 2)
  const doc = rectificationNotice({
    number: '整改〔2026〕第0011号', issuedAt: '2026-12-03T02:00:00.000Z', issuedOn: '2026-12-03', issuer: { zh: '示例市城市建设档案馆', en: 'Example City Construction Archives' },
    project: { code: '2026-310104-47-01-000511', name: null }, application: null, submission: { id: 'sub-2', sha256: null }, decidedBy: 'a', resubmission: null
  }, [])
  const pdf = await new DocumentSealer({ signer, font: DEFAULT_DOCUMENT_FONT }).pdf(doc)
  t.match((await verifySealedDocument(pdf, center.trust)).signatures, [{ indication: 'TOTAL_PASSED' }])
})

t.test('audit checkpoints share the loader: SM2 and ECDSA keys sign them, an RSA key is AUDIT_KEY_INVALID', async t => {
  t.equal(loadSigner(paths('sm2').key, paths('sm2').cert).algorithm, 'sm2-sm3')
  t.equal(loadSigner(paths('ec').key, paths('ec').cert).algorithm, 'ecdsa-sha256')
  t.throws(() => loadSigner(paths('rsa').key, paths('rsa').cert), { code: 'AUDIT_KEY_INVALID' })
  t.throws(() => loadSigner(paths('sm2').key, paths('ec').cert), { code: 'AUDIT_KEY_INVALID' }, 'a key that is not the certificate\'s')
})

t.test('without LANTAI_AUDIT_KEY the center\'s key signs the checkpoints, unless it is RSA', async t => {
  const catalogue = await openCatalogue(join(t.testdir(), 'catalogue.sqlite'))
  t.teardown(() => catalogue.close())
  const none = { ...AUDIT, auditKey: null, auditCert: null }
  t.equal(auditTrailOf({ ...none, centerKey: paths('ec').key, centerCert: paths('ec').cert }, catalogue).signer?.algorithm, 'ecdsa-sha256')
  t.equal(auditTrailOf({ ...none, centerKey: paths('rsa').key, centerCert: paths('rsa').cert }, catalogue).signer, null)
  t.equal(auditTrailOf({ ...AUDIT, auditKey: paths('sm2').key, auditCert: paths('sm2').cert, centerKey: paths('ec').key, centerCert: paths('ec').cert }, catalogue).signer?.algorithm, 'sm2-sm3', 'the audit key first')
  t.equal(auditTrailOf({ ...none, centerKey: null, centerCert: null }, catalogue).signer, null)
})
