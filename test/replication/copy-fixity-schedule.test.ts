import t from 'tap'
import { COPY_FIXITY_JOB, COPY_ROUND_EVENT } from '../../src/replication/index.js'
import { fsNodeSpec, siteWith, storePackage } from '../fixtures/replication-site.js'

// Fixity on every copy runs on the schedule too (issue 16 item 5): each tick of the fixity schedule queues one
// round of the copies due as a job, so several processes sharing the catalogue run it once, and the job's
// runner carries it out like any other. The schedule itself is node-cron's; the test queues what a tick queues.

t.test('a scheduled copy round is one job across processes, run by its runner, and ends with its summary event', async t => {
  const s = await siteWith(t, [fsNodeSpec(t, 'wh-nas'), fsNodeSpec(t, 'cd-nas')])
  await storePackage(t, s, { 'report.txt': 'completion acceptance report' })
  await s.replicationQueue.drain()

  const job = await s.copyFixity.enqueue()
  t.match(job, { kind: COPY_FIXITY_JOB, subjectId: '*' }, 'a tick queues a round')
  t.equal(await s.copyFixity.enqueue(), null, 'a second tick while it is queued queues nothing')
  // the runner picks the job up on its poke or its next poll: wait for it (bounded), then for it to finish
  let ran = await s.catalogue.jobs.get(job?.id ?? '')
  for (let i = 0; i < 400 && ran?.state !== 'done' && ran?.state !== 'failed'; i++) {
    await Promise.all(s.runners.map(r => r.idle()))
    await new Promise(resolve => setTimeout(resolve, 25))
    ran = await s.catalogue.jobs.get(job?.id ?? '')
  }
  t.match(ran, { state: 'done' }, 'the runner ran it')
  const rounds = (await s.catalogue.events.list({ type: COPY_ROUND_EVENT, limit: 10, offset: 0 })).items
  t.equal(rounds.length, 1, 'one summary event for the round')
  t.match(rounds[0]?.detail, { checked: 0 }, 'copies just verified are not due yet')
  t.not(await s.copyFixity.enqueue(), null, 'once it is done, the next tick queues the next round')
})
