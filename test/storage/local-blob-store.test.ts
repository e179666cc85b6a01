import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { LocalBlobStore, type BlobStore } from '../../src/storage/index.js'
import { parseStagingName, STAGING_STALE_MS, stagingName } from '../../src/storage/local-blob-store.js'
import { blobStoreContract } from './contract.js'

t.test('LocalBlobStore meets the BlobStore contract', async t => {
  blobStoreContract(t, async (_t, scratch) => new LocalBlobStore(join(scratch, '..', 'store')))
})

t.test('the staging directory is never listed and holds nothing after a put', async t => {
  const dir = t.testdir({ store: {}, src: { 'f.txt': 'bytes' } })
  const store = new LocalBlobStore(join(dir, 'store'))
  await store.putBytes('a', 'x')
  await store.putFile('b/c', join(dir, 'src', 'f.txt'))
  const keys: string[] = []
  for await (const k of store.list('')) keys.push(k)
  t.same(keys.sort(), ['a', 'b/c'])
  t.same(await readdir(join(dir, 'store', '.staging')), [])
  await t.rejects(store.putBytes('.staging/x', 'y'), { code: 'STORAGE_KEY_INVALID' })
})

t.test('a symlink is neither listed nor followed, as the object or as a parent directory', async t => {
  const dir = t.testdir({ store: { real: { 'in.txt': 'inside' } }, outside: { 'secret.txt': 'outside' } })
  const root = join(dir, 'store')
  await symlink(join(dir, 'outside', 'secret.txt'), join(root, 'link.txt'))
  await symlink(join(dir, 'outside'), join(root, 'linkdir'))
  const store = new LocalBlobStore(root)
  const keys: string[] = []
  for await (const k of store.list('')) keys.push(k)
  t.same(keys, ['real/in.txt'])
  await t.rejects(store.get('link.txt'), { code: 'STORAGE_NOT_FOUND' })
  await t.rejects(store.get('linkdir/secret.txt'), { code: 'STORAGE_NOT_FOUND' })
  t.equal(await store.stat('linkdir/secret.txt'), null)
})

t.test('deleting the last key of a directory removes the emptied directories', async t => {
  const dir = t.testdir({ store: {} })
  const store = new LocalBlobStore(join(dir, 'store'))
  await store.putBytes('a/b/c/d', 'x')
  await mkdir(join(dir, 'store', 'keep'))
  await writeFile(join(dir, 'store', 'keep', 'f'), 'y')
  await store.delete('a/b/c/d')
  t.same((await readdir(join(dir, 'store'))).filter(n => n !== '.staging').sort(), ['keep'])
})

t.test('opening a read-only tree writes nothing into it', async t => {
  const dir = t.testdir({ tree: { 'f.txt': 'x' } })
  const store = new LocalBlobStore(join(dir, 'tree'))
  for await (const _ of store.list('')) { /* walk */ }
  await store.stat('f.txt')
  t.same(await readdir(join(dir, 'tree')), ['f.txt'])
})

t.test('removeStagingLeftovers empties .staging, counts what it removed, and leaves stored keys alone', async t => {
  const dir = t.testdir({ store: { '.staging': { '3f9a': 'half-written', 'b71c': 'another' }, kept: { 'k.txt': 'stored' } } })
  const store = new LocalBlobStore(join(dir, 'store'))
  t.equal(await store.removeStagingLeftovers(), 2)
  t.same(await readdir(join(dir, 'store', '.staging')), [])
  t.equal(await store.removeStagingLeftovers(), 0, 'nothing the second time')
  t.ok(await store.stat('kept/k.txt'))
  t.equal(await new LocalBlobStore(join(dir, 'absent')).removeStagingLeftovers(), 0, 'a store never written to has no .staging')
})

