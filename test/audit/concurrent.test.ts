import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { verifyTrail } from '../../src/audit/index.js'
import { eachEngine, makeCatalogue } from '../catalogue/helpers.js'

// Issue 15 item 8: "chains stay correct with several processes writing". Two processes, each with its
// own connection, append at once; the chain they leave is one chain, without gaps or forks.

const ROWS = 150

eachEngine(t, 'two processes appending at once leave one unbroken chain', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const script = fileURLToPath(new URL('./append-worker.ts', import.meta.url))
  const workers = ['p1', 'p2'].map(name => fork(script, [target.target, name, String(ROWS)], { execArgv: ['--import', 'tsx'] }))
  t.teardown(() => { for (const w of workers) if (w.exitCode === null) w.kill() })
  const next = (w: (typeof workers)[number]): Promise<unknown> => new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', code => { reject(new Error(`appender exited with ${String(code)}`)) })
  })
  // 1. both have opened their connection; 2. both start at once
  await Promise.all(workers.map(next))
  const done = workers.map(next)
  for (const w of workers) w.send('go')
  t.same(await Promise.all(done), [ROWS, ROWS])

  const report = await verifyTrail(c.audit)
  t.match(report, { ok: true, rows: 2 * ROWS, firstBreak: null })
  const mine = async (actor: string): Promise<number> => (await c.audit.list({ actor, limit: 1, offset: 0 })).total
  t.same([await mine('p1'), await mine('p2')], [ROWS, ROWS])
  const seqs = (await c.audit.checkpoints()).map(cp => cp.seq)
  t.ok(seqs.length >= (2 * ROWS) / 25 - 2, `checkpoints from both processes: ${seqs.join(' ')}`)
})
