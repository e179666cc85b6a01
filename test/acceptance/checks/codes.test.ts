import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ACCEPTANCE_CODES } from '../../../src/acceptance/index.js'

// Every acceptance code is documented with its texts, so a builder can look up what a notice names.

t.test('docs/acceptance-checks.md lists every acceptance code with its English and Chinese text', async t => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/acceptance-checks.md'), 'utf8')
  for (const [code, c] of Object.entries(ACCEPTANCE_CODES)) {
    t.ok(doc.includes(`| \`${code}\` | ${c.source} | ${c.severity} | ${c.check} | ${c.en} | ${c.zh} |`), code)
  }
})