t.test('beside peers sharing the store, removeStagingLeftovers removes only files of dead writers on this host and files untouched for hours', async t => {
  // Real processes: a live writer (a child that waits) and a dead one (a child that has exited).
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' })
  t.teardown(() => { live.kill('SIGKILL') })
  const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await once(dead, 'exit')
  const host = hostname()
  const names = {
    liveWriter: `${host}~${live.pid}~00aa11bb22cc33dd`,
    thisProcess: `${host}~${process.pid}~44ee55ff66aa77bb`,
    deadWriter: `${host}~${dead.pid}~8899aabbccddeeff`,
    otherHost: 'archive-02.example~4242~0123456789abcdef',
    otherHostOld: 'archive-02.example~4243~fedcba9876543210',
    unnamedOld: '9c1e0f2a7b3d4e5f6a7b8c9d'
  }
  const dir = t.testdir({ store: { '.staging': Object.fromEntries(Object.values(names).map(n => [n, 'half of a put'])) } })
  const staging = join(dir, 'store', '.staging')
  const hoursAgo = new Date(Date.now() - STAGING_STALE_MS - 60_000)
  for (const old of [names.otherHostOld, names.unnamedOld]) await utimes(join(staging, old), hoursAgo, hoursAgo)
  const store = new LocalBlobStore(join(dir, 'store'))

  t.equal(await store.removeStagingLeftovers({ shared: true }), 3)
  t.same((await readdir(staging)).sort(), [names.liveWriter, names.thisProcess, names.otherHost].sort(), 'live writers\' and other hosts\' recent files are kept')
  t.equal(await store.removeStagingLeftovers(), 3, 'alone on the store (the data lock held), everything there is a leftover')
})

t.test('a staging file names its writer: this host and this pid', async t => {
  t.same(parseStagingName(stagingName()), { host: hostname(), pid: process.pid })
  t.equal(parseStagingName('9c1e0f2a7b3d4e5f6a7b8c9d'), null, 'a name from before has no writer')
})

t.test('putFiles refuses a source that is not the regular file of the size its caller gave (STORAGE_SOURCE_CHANGED)', async t => {
  const dir = t.testdir({ store: {}, src: { 'f.txt': 'bytes', 'target.txt': 'elsewhere' } })
  await symlink(join(dir, 'src', 'target.txt'), join(dir, 'src', 'link.txt'))
  const store = new LocalBlobStore(join(dir, 'store'))
  for (const link of [true, false]) {
    await t.rejects(store.putFiles([{ key: 'a', localPath: join(dir, 'src', 'f.txt'), size: 4 }], { link }), { code: 'STORAGE_SOURCE_CHANGED' }, `wrong size, link ${link}`)
    await t.rejects(store.putFiles([{ key: 'b', localPath: join(dir, 'src', 'link.txt'), size: 9 }], { link }), { code: 'STORAGE_SOURCE_CHANGED' }, `a symlink, link ${link}`)
  }
  await store.putFiles([{ key: 'c', localPath: join(dir, 'src', 'f.txt'), size: 5 }], { link: true })
  t.equal(String((await store.stat('c'))?.size), '5')
})

t.test('a local store names the file behind a key for fast paths, and refuses one behind a linked directory unless told not to confine', async t => {
  const dir = t.testdir({ store: { real: { 'in.txt': 'inside' } }, outside: { 'secret.txt': 'outside' } })
  const root = join(dir, 'store')
  await symlink(join(dir, 'outside'), join(root, 'linkdir'))
  const store: BlobStore = new LocalBlobStore(root)
  t.equal(await store.localPath?.('real/in.txt'), join(root, 'real', 'in.txt'))
  t.equal(await store.localPath?.('not/yet/there'), join(root, 'not', 'yet', 'there'), 'a key not yet written has a path too')
  await t.rejects(async () => await store.localPath?.('linkdir/secret.txt'), { code: 'STORAGE_NOT_FOUND' })
  t.equal(await store.localPath?.('linkdir/secret.txt', { confine: false }), join(root, 'linkdir', 'secret.txt'), 'unconfined: the path as it stands, for lstat or an O_NOFOLLOW open')
  await t.rejects(async () => await store.localPath?.('../escape'), { code: 'STORAGE_KEY_INVALID' })
})
