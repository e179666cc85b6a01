import t from 'tap'
import { collectGarbage } from '../src/memory.js'

t.test('collectGarbage frees what nothing refers to any more, without a --expose-gc flag', async t => {
  t.notOk(process.execArgv.some(a => a.startsWith('--expose-gc')), 'the test process has no such flag')
  let garbage: Array<{ i: number, s: string }> | null = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `file ${i}` }))
  const before = process.memoryUsage().heapUsed
  t.equal(garbage.length, 400_000)
  garbage = null
  collectGarbage()
  const after = process.memoryUsage().heapUsed
  t.ok(before - after > 10 * 1024 * 1024, `the heap shrank by ${Math.round((before - after) / 1048576)} MB`)
})
