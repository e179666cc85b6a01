import t from 'tap'
import { finding, Findings } from '../../src/bagit/findings.js'
import { BAG_CODES } from '../../src/bagit/codes.js'

t.test('a finding carries its code, default severity, rule and both languages', async t => {
  const f = finding('BAG_CHECKSUM_MISMATCH', { path: 'data/plan.pdf', algorithm: 'sha256', expected: 'aa', actual: 'bb', detail: 'data/plan.pdf' })
  t.match(f, { code: 'BAG_CHECKSUM_MISMATCH', severity: 'error', rule: 'RFC 8493 §3', path: 'data/plan.pdf', expected: 'aa', actual: 'bb' })
  t.match(f.message, /does not match the manifest: data\/plan\.pdf$/)
  t.match(f.messageZh, /文件摘要与清单不符/)
})

t.test('a rule that is a warning before BagIt 1.0 can be raised to an error', async t => {
  t.equal(finding('BAG_MANIFEST_DUPLICATE_ENTRY', { severity: 'warning' }).severity, 'warning')
  t.equal(finding('BAG_MANIFEST_DUPLICATE_ENTRY').severity, 'error')
})

t.test('Findings splits errors from warnings and keeps order', async t => {
  const fs = new Findings()
  fs.add('BAG_JUNK_FILE', { path: 'data/Thumbs.db' })
  fs.add('BAG_FILE_MISSING', { path: 'data/a' })
  t.same(fs.all.map(f => f.code), ['BAG_JUNK_FILE', 'BAG_FILE_MISSING'])
  t.same(fs.errors.map(f => f.code), ['BAG_FILE_MISSING'])
  t.same(fs.warnings.map(f => f.code), ['BAG_JUNK_FILE'])
  t.ok(fs.has('BAG_JUNK_FILE'))
})

t.test('every code has a rule and wording in English and Chinese', async t => {
  for (const [code, spec] of Object.entries(BAG_CODES)) {
    t.match(code, /^BAG_[A-Z0-9_]+$/)
    t.ok(spec.rule.length > 0 && spec.en.length > 0 && spec.zh.length > 0, code)
  }
})
