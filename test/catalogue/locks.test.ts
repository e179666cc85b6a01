import t from 'tap'
import { makeCatalogue } from './helpers.js'

// Leases in the catalogue: one holder at a time across every worker that shares it; a dead holder's
// lease runs out instead of locking the object for good.

t.test('a lease is held by one holder at a time, and taken over only once it has run out', async t => {
  const { c, clock, reopen } = makeCatalogue(t)
  const other = reopen()
  t.ok(c.locks.tryAcquire('ocfl:urn:x', 'w1', 10_000), 'free: taken')
  t.notOk(other.locks.tryAcquire('ocfl:urn:x', 'w2', 10_000), 'another worker, through another connection, is refused')
  t.ok(c.locks.tryAcquire('ocfl:urn:x', 'w1', 10_000), 'the holder may take it again')
  t.ok(c.locks.tryAcquire('ocfl:urn:y', 'w2', 10_000), 'another name is independent')
  clock.advance(10_000)
  t.ok(other.locks.tryAcquire('ocfl:urn:x', 'w2', 10_000), 'run out: taken over')
  t.notOk(c.locks.renew('ocfl:urn:x', 'w1', 10_000), 'the old holder learns it lost the lease')
  t.match(c.locks.get('ocfl:urn:x'), { holder: 'w2' })
})

t.test('renewal keeps a lease alive and release frees it at once', async t => {
  const { c, clock } = makeCatalogue(t)
  t.ok(c.locks.tryAcquire('n', 'w1', 1000))
  clock.advance(900)
  t.ok(c.locks.renew('n', 'w1', 1000))
  clock.advance(900)
  t.notOk(c.locks.tryAcquire('n', 'w2', 1000), 'renewed: still held')
  c.locks.release('n', 'w2')
  t.match(c.locks.get('n'), { holder: 'w1' }, 'only the holder releases')
  c.locks.release('n', 'w1')
  t.equal(c.locks.get('n'), null)
  t.ok(c.locks.tryAcquire('n', 'w2', 1000))
})
