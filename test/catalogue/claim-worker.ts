import { setTimeout as sleep } from 'node:timers/promises'
import { openCatalogue } from '../../src/catalogue/index.js'

// A job worker in its own process with its own connection to the catalogue (a SQLite file or a
// PostgreSQL URL; jobs.test.ts): on 'go' it claims until the queue is empty, completes each job, and
// reports the ids it got.

const [target, owner] = process.argv.slice(2) as [string, string]
const c = await openCatalogue(target)
process.once('message', () => {
  void (async () => {
    const claimed: string[] = []
    for (let job = await c.jobs.claim('ingest', owner, 60_000); job !== null; job = await c.jobs.claim('ingest', owner, 60_000)) {
      claimed.push(job.id)
      // "work" outside any transaction, so the other workers get their turn in between
      await sleep(2)
      await c.jobs.complete(job.id, owner)
    }
    await c.close()
    process.send?.(claimed, () => process.disconnect())
  })()
})
process.send?.('ready')
