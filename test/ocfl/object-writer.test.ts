import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import {
  OcflObjectReader, OcflObjectWriter, initStorageRoot, objectRootOf, projectObjectId, validateObject, validateStorageRoot
} from '../../src/ocfl/index.js'
import { LocalBlobStore, putEach, readAll, type BlobStore, type PutFileOptions, type PutItem } from '../../src/storage/index.js'
import { meta, newFiles } from './helpers.js'

const ID = projectObjectId('91310000MA1K4XXXX-2026-0001')

async function setup (t: Test): Promise<{ dir: string, store: LocalBlobStore }> {
  const dir = t.testdir({ store: {}, in1: {}, in2: {}, in3: {} })
  const store = new LocalBlobStore(join(dir, 'store'))
  await initStorageRoot(store)
  return { dir, store }
}

/** Puts fail, as a crash would stop them, once `failOn(key)` says so. */
class CrashingStore implements BlobStore {
  readonly kind = 'local' as const
  readonly description = 'crashing'
  constructor (readonly inner: BlobStore, readonly failOn: (key: string) => boolean) {}
  #check (key: string): void { if (this.failOn(key)) throw new Error(`simulated crash before ${key}`) }
  async putFile (key: string, p: string, o?: { move?: boolean }): Promise<void> { this.#check(key); await this.inner.putFile(key, p, o) }
  async putFiles (items: readonly PutItem[], o?: PutFileOptions): Promise<void> { await putEach(this, items, o) }
  async putBytes (key: string, d: Uint8Array | string): Promise<void> { this.#check(key); await this.inner.putBytes(key, d) }
  get (key: string, r?: { start: number, end?: number }): Promise<NodeJS.ReadableStream> { return this.inner.get(key, r) }
  stat (key: string): ReturnType<BlobStore['stat']> { return this.inner.stat(key) }
  list (prefix: string): AsyncIterable<string> { return this.inner.list(prefix) }
  delete (key: string): Promise<void> { return this.inner.delete(key) }
  deletePrefix (prefix: string): Promise<void> { return this.inner.deletePrefix(prefix) }
}

const keysOf = async (store: BlobStore, prefix: string): Promise<string[]> => {
  const keys: string[] = []
  for await (const k of store.list(prefix)) keys.push(k.slice(prefix.length))
  return keys.sort()
}

t.test('v1 then v2: a supplement adds files, a correction replaces one, identical bytes are stored once', async t => {
  const { dir, store } = await setup(t)
  const writer = new OcflObjectWriter(store)
  const v1 = await writer.addVersion(ID, await newFiles(join(dir, 'in1'), {
    'data/竣工图/plan.pdf': 'plan v1',
    'data/report.txt': 'report',
    'data/copy-of-report.txt': 'report'
  }), meta('transfer 1'))
  t.equal(v1.versionName, 'v1')
  t.equal(v1.objectRoot, objectRootOf(ID))
  t.same(v1.added.map(a => [a.logicalPath, a.deduplicated]), [['data/竣工图/plan.pdf', false], ['data/report.txt', false], ['data/copy-of-report.txt', true]])

  const v2 = await writer.addVersion(ID, await newFiles(join(dir, 'in2'), {
    'data/竣工图/plan.pdf': 'plan v2 (corrected)',
    'data/photos/site.jpg': 'photo',
    'data/again.txt': 'report'
  }), meta('transfer 2: correction and supplement'), { expectedHead: 1 })
  t.equal(v2.version, 2)
  t.same(v2.added.map(a => [a.logicalPath, a.contentPath, a.deduplicated]), [
    ['data/竣工图/plan.pdf', 'v2/content/data/竣工图/plan.pdf', false],
    ['data/photos/site.jpg', 'v2/content/data/photos/site.jpg', false],
    ['data/again.txt', 'v1/content/data/report.txt', true]
  ])
  t.same([...v2.state.keys()].sort(), ['data/again.txt', 'data/copy-of-report.txt', 'data/photos/site.jpg', 'data/report.txt', 'data/竣工图/plan.pdf'])
  t.same(await keysOf(store, `${v2.objectRoot}/`), [
    '0=ocfl_object_1.1', 'inventory.json', 'inventory.json.sha512',
    'logs/lantai-sm3/v1.json', 'logs/lantai-sm3/v2.json',
    'v1/content/data/report.txt', 'v1/content/data/竣工图/plan.pdf', 'v1/inventory.json', 'v1/inventory.json.sha512',
    'v2/content/data/photos/site.jpg', 'v2/content/data/竣工图/plan.pdf', 'v2/inventory.json', 'v2/inventory.json.sha512'
  ], 'corrections add bytes, they never overwrite v1')

  const report = await validateObject(store, v2.objectRoot)
  t.same(report, { valid: true, errors: [], warnings: [] }, 'our validator finds nothing at all')
  const root = await validateStorageRoot(store)
  t.same([root.valid, root.errors, root.warnings, root.objects], [true, [], [], 1])

  const reader = new OcflObjectReader(store)
  const inv = await reader.readInventory(ID)
  t.equal(inv.head, 'v2')
  t.same(Object.keys(inv.fixity ?? {}).sort(), ['md5', 'sha256'], 'sm3 is kept out of the fixity block')
  const old = await reader.resolve(ID, 'data/竣工图/plan.pdf', 'v1')
  t.equal(old.contentPath, 'v1/content/data/竣工图/plan.pdf')
  const now = await reader.resolve(ID, 'data/竣工图/plan.pdf')
  t.equal(now.contentPath, 'v2/content/data/竣工图/plan.pdf')
  t.same(Object.keys(now.digests).sort(), ['md5', 'sha256', 'sha512', 'sm3'])
  t.equal(now.digests.sm3, createHash('sm3').update('plan v2 (corrected)').digest('hex'))
  t.equal(await text(await reader.openContent(ID, now.contentPath, { start: 5, end: 6 }) as NodeJS.ReadableStream & AsyncIterable<Uint8Array>), 'v2')
  await t.rejects(reader.openContent(ID, 'inventory.json'), { code: 'OCFL_CONTENT_NOT_FOUND' }, 'only manifest content paths can be opened')
  const listed = []
  for await (const o of reader.listObjects()) listed.push(o)
  t.same(listed, [{ objectRoot: v2.objectRoot, id: ID }])
})

t.test('the storage root uses extension 0004 and initStorageRoot is idempotent', async t => {
  const { store } = await setup(t)
  await initStorageRoot(store)
  t.same(await keysOf(store, ''), ['0=ocfl_1.1', 'extensions/0004-hashed-n-tuple-storage-layout/config.json', 'ocfl_layout.json'])
  const config = JSON.parse((await readAll(store, 'extensions/0004-hashed-n-tuple-storage-layout/config.json')).toString())
  t.same(config, { extensionName: '0004-hashed-n-tuple-storage-layout', digestAlgorithm: 'sha256', tupleSize: 3, numberOfTuples: 3, shortObjectRoot: false })
  const digest = createHash('sha256').update(ID).digest('hex')
  t.equal(objectRootOf(ID), `${digest.slice(0, 3)}/${digest.slice(3, 6)}/${digest.slice(6, 9)}/${digest}`)
  t.same(await validateStorageRoot(store), { valid: true, errors: [], warnings: [], objects: 0 })
})

t.test('the root inventory is the commit point: a crash before it leaves v1 valid, recover() drops v2, then v2 succeeds', async t => {
  const { dir, store } = await setup(t)
  const root = objectRootOf(ID)
  await new OcflObjectWriter(store).addVersion(ID, await newFiles(join(dir, 'in1'), { 'a.txt': 'a' }), meta('v1'))
  // 1. v2's content, SM3 log and version inventory are written; the root inventory put "crashes".
  const crashing = new CrashingStore(store, key => key === `${root}/inventory.json`)
  const files = await newFiles(join(dir, 'in2'), { 'b.txt': 'b', 'a.txt': 'a corrected' })
  await t.rejects(new OcflObjectWriter(crashing).addVersion(ID, files, meta('v2')), /simulated crash/)
  t.ok(await store.stat(`${root}/v2/inventory.json`), 'the version inventory was written')
  // 2. The object is still a valid v1, the stray v2 ignored by readers.
  t.equal((await new OcflObjectReader(store).readInventory(ID)).head, 'v1')
  const before = await validateObject(store, root)
  t.same(before.errors.map(e => e.code), ['OCFL_E046'], 'the validator sees the uncommitted v2 directory')
  // 3. A writer refuses to build over it; recover() removes it.
  await t.rejects(new OcflObjectWriter(store).addVersion(ID, files, meta('v2')), { code: 'OCFL_UNCOMMITTED_VERSION' })
  const writer = new OcflObjectWriter(store)
  t.same(await writer.recover(ID), [`${root}/logs/lantai-sm3/v2.json`, `${root}/v2/`])
  t.same(await writer.recover(ID), [], 'recover() is idempotent')
  t.same(await validateObject(store, root), { valid: true, errors: [], warnings: [] })
  // 4. Now v2 goes through.
  const v2 = await writer.addVersion(ID, files, meta('v2'), { expectedHead: 1 })
  t.equal(v2.versionName, 'v2')
  t.same(await validateObject(store, root), { valid: true, errors: [], warnings: [] })
})

t.test('a crash between the root inventory and its sidecar is repaired by recover()', async t => {
  const { dir, store } = await setup(t)
  const root = objectRootOf(ID)
  await new OcflObjectWriter(store).addVersion(ID, await newFiles(join(dir, 'in1'), { 'a.txt': 'a' }), meta('v1'))
  const crashing = new CrashingStore(store, key => key === `${root}/inventory.json.sha512`)
  await t.rejects(new OcflObjectWriter(crashing).addVersion(ID, await newFiles(join(dir, 'in2'), { 'b.txt': 'b' }), meta('v2')), /simulated crash/)
  t.same((await validateObject(store, root)).errors.map(e => e.code), ['OCFL_E060'])
  const writer = new OcflObjectWriter(store)
  t.same(await writer.recover(ID), [`${root}/inventory.json.sha512`])
  t.same(await validateObject(store, root), { valid: true, errors: [], warnings: [] })
  t.equal((await new OcflObjectReader(store).readInventory(ID)).head, 'v2', 'the commit stands')
})

t.test('a crash during v1 leaves no committed object, and recover() removes the whole object root', async t => {
  const { dir, store } = await setup(t)
  const root = objectRootOf(ID)
  const crashing = new CrashingStore(store, key => key === `${root}/inventory.json`)
  await t.rejects(new OcflObjectWriter(crashing).addVersion(ID, await newFiles(join(dir, 'in1'), { 'a.txt': 'a' }), meta('v1')), /simulated crash/)
  await t.rejects(new OcflObjectReader(store).readInventory(ID), { code: 'OCFL_OBJECT_NOT_FOUND' })
  t.same(await new OcflObjectWriter(store).recover(ID), [`${root}/`])
  t.same(await keysOf(store, `${root}/`), [])
  t.same(await validateStorageRoot(store), { valid: true, errors: [], warnings: [], objects: 0 })
})

t.test('expectedHead that is not the committed head fails OCFL_HEAD_MOVED and writes nothing', async t => {
  const { dir, store } = await setup(t)
  const writer = new OcflObjectWriter(store)
  await t.rejects(writer.addVersion(ID, await newFiles(join(dir, 'in1'), { 'a.txt': 'a' }), meta('v1'), { expectedHead: 1 }), { code: 'OCFL_HEAD_MOVED' })
  await writer.addVersion(ID, await newFiles(join(dir, 'in1'), { 'a.txt': 'a' }), meta('v1'), { expectedHead: 0 })
  await t.rejects(writer.addVersion(ID, await newFiles(join(dir, 'in2'), { 'b.txt': 'b' }), meta('v2'), { expectedHead: 0 }), { code: 'OCFL_HEAD_MOVED' })
  t.same(await keysOf(store, `${objectRootOf(ID)}/v2/`), [])
})

t.test('a file that changed size since it was hashed fails OCFL_FILE_CHANGED, linked or copied, and nothing is committed', async t => {
  const { dir, store } = await setup(t)
  const writer = new OcflObjectWriter(store)
  for (const link of [true, false]) {
    const files = await newFiles(join(dir, link ? 'in1' : 'in2'), { 'a.txt': 'alpha', 'b.txt': 'beta' })
    await writeFile(files[1]?.localPath ?? '', 'beta, and then some') // changed after hashing
    await t.rejects(writer.addVersion(ID, files, meta('v1'), { link }), { code: 'OCFL_FILE_CHANGED' }, link ? 'linked' : 'copied')
    t.equal(await store.stat(`${objectRootOf(ID)}/inventory.json`), null, 'no inventory: nothing committed')
    await writer.recover(ID)
  }
})

t.test('bad logical paths are refused with OCFL_PATH_INVALID before anything is written', async t => {
  const { dir, store } = await setup(t)
  const writer = new OcflObjectWriter(store)
  const [good] = await newFiles(join(dir, 'in1'), { 'a.txt': 'a' })
  for (const logicalPath of ['../escape.txt', '/abs.txt', 'a//b.txt', 'a/./b.txt', 'dir/', '', 'back\\slash.txt']) {
    await t.rejects(writer.addVersion(ID, [{ ...good!, logicalPath }], meta('bad')), { code: 'OCFL_PATH_INVALID' }, JSON.stringify(logicalPath))
  }
  await t.rejects(writer.addVersion(ID, [good!, good!], meta('twice')), { code: 'OCFL_PATH_INVALID' }, 'the same path twice')
  await t.rejects(writer.addVersion(ID, [good!, { ...good!, logicalPath: 'a.txt/b.txt' }], meta('clash')), { code: 'OCFL_PATH_INVALID' }, 'a file that is also a directory (E095)')
  t.same(await keysOf(store, `${objectRootOf(ID)}/`), [])
})

t.test('object ids must be URIs; projectObjectId wraps a project code', async t => {
  const { dir, store } = await setup(t)
  t.equal(projectObjectId('2019-310104-47-01-000123'), 'urn:lantai:project:2019-310104-47-01-000123')
  t.throws(() => projectObjectId('../x'), { code: 'OCFL_ID_INVALID' })
  await t.rejects(new OcflObjectWriter(store).addVersion('91310000MA1K4XXXX-2026-0001', await newFiles(join(dir, 'in1'), { 'a.txt': 'a' }), meta('v1')), { code: 'OCFL_ID_INVALID' })
})

t.test('remove drops paths of the previous head; paths maps every path of the new head to its content', async t => {
  const { dir, store } = await setup(t)
  const writer = new OcflObjectWriter(store)
  await writer.addVersion(ID, await newFiles(join(dir, 'in1'), { 'data/a.txt': 'alpha', 'data/b.txt': 'beta', 'data/c.txt': 'gamma' }), meta('v1'))
  const v2 = await writer.addVersion(ID, await newFiles(join(dir, 'in2'), { 'data/b.txt': 'beta, again', 'data/d.txt': 'alpha' }), meta('v2'), { expectedHead: 1, remove: ['data/a.txt', 'data/c.txt'] })
  t.same([...v2.paths].sort(), [['data/b.txt', 'v2/content/data/b.txt'], ['data/d.txt', 'v1/content/data/a.txt']])
  t.same([...v2.state.keys()].sort(), ['data/b.txt', 'data/d.txt'])
  const reader = new OcflObjectReader(store)
  await t.rejects(reader.resolve(ID, 'data/a.txt'), { code: 'OCFL_CONTENT_NOT_FOUND' }, 'removed from the head')
  t.equal((await reader.resolve(ID, 'data/a.txt', 'v1')).contentPath, 'v1/content/data/a.txt', 'and still in v1')
  await t.rejects(writer.addVersion(ID, [], meta('v3'), { remove: ['data/nope.txt'] }), { code: 'OCFL_PATH_INVALID' })
  t.same(await validateObject(store, v2.objectRoot), { valid: true, errors: [], warnings: [] })
})

t.test('repairContent moves damaged bytes to logs/quarantine/ and puts the right ones back; called again it changes nothing', async t => {
  const { dir, store } = await setup(t)
  const writer = new OcflObjectWriter(store)
  const [good] = await newFiles(join(dir, 'in1'), { 'data/a.txt': 'alpha' })
  if (good === undefined) throw new Error('no file')
  const v1 = await writer.addVersion(ID, [good], meta('v1'))
  const key = `${v1.objectRoot}/v1/content/data/a.txt`
  await writeFile(store.pathOf(key), 'alphA')
  const repaired = await writer.repairContent(ID, 'v1/content/data/a.txt', good, 'sub_1')
  t.same(repaired, { contentPath: 'v1/content/data/a.txt', quarantineKey: `${v1.objectRoot}/logs/quarantine/sub_1/v1/content/data/a.txt`, alreadyWhole: false })
  t.equal((await readAll(store, key)).toString(), 'alpha')
  t.equal((await readAll(store, repaired.quarantineKey ?? '')).toString(), 'alphA')
  t.same(await writer.repairContent(ID, 'v1/content/data/a.txt', good, 'sub_1'), { ...repaired, alreadyWhole: true }, 'a resumed repair keeps the quarantined bytes')
  t.equal((await readAll(store, repaired.quarantineKey ?? '')).toString(), 'alphA')
  t.same(await validateObject(store, v1.objectRoot), { valid: true, errors: [], warnings: [] })
  const [other] = await newFiles(join(dir, 'in2'), { 'data/a.txt': 'not alpha' })
  if (other === undefined) throw new Error('no file')
  await t.rejects(writer.repairContent(ID, 'v1/content/data/a.txt', other, 'sub_2'), { code: 'OCFL_CONTENT_NOT_FOUND' }, 'only the manifest\'s own bytes repair a content path')
})
