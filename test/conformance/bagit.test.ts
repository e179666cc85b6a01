import t from 'tap'
import { join } from 'node:path'
import { runBagitConformance } from '../../scripts/conformance/bagit-suite.js'

// The Library of Congress suite, in place in ../shared (also run by `npm run conformance:bagit` in CI).
const SUITE = join(import.meta.dirname, '../../../shared/conformance/bagit')

t.test('every bag of the BagIt conformance suite gets the verdict and the complete problem list of EXPECTED.md', async t => {
  const { outcomes, orphans } = await runBagitConformance(SUITE)
  t.equal(outcomes.length, 60, 'all 60 bags were found')
  t.same(orphans, [], 'every bag of EXPECTED.md exists')
  for (const o of outcomes) t.same(o.problems, [], o.bag)
})
