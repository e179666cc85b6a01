import t, { type Test } from 'tap'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runOcflConformance } from '../../scripts/conformance/ocfl-suite.js'
import { initStorageRoot, objectRootOf, OcflObjectWriter, projectObjectId } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { scratch } from '../fixtures/bags.js'
import { meta, newFiles } from '../ocfl/helpers.js'

// The runner behind `npm run conformance:ocfl` (which .ci/run runs over the OCFL 1.1 fixtures in
// ../shared). Here it runs over a miniature suite of the same layout, made by our own writer, so `npm
// test` needs nothing outside the clone: a good object, and a bad one named after the code it breaks.

async function objectIn (t: Test, category: string, name: string): Promise<string> {
  const store = new LocalBlobStore(scratch(t))
  await initStorageRoot(store)
  const id = projectObjectId('2019-310104-47-01-000123')
  await new OcflObjectWriter(store).addVersion(id, await newFiles(scratch(t), { 'data/a.txt': 'alpha' }), meta('v1'))
  const suite = scratch(t)
  cpSync(join(store.root, objectRootOf(id)), join(suite, `${category}-objects`, name), { recursive: true })
  return suite
}

t.test('a good object passes, and a bad one is invalid with the E code of its name among the errors', async t => {
  const suite = await objectIn(t, 'good', 'lantai_v1')
  const bad = await objectIn(t, 'bad', 'E040_wrong_head_format')
  mkdirSync(join(suite, 'warn-objects'))
  cpSync(join(bad, 'bad-objects'), join(suite, 'bad-objects'), { recursive: true })
  const inventory = join(suite, 'bad-objects/E040_wrong_head_format/inventory.json')
  writeFileSync(inventory, readFileSync(inventory, 'utf8').replace('"head": "v1"', '"head": "1"'))

  const outcomes = await runOcflConformance(suite)
  t.same(outcomes.map(o => [o.object, o.ok]), [['good-objects/lantai_v1', true], ['bad-objects/E040_wrong_head_format', true]])
  t.same(outcomes[1]?.missingCodes, [], 'E040 is among the errors')
})

t.test('a good object that is broken is reported as a problem, not passed', async t => {
  const suite = await objectIn(t, 'good', 'lantai_v1')
  mkdirSync(join(suite, 'warn-objects'))
  mkdirSync(join(suite, 'bad-objects'))
  writeFileSync(join(suite, 'good-objects/lantai_v1/v1/content/data/a.txt'), 'changed')
  const [outcome] = await runOcflConformance(suite)
  t.equal(outcome?.ok, false)
  t.match(outcome?.problems, [/^expected valid, got errors /])
})
