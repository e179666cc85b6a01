import t, { type Test } from 'tap'
import { appendFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { OcflObjectWriter, initStorageRoot, projectObjectId, validateObject } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { meta, newFiles } from './helpers.js'

// Make it valid, change one thing, check the finding (STYLE.md "Tests").

async function writtenObject (t: Test): Promise<{ store: LocalBlobStore, root: string, abs: (key: string) => string }> {
  const dir = t.testdir({ store: {}, in: {} })
  const store = new LocalBlobStore(join(dir, 'store'))
  await initStorageRoot(store)
  const v = await new OcflObjectWriter(store).addVersion(projectObjectId('2019-310104-47-01-000123'),
    await newFiles(join(dir, 'in'), { 'data/plan.pdf': 'the plan', 'data/notes.txt': 'notes' }), meta('v1'))
  t.same(await validateObject(store, v.objectRoot), { valid: true, errors: [], warnings: [] }, 'valid before the change')
  return { store, root: v.objectRoot, abs: key => store.pathOf(`${v.objectRoot}/${key}`) }
}

t.test('a flipped byte in content is reported as E092 and E093 naming the file', async t => {
  const { store, root, abs } = await writtenObject(t)
  await writeFile(abs('v1/content/data/plan.pdf'), 'the plaN')
  const report = await validateObject(store, root)
  t.equal(report.valid, false)
  t.same(report.errors.map(e => [e.code, e.path]).sort(), [
    ['OCFL_E092', 'v1/content/data/plan.pdf'], // sha512, the manifest
    ['OCFL_E093', 'v1/content/data/plan.pdf'], // md5, fixity
    ['OCFL_E093', 'v1/content/data/plan.pdf'] // sha256, fixity
  ])
  t.match(report.errors.find(e => e.code === 'OCFL_E092')?.message, /sha512 expected [0-9a-f]{128} \(the manifest\) found [0-9a-f]{128}/)
})

t.test('a missing content file is reported as E092 (and E093 for its fixity)', async t => {
  const { store, root, abs } = await writtenObject(t)
  await rm(abs('v1/content/data/notes.txt'))
  const report = await validateObject(store, root)
  t.same(report.errors.map(e => [e.code, e.path]), [['OCFL_E092', 'v1/content/data/notes.txt'], ['OCFL_E093', 'v1/content/data/notes.txt']])
})

t.test('an extra file in the content directory is reported as E023', async t => {
  const { store, root } = await writtenObject(t)
  await store.putBytes(`${root}/v1/content/data/smuggled.txt`, 'x')
  const report = await validateObject(store, root)
  t.same(report.errors.map(e => [e.code, e.path]), [['OCFL_E023', 'v1/content/data/smuggled.txt']])
})

t.test('an extra file in the object root is reported as E001', async t => {
  const { store, root } = await writtenObject(t)
  await store.putBytes(`${root}/notes.txt`, 'x')
  t.same((await validateObject(store, root)).errors.map(e => [e.code, e.path]), [['OCFL_E001', 'notes.txt']])
})

t.test('a sidecar that does not match its inventory is E060; one that is malformed is E061', async t => {
  const { store, root, abs } = await writtenObject(t)
  await writeFile(abs('inventory.json.sha512'), `${'0'.repeat(128)} inventory.json\n`)
  t.same((await validateObject(store, root)).errors.map(e => [e.code, e.path]), [['OCFL_E060', 'inventory.json.sha512']])
  await writeFile(abs('v1/inventory.json.sha512'), 'not a sidecar')
  t.same((await validateObject(store, root)).errors.map(e => e.code).sort(), ['OCFL_E060', 'OCFL_E061'])
})

t.test('a changed version inventory is E064 and a broken inventory reports every problem at once', async t => {
  const { store, root, abs } = await writtenObject(t)
  await appendFile(abs('v1/inventory.json'), ' ')
  const codes = (await validateObject(store, root)).errors.map(e => e.code).sort()
  t.same(codes, ['OCFL_E060', 'OCFL_E064'])
})
