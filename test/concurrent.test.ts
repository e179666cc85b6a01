import t from 'tap'
import { eachConcurrently } from '../src/concurrent.js'

// The bounded worker loop under the store's puts, the fixity batches and bag creation.

const tick = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

t.test('every item runs once, never more than `concurrency` at a time', async t => {
  let running = 0
  let most = 0
  const seen: number[] = []
  await eachConcurrently([...Array(20).keys()], 3, async i => {
    running++
    most = Math.max(most, running)
    await tick()
    seen.push(i)
    running--
  })
  t.same([...seen].sort((a, b) => a - b), [...Array(20).keys()])
  t.equal(most, 3)
})

t.test('a failure rejects with the first error only after the items already running have settled, and starts no more', async t => {
  const started: number[] = []
  const finished: number[] = []
  const run = eachConcurrently([...Array(10).keys()], 3, async i => {
    started.push(i)
    if (i === 1) throw new Error('item 1 failed')
    // the others still write for a while after item 1 failed
    for (let k = 0; k < 5; k++) await tick()
    if (i === 2) throw new Error('item 2 failed later')
    finished.push(i)
  })
  await t.rejects(run, { message: 'item 1 failed' })
  t.same(started, [0, 1, 2], 'nothing new starts after the failure')
  t.same(finished, [0], 'the item still running when item 1 failed finished before the rejection')
})
