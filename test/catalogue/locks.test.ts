import t from 'tap'
import { eachEngine, makeCatalogue } from './helpers.js'

// Leases in the catalogue: one holder at a time across every worker that shares it; a dead holder's
// lease runs out instead of locking the object for good.

eachEngine(t, 'a lease is held by one holder at a time, and taken over only once it has run out', async (t, target) => {
  const { c, clock, reopen } = await makeCatalogue(t, target)
  const other = await reopen()
  t.ok(await c.locks.tryAcquire('ocfl:urn:x', 'w1', 10_000), 'free: taken')
  t.notOk(await other.locks.tryAcquire('ocfl:urn:x', 'w2', 10_000), 'another worker, through another connection, is refused')
  t.ok(await c.locks.tryAcquire('ocfl:urn:x', 'w1', 10_000), 'the holder may take it again')
  t.ok(await c.locks.tryAcquire('ocfl:urn:y', 'w2', 10_000), 'another name is independent')
  clock.advance(10_000)
  t.ok(await other.locks.tryAcquire('ocfl:urn:x', 'w2', 10_000), 'run out: taken over')
  t.notOk(await c.locks.renew('ocfl:urn:x', 'w1', 10_000), 'the old holder learns it lost the lease')
  t.match(await c.locks.get('ocfl:urn:x'), { holder: 'w2' })
})

eachEngine(t, 'renewal keeps a lease alive and release frees it at once', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  t.ok(await c.locks.tryAcquire('n', 'w1', 1000))
  clock.advance(900)
  t.ok(await c.locks.renew('n', 'w1', 1000))
  clock.advance(900)
  t.notOk(await c.locks.tryAcquire('n', 'w2', 1000), 'renewed: still held')
  await c.locks.release('n', 'w2')
  t.match(await c.locks.get('n'), { holder: 'w1' }, 'only the holder releases')
  await c.locks.release('n', 'w1')
  t.equal(await c.locks.get('n'), null)
  t.ok(await c.locks.tryAcquire('n', 'w2', 1000))
})
