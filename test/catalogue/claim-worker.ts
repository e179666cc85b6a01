import { openSyncCatalogue as openCatalogue } from '../../src/catalogue/index.js'

// A job worker in its own process with its own connection to the catalogue file (jobs.test.ts):
// on 'go' it claims until the queue is empty, completes each job, and reports the ids it got.

const [file, owner] = process.argv.slice(2) as [string, string]
const c = openCatalogue(file)
const pause = new Int32Array(new SharedArrayBuffer(4))
process.once('message', () => {
  const claimed: string[] = []
  for (let job = c.jobs.claim('ingest', owner, 60_000); job !== null; job = c.jobs.claim('ingest', owner, 60_000)) {
    claimed.push(job.id)
    // "work" outside any transaction, so the other workers get the write lock in between
    Atomics.wait(pause, 0, 0, 2)
    c.jobs.complete(job.id, owner)
  }
  c.close()
  process.send?.(claimed, () => process.disconnect())
})
process.send?.('ready')
