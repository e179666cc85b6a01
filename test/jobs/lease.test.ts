import t, { type Test } from 'tap'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { openCatalogue, type Catalogue } from '../../src/catalogue/index.js'
import { releaseDeadHolders, withLease } from '../../src/jobs/lease.js'
import { TestClock } from '../catalogue/helpers.js'

// withLease: work that must run alone across workers (one OCFL object) waits for the lease, holds it
// while it runs, and learns through its signal if the lease was lost.

/** A real catalogue file in the test's directory, on a clock the test moves; `reopen` is a second connection. */
async function makeCatalogue (t: Test): Promise<{ c: Catalogue, clock: TestClock, reopen: () => Promise<Catalogue> }> {
  const clock = new TestClock()
  const file = join(t.testdir(), 'catalogue.sqlite')
  const opened: Catalogue[] = []
  const reopen = async (): Promise<Catalogue> => { const c = await openCatalogue(file, clock.now); opened.push(c); return c }
  t.teardown(async () => { for (const c of opened) await c.close() })
  return { c: await reopen(), clock, reopen }
}

t.test('the second worker waits until the first releases, then runs', async t => {
  const { c, reopen } = await makeCatalogue(t)
  const other = await reopen()
  const order: string[] = []
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  const first = withLease(c.locks, 'obj', 'w1', async () => { order.push('w1 in'); await gate; order.push('w1 out') }, { pollMs: 5 })
  await new Promise(resolve => setTimeout(resolve, 20))
  const second = withLease(other.locks, 'obj', 'w2', async () => { order.push('w2 in') }, { pollMs: 5 })
  await new Promise(resolve => setTimeout(resolve, 30))
  t.same(order, ['w1 in'], 'w2 is still waiting')
  release()
  await Promise.all([first, second])
  t.same(order, ['w1 in', 'w1 out', 'w2 in'])
  t.equal(await c.locks.get('obj'), null, 'released after the work')
})

t.test('a waiter gives up when its signal aborts; the lease is released even when the work throws', async t => {
  const { c } = await makeCatalogue(t)
  t.ok(await c.locks.tryAcquire('obj', 'someone', 60_000))
  const ac = new AbortController()
  const waiting = withLease(c.locks, 'obj', 'w1', async () => 'ran', { pollMs: 5, signal: ac.signal })
  ac.abort(new Error('shutting down'))
  await t.rejects(waiting, { message: 'shutting down' })
  await c.locks.release('obj', 'someone')
  await t.rejects(withLease(c.locks, 'obj', 'w1', async () => { throw new Error('boom') }), { message: 'boom' })
  t.equal(await c.locks.get('obj'), null)
})

t.test('a lease lost to another holder aborts the work\'s signal with LOCK_LOST', async t => {
  const { c, clock } = await makeCatalogue(t)
  const seen = await withLease(c.locks, 'obj', 'w1', async signal => {
    clock.advance(100) // the lease ran out (the holder stalled) …
    t.ok(await c.locks.tryAcquire('obj', 'w2', 60_000), '… and another worker took it')
    await new Promise(resolve => setTimeout(resolve, 80)) // the next renewal notices
    return signal.reason as { code?: string } | undefined
  }, { ttlMs: 60, pollMs: 5 })
  t.match(seen, { code: 'LOCK_LOST' })
  t.match(await c.locks.get('obj'), { holder: 'w2' }, 'releasing does not take the new holder\'s lease away')
})

t.test('taking a lease that ran out tells onTakeover whose it was; a free lease is no takeover', async t => {
  const { c, clock } = await makeCatalogue(t)
  const from: string[] = []
  await withLease(c.locks, 'free', 'w2', async () => {}, { onTakeover: h => from.push(h) })
  t.ok(await c.locks.tryAcquire('obj', 'w1', 60), 'w1 holds it, then stalls')
  clock.advance(100)
  await withLease(c.locks, 'obj', 'w2', async () => {}, { ttlMs: 60_000, onTakeover: h => from.push(h) })
  t.same(from, ['w1'])
})

t.test('at start, leases of this host\'s dead processes are released; live ones and other hosts\' stay', async t => {
  const { c } = await makeCatalogue(t)
  const host = hostname()
  t.ok(await c.locks.tryAcquire('ocfl:dead', `${host}:999999:sub_1`, 60_000))
  t.ok(await c.locks.tryAcquire('ocfl:live', `${host}:${process.ppid}:sub_2`, 60_000))
  t.ok(await c.locks.tryAcquire('ocfl:mine', `${host}:${process.pid}:sub_3`, 60_000))
  t.ok(await c.locks.tryAcquire('ocfl:other-host', 'elsewhere:999999:sub_4', 60_000))
  const freed = await releaseDeadHolders(c.locks, pid => pid === process.ppid)
  t.same(freed.sort(), ['ocfl:dead', 'ocfl:mine'], 'a dead pid, and this very pid (an earlier process that had it), are released')
  t.same((await c.locks.all()).map(l => l.name), ['ocfl:live', 'ocfl:other-host'])
})
