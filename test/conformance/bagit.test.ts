import t, { type Test } from 'tap'
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runBagitConformance } from '../../scripts/conformance/bagit-suite.js'
import { basicBag, scratch } from '../fixtures/bags.js'

// The runner behind `npm run conformance:bagit` (which .ci/run runs over the Library of Congress suite
// in ../shared). Here it runs over a miniature suite of the same layout built from fixtures, so `npm
// test` needs nothing outside the clone and still proves the runner tells agreement from disagreement.

function miniSuite (t: Test, verdicts: Record<string, string>): string {
  const suite = scratch(t)
  const bags: Record<string, string> = {
    'v0.97/valid/basic-bag': basicBag(t),
    'v0.97/invalid/corrupt-data-file': basicBag(t, { corrupt: true })
  }
  for (const [name, dir] of Object.entries(bags)) {
    mkdirSync(join(suite, name, '..'), { recursive: true })
    cpSync(dir, join(suite, name), { recursive: true })
  }
  const rows = Object.entries(verdicts).map(([bag, v]) => `| ${bag} | ${v} | ${v} | fixture | see BAGIT_EXPECTED | ${v} |`)
  writeFileSync(join(suite, 'EXPECTED.md'), ['| Bag | Suite | Lantai (Linux) | What it exercises | Problems to report | bagit-python |', '| --- | --- | --- | --- | --- | --- |', ...rows, ''].join('\n'))
  return suite
}

t.test('bags that meet EXPECTED.md and the transcribed problem lists pass, each with no problem', async t => {
  const { outcomes, orphans } = await runBagitConformance(miniSuite(t, { 'v0.97/valid/basic-bag': 'valid', 'v0.97/invalid/corrupt-data-file': 'invalid' }))
  t.equal(outcomes.length, 2)
  t.same(orphans, [])
  for (const o of outcomes) t.same(o.problems, [], o.bag)
})

t.test('a wrong verdict, a bag missing from EXPECTED.md and a listed bag that is absent are all reported', async t => {
  const { outcomes, orphans } = await runBagitConformance(miniSuite(t, { 'v0.97/valid/basic-bag': 'invalid', 'v0.97/valid/gone': 'valid' }))
  t.match(outcomes.find(o => o.bag === 'v0.97/valid/basic-bag')?.problems, ['verdict: expected invalid, got valid'])
  t.match(outcomes.find(o => o.bag === 'v0.97/invalid/corrupt-data-file')?.problems, ['bag is not in EXPECTED.md'])
  t.same(orphans, ['v0.97/valid/gone'])
})
