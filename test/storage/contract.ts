import { text } from 'node:stream/consumers'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { BlobStore } from '../../src/storage/index.js'

// The BlobStore contract, run against every backend: local disk, and S3BlobStore on Ceph RGW and on
// Swift s3api (STYLE.md "Tests"). `makeStore(t, dir)` gives a fresh, empty store; `dir` is a scratch directory for
// local files to upload.

export type MakeStore = (t: Test, scratch: string) => Promise<BlobStore>

const read = async (store: BlobStore, key: string, range?: { start: number, end?: number }): Promise<string> =>
  text(await store.get(key, range) as NodeJS.ReadableStream & AsyncIterable<Uint8Array>)

const listAll = async (store: BlobStore, prefix: string): Promise<string[]> => {
  const keys: string[] = []
  for await (const k of store.list(prefix)) keys.push(k)
  return keys.sort()
}

async function setup (t: Test, makeStore: MakeStore): Promise<{ store: BlobStore, scratch: string }> {
  const dir = t.testdir({ scratch: {}, store: {} })
  return { store: await makeStore(t, join(dir, 'scratch')), scratch: join(dir, 'scratch') }
}

export function blobStoreContract (t: Test, makeStore: MakeStore): void {
  t.test('putBytes then get returns the same bytes, and stat gives their size', async t => {
    const { store } = await setup(t, makeStore)
    await store.putBytes('a/b/c.txt', 'hello 兰台')
    t.equal(await read(store, 'a/b/c.txt'), 'hello 兰台')
    t.equal((await store.stat('a/b/c.txt'))?.size, Buffer.byteLength('hello 兰台'))
  })

  t.test('putBytes over an existing key replaces the whole object', async t => {
    const { store } = await setup(t, makeStore)
    await store.putBytes('k', 'a long first version')
    await store.putBytes('k', 'short')
    t.equal(await read(store, 'k'), 'short')
  })

  t.test('putFile copies a local file and leaves it in place; move may take it', async t => {
    const { store, scratch } = await setup(t, makeStore)
    const src = join(scratch, 'f.bin')
    await writeFile(src, 'file bytes')
    await store.putFile('x/f.bin', src)
    t.equal(await read(store, 'x/f.bin'), 'file bytes')
    t.equal(await read(store, 'x/f.bin'), 'file bytes')
    await writeFile(src, 'moved bytes')
    await store.putFile('x/g.bin', src, { move: true })
    t.equal(await read(store, 'x/g.bin'), 'moved bytes')
  })

  t.test('a byte range is inclusive, with an open end reading to the last byte', async t => {
    const { store } = await setup(t, makeStore)
    await store.putBytes('r', '0123456789')
    t.equal(await read(store, 'r', { start: 2, end: 4 }), '234')
    t.equal(await read(store, 'r', { start: 7 }), '789')
    t.equal(await read(store, 'r', { start: 8, end: 100 }), '89', 'an end past the object is clipped')
    await t.rejects(store.get('r', { start: 10 }), { code: 'STORAGE_RANGE_INVALID' })
    await t.rejects(store.get('r', { start: 5, end: 4 }), { code: 'STORAGE_RANGE_INVALID' })
  })

  t.test('get of an absent key rejects STORAGE_NOT_FOUND, and stat gives null', async t => {
    const { store } = await setup(t, makeStore)
    await t.rejects(store.get('nothing/here'), { code: 'STORAGE_NOT_FOUND' })
    t.equal(await store.stat('nothing/here'), null)
  })

  t.test('list gives every key under a prefix, recursively', async t => {
    const { store } = await setup(t, makeStore)
    for (const k of ['a/1', 'a/b/2', 'a/b/c/3', 'ab/4', 'z']) await store.putBytes(k, k)
    t.same(await listAll(store, ''), ['a/1', 'a/b/2', 'a/b/c/3', 'ab/4', 'z'])
    t.same(await listAll(store, 'a/'), ['a/1', 'a/b/2', 'a/b/c/3'])
    t.same(await listAll(store, 'a/b/'), ['a/b/2', 'a/b/c/3'])
    t.same(await listAll(store, 'a'), ['a/1', 'a/b/2', 'a/b/c/3', 'ab/4'], 'a prefix is a string prefix, as in S3')
    t.same(await listAll(store, 'none/'), [])
  })

  t.test('delete is idempotent and deletePrefix removes a whole subtree', async t => {
    const { store } = await setup(t, makeStore)
    for (const k of ['o/v1/a', 'o/v2/a', 'o/v2/b/c', 'o/v20/x']) await store.putBytes(k, k)
    await store.delete('o/v1/a')
    await store.delete('o/v1/a')
    await store.deletePrefix('o/v2/')
    t.same(await listAll(store, ''), ['o/v20/x'], 'v20 is not under the prefix v2/')
    await store.deletePrefix('o/v2/')
  })

  t.test('an empty object is stored, read back empty, and has size 0', async t => {
    const { store } = await setup(t, makeStore)
    await store.putBytes('empty/e', '')
    t.equal(await read(store, 'empty/e'), '')
    t.equal((await store.stat('empty/e'))?.size, 0)
    t.same(await listAll(store, 'empty/'), ['empty/e'])
  })

  t.test('a key with Chinese text, spaces and punctuation round-trips and is listed by a Chinese prefix', async t => {
    const { store, scratch } = await setup(t, makeStore)
    const key = '归档/测试 文件-中文名（一）+%.txt'
    await store.putBytes(key, '兰台')
    const src = join(scratch, 'plan.pdf')
    await writeFile(src, '图纸')
    await store.putFile('归档/图纸/总平面图 A-01.pdf', src)
    t.equal(await read(store, key), '兰台')
    t.equal(await read(store, '归档/图纸/总平面图 A-01.pdf'), '图纸')
    t.same(await listAll(store, '归档/'), ['归档/图纸/总平面图 A-01.pdf', key].sort())
    t.same(await listAll(store, '归档/图'), ['归档/图纸/总平面图 A-01.pdf'])
    await store.deletePrefix('归档/')
    t.same(await listAll(store, ''), [])
  })

  t.test('keys that are not clean relative keys are refused with STORAGE_KEY_INVALID', async t => {
    const { store } = await setup(t, makeStore)
    for (const key of ['', '/abs', 'a//b', 'a/./b', 'a/../b', '..', 'a\\b', 'nul\0', 'trailing/']) {
      await t.rejects(store.putBytes(key, 'x'), { code: 'STORAGE_KEY_INVALID' }, JSON.stringify(key))
      await t.rejects(store.get(key), { code: 'STORAGE_KEY_INVALID' }, JSON.stringify(key))
    }
  })
}
