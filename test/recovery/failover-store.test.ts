import { renameSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { initStorageRoot } from '../../src/ocfl/index.js'
import { FailoverStore, type Serving } from '../../src/recovery/failover-store.js'
import { LocalBlobStore, readAll } from '../../src/storage/index.js'

// The store behind serving from a replica: reads fail over when the primary's root is gone, writes are
// refused meanwhile, and serving returns to the primary once it is back and looked at again.

t.test('reads fail over to a replica while the primary root is gone, and come back to it', async t => {
  const dir = t.testdir()
  const primary = new LocalBlobStore(join(dir, 'primary'))
  const replica = new LocalBlobStore(join(dir, 'replica'))
  for (const s of [primary, replica]) await initStorageRoot(s)
  await primary.putBytes('a/b.txt', 'primary')
  await replica.putBytes('a/b.txt', 'replica')
  let ms = 0
  const changes: Serving[] = []
  const store = new FailoverStore(primary, { replicas: async () => [{ id: 'nas-1', store: replica }], recheckMs: 1000, now: () => new Date(ms), onChange: s => changes.push(s) })

  t.equal((await readAll(store, 'a/b.txt')).toString(), 'primary')
  t.equal(await store.stat('a/missing'), null, 'a miss on a healthy primary stays a miss')
  t.same(store.serving(), { from: 'primary' })

  renameSync(join(dir, 'primary'), join(dir, 'away'))
  t.equal((await readAll(store, 'a/b.txt')).toString(), 'replica')
  t.match(store.serving(), { from: 'replica', node: 'nas-1', reason: /0=ocfl_1\.1/ })
  await t.rejects(store.putBytes('x', 'y'), { code: 'PRIMARY_LOST' }, 'no write lands on one copy only')

  renameSync(join(dir, 'away'), join(dir, 'primary'))
  t.equal((await readAll(store, 'a/b.txt')).toString(), 'replica', 'until the primary is looked at again')
  ms += 1000
  t.equal((await readAll(store, 'a/b.txt')).toString(), 'primary', 'then served from it again')
  t.same(changes.map(c => c.from), ['replica', 'primary'])
})

t.test('a primary marked lost is left even while its disk answers; no replica with a root is PRIMARY_LOST', async t => {
  const dir = t.testdir()
  const primary = new LocalBlobStore(join(dir, 'primary'))
  const replica = new LocalBlobStore(join(dir, 'replica'))
  await initStorageRoot(primary)
  let lost = false
  const store = new FailoverStore(primary, { replicas: async () => [{ id: 'empty', store: replica }], primaryMarkedLost: async () => lost })
  t.same(await store.probe(), { from: 'primary' })
  lost = true
  await t.rejects(store.probe(), { code: 'PRIMARY_LOST', message: /marked lost.*no replica/ })
  await initStorageRoot(replica)
  t.match(await store.probe(), { from: 'replica', node: 'empty', reason: 'the primary node is marked lost' })
})
