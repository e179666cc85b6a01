import t from 'tap'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { eachEngine, makeCatalogue, thrown } from './helpers.js'

eachEngine(t, 'claim takes the oldest queued job of its kind, leases it and counts the attempt', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const a = await c.jobs.enqueue('ingest', 'sub_A', { resumed: false })
  clock.advance(1)
  const b = await c.jobs.enqueue('ingest', 'sub_B', null)
  await c.jobs.enqueue('fixity', 'pkg_1', { contents: 10 })
  t.match(a, { id: /^job_[0-9A-Z]{26}$/, kind: 'ingest', state: 'queued', subjectId: 'sub_A', payload: { resumed: false }, attempts: 0, leaseOwner: null })
  const got = await c.jobs.claim('ingest', 'w1', 30_000)
  t.match(got, { id: a.id, state: 'running', leaseOwner: 'w1', leaseUntil: '2024-05-01T00:00:30.001Z', attempts: 1 })
  t.equal((await c.jobs.claim('ingest', 'w1', 30_000))?.id, b.id)
  t.equal(await c.jobs.claim('ingest', 'w1', 30_000), null, 'nothing left of that kind')
  t.match(await c.jobs.claim('fixity', 'w2', 30_000), { subjectId: 'pkg_1', payload: { contents: 10 } })
  t.match(await thrown(async () => await c.jobs.claim('ingest', 'w1', 0)), { code: 'CATALOGUE_ARGUMENT_INVALID' })
})

eachEngine(t, 'two connections claiming in turn never get the same job', async (t, target) => {
  const { c, reopen } = await makeCatalogue(t, target)
  const other = await reopen()
  for (let i = 0; i < 6; i++) await c.jobs.enqueue('ingest', `sub_${i}`, {})
  const seen = new Set<string>()
  for (let i = 0; i < 3; i++) {
    for (const [cat, owner] of [[c, 'w1'], [other, 'w2']] as const) {
      const job = await cat.jobs.claim('ingest', owner, 60_000)
      t.ok(job !== null && !seen.has(job.id), `${owner} got a fresh job`)
      if (job !== null) seen.add(job.id)
    }
  }
  t.equal(seen.size, 6)
  t.equal(await other.jobs.claim('ingest', 'w2', 60_000), null)
})

eachEngine(t, 'four worker processes with their own connections claim 200 jobs at once: each job exactly once', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  const N = 200
  for (let i = 0; i < N; i++) await c.jobs.enqueue('ingest', `sub_${i}`, { i })
  const script = fileURLToPath(new URL('./claim-worker.ts', import.meta.url))
  const workers = ['w1', 'w2', 'w3', 'w4'].map(owner => fork(script, [target.target, owner], { execArgv: ['--import', 'tsx'] }))
  t.teardown(() => { for (const w of workers) if (w.exitCode === null) w.kill() })
  const next = (w: (typeof workers)[number]): Promise<unknown> => new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', code => { reject(new Error(`worker exited with ${String(code)}`)) })
  })
  // 1. every worker has opened its connection
  await Promise.all(workers.map(next))
  // 2. then all start claiming at once
  const results = workers.map(next)
  for (const w of workers) w.send('go')
  const per = await Promise.all(results) as string[][]
  t.comment(`claims per worker: ${per.map(p => p.length).join(', ')}`)
  const all = per.flat()
  t.equal(all.length, N, 'every job claimed')
  t.equal(new Set(all).size, N, 'no job claimed twice')
  t.same(await (await sql()).all("SELECT count(*) AS n FROM jobs WHERE state = 'done' AND attempts = 1"), [{ n: N }])
})

eachEngine(t, 'an expired lease is reclaimed by another owner, and the first owner has lost it', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const job = await c.jobs.enqueue('ingest', 'sub_A', {})
  await c.jobs.claim('ingest', 'w1', 10_000)
  clock.advance(5_000)
  t.match(await c.jobs.heartbeat(job.id, 'w1', 10_000, 42), { progress: 42, leaseUntil: '2024-05-01T00:00:15.000Z' })
  clock.advance(9_000)
  t.equal(await c.jobs.claim('ingest', 'w2', 10_000), null, 'the renewed lease still holds')
  clock.advance(2_000)
  t.match(await c.jobs.claim('ingest', 'w2', 10_000), { id: job.id, leaseOwner: 'w2', attempts: 2, progress: 42 })
  for (const act of [async () => await c.jobs.heartbeat(job.id, 'w1', 10_000), async () => await c.jobs.complete(job.id, 'w1'), async () => await c.jobs.fail(job.id, 'w1', 'x'), async () => await c.jobs.park(job.id, 'w1')]) {
    t.match(await thrown(act), { code: 'STATE_CONFLICT', details: { owner: 'w1', leaseOwner: 'w2' } })
  }
  t.match(await c.jobs.complete(job.id, 'w2'), { state: 'done', progress: 100, leaseOwner: null, leaseUntil: null })
  t.match(await thrown(async () => await c.jobs.heartbeat('job_NOPE', 'w2', 1000)), { code: 'JOB_NOT_FOUND' })
})

