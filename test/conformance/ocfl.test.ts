import t from 'tap'
import { join } from 'node:path'
import { runOcflConformance } from '../../scripts/conformance/ocfl-suite.js'

// The OCFL 1.1 fixtures, in place in ../shared (also run by `node --import tsx scripts/conformance-ocfl.ts`).
const SUITE = join(import.meta.dirname, '../../../shared/conformance/ocfl/1.1')

t.test('every OCFL 1.1 fixture gets its verdict: good clean, warn with exactly its W codes, bad rejected with its E codes', async t => {
  const outcomes = await runOcflConformance(SUITE)
  t.equal(outcomes.length, 80, 'all 80 fixtures were found')
  for (const o of outcomes) {
    t.same(o.problems, [], o.object)
    if (o.category === 'bad') t.same(o.missingCodes, [], `${o.object}: every E code of the name is among the errors`)
  }
})
