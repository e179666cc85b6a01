import t from 'tap'
import { ByteRing, type Region } from '../../src/hashing/hash-arena.js'

// The arena's ring: regions are handed out in order, given back in any order, and a region's space is
// reused only once every region before it is back.

const region = async (ring: ByteRing, len: number): Promise<Region> => await ring.reserve(len)

t.test('regions follow one another from the start of the buffer', async t => {
  const ring = new ByteRing(100)
  const a = await region(ring, 30)
  const b = await region(ring, 50)
  t.match([a, b], [{ off: 0, len: 30 }, { off: 30, len: 50 }])
  t.equal(ring.inUse, 2)
})

t.test('a region that does not fit at the end wraps to the start once the regions there are back', async t => {
  const ring = new ByteRing(100)
  const a = await region(ring, 40)
  const b = await region(ring, 40)
  const waiting = ring.reserve(30) // 20 bytes left at the end, and the start is taken
  t.ok(waiting instanceof Promise, 'no room yet: a promise')
  ring.release(a)
  t.match(await waiting, { off: 0, len: 30 })
  ring.release(b)
  t.match(await region(ring, 10), { off: 30, len: 10 }, 'then it goes on after the wrapped region')
})

t.test('space behind a region still in use is not reused, however many later regions come back', async t => {
  const ring = new ByteRing(100)
  const a = await region(ring, 50)
  const b = await region(ring, 50)
  ring.release(b)
  const waiting = ring.reserve(10)
  t.ok(waiting instanceof Promise, 'a is still in use')
  ring.release(a)
  t.match(await waiting, { off: 0, len: 10 }, 'an empty ring starts over at 0')
  t.equal(ring.inUse, 1)
})

t.test('waiters are served in the order they asked, each once there is room for it', async t => {
  const ring = new ByteRing(100)
  const a = await region(ring, 100)
  const order: number[] = []
  const first = Promise.resolve(ring.reserve(60)).then(r => { order.push(60); return r })
  const second = Promise.resolve(ring.reserve(10)).then(r => { order.push(10); return r })
  ring.release(a)
  const [r1, r2] = await Promise.all([first, second])
  t.same(order, [60, 10], 'the small request did not jump the queue')
  t.match([r1, r2], [{ off: 0, len: 60 }, { off: 60, len: 10 }])
})

t.test('a request larger than the ring, or empty, is refused at once', async t => {
  const ring = new ByteRing(100)
  t.throws(() => ring.reserve(101), RangeError)
  t.throws(() => ring.reserve(0), RangeError)
})

t.test('giving a region back twice changes nothing', async t => {
  const ring = new ByteRing(100)
  const a = await region(ring, 60)
  const b = await region(ring, 20)
  ring.release(a)
  ring.release(a)
  t.equal(ring.inUse, 1)
  ring.release(b)
  t.equal(ring.inUse, 0)
})