eachEngine(t, 'a claim names the owner whose lease ran out, and a queued job was taken from nobody', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.jobs.enqueue('ingest', 'sub_A', {})
  t.match(await c.jobs.claim('ingest', 'w1', 10_000), { leaseOwner: 'w1', takenOverFrom: null })
  clock.advance(10_001)
  t.match(await c.jobs.claim('ingest', 'w2', 10_000), { leaseOwner: 'w2', takenOverFrom: 'w1' })
})

eachEngine(t, 'counts gives the number of jobs of each kind in each state that has any', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.jobs.enqueue('ingest', 'sub_A', {})
  await c.jobs.enqueue('ingest', 'sub_B', {})
  await c.jobs.enqueue('fixity', '*', {})
  const claimed = await c.jobs.claim('ingest', 'w1', 10_000)
  if (claimed !== null) await c.jobs.complete(claimed.id, 'w1')
  t.same(await c.jobs.counts(), [
    { kind: 'fixity', state: 'queued', count: 1 },
    { kind: 'ingest', state: 'done', count: 1 },
    { kind: 'ingest', state: 'queued', count: 1 }
  ])
})

eachEngine(t, 'park returns a job to the queue without counting the attempt', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const job = await c.jobs.enqueue('ingest', 'sub_A', {})
  await c.jobs.claim('ingest', 'w1', 10_000)
  t.match(await c.jobs.park(job.id, 'w1'), { state: 'queued', attempts: 0, leaseOwner: null, leaseUntil: null })
  t.match(await c.jobs.claim('ingest', 'w2', 10_000), { id: job.id, attempts: 1 })
})

eachEngine(t, 'fail records the error; with retry the job is queued again and the attempt counts', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const job = await c.jobs.enqueue('ingest', 'sub_A', {})
  await c.jobs.claim('ingest', 'w1', 10_000)
  t.match(await c.jobs.fail(job.id, 'w1', { code: 'STAGING_FAILED', message: 'disk full' }, { retry: true }), { state: 'queued', attempts: 1, error: { code: 'STAGING_FAILED' } })
  await c.jobs.claim('ingest', 'w1', 10_000)
  t.match(await c.jobs.fail(job.id, 'w1', { code: 'INTERNAL', message: 'boom' }), { state: 'failed', attempts: 2, error: { code: 'INTERNAL' }, leaseOwner: null })
  t.equal(await c.jobs.claim('ingest', 'w1', 10_000), null, 'a failed job is not claimed')
  t.same((await c.jobs.get(job.id))?.state, 'failed')
  t.equal(await c.jobs.get('job_NOPE'), null)
})

eachEngine(t, 'one unfinished job per kind and subject: activeFor finds it and a second enqueue is JOB_ACTIVE', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const job = await c.jobs.enqueue('ingest', 'sub_A', {})
  t.equal((await c.jobs.activeFor('ingest', 'sub_A'))?.id, job.id)
  t.equal(await c.jobs.activeFor('fixity', 'sub_A'), null)
  t.match(await thrown(async () => await c.jobs.enqueue('ingest', 'sub_A', {})), { code: 'JOB_ACTIVE', details: { jobId: job.id } })
  t.ok(await c.jobs.enqueue('fixity', 'sub_A', {}), 'another kind is fine')
  t.ok(await c.jobs.enqueue('ingest', null, {}) && await c.jobs.enqueue('ingest', null, {}), 'jobs without a subject are not limited')
  await c.jobs.claim('ingest', 'w1', 10_000)
  t.equal((await c.jobs.activeFor('ingest', 'sub_A'))?.state, 'running')
  await c.jobs.complete(job.id, 'w1')
  t.equal(await c.jobs.activeFor('ingest', 'sub_A'), null)
  t.ok(await c.jobs.enqueue('ingest', 'sub_A', {}), 'a finished job does not block the next')
})

eachEngine(t, 'two connections claiming at the same moment each get a job, never the same one (SKIP LOCKED on PostgreSQL)', async (t, target) => {
  const { c, reopen } = await makeCatalogue(t, target)
  const other = await reopen()
  for (let i = 0; i < 20; i++) await c.jobs.enqueue('ingest', `sub_${i}`, {})
  const got: string[] = []
  for (let round = 0; round < 10; round++) {
    const pair = await Promise.all([c.jobs.claim('ingest', 'w1', 60_000), other.jobs.claim('ingest', 'w2', 60_000)])
    for (const job of pair) if (job !== null) got.push(job.id)
  }
  t.equal(got.length, 20, 'a claimer passes over the row the other holds instead of waiting for it and finding nothing')
  t.equal(new Set(got).size, 20, 'no job claimed twice')
})
