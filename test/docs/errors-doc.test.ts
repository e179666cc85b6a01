import t from 'tap'
import { readFile } from 'node:fs/promises'
import { renderErrorsDoc } from '../../scripts/errors-doc.js'
import { BAG_CODES } from '../../src/bagit/codes.js'

t.test('docs/errors.md lists every code and is up to date (npm run docs:errors)', async t => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  t.equal(doc, renderErrorsDoc())
  for (const code of Object.keys(BAG_CODES)) t.ok(doc.includes(`\`${code}\``), code)
})
