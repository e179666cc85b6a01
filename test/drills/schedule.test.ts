import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { openCatalogue, type Catalogue } from '../../src/catalogue/index.js'
import { DRILL_JOB, DrillSchedule, drillSlot } from '../../src/drills/schedule.js'
import { HashPool } from '../../src/hashing/index.js'
import { createLogger } from '../../src/logger.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { freshPostgresDatabase, postgresAdminUrl } from '../fixtures/databases.js'
import { policiesWithoutDecision } from '../fixtures/policies.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'
import { call, freePort, ServiceChild } from '../fixtures/service-process.js'

// Issue 16 item 8, across workers: the drill schedule is a job. Every process that runs jobs ticks the
// policy's cron expression; each tick queues one `drill` job named for its slot, and only the first
// process to queue a slot's job does; one worker claims it under a lease and runs the drill.

const log = createLogger('silent')
const PROJECTS = ['2026-310104-47-01-000881', '2026-310104-47-01-000882']

t.test('a slot ticked by two processes is queued once, and not again after its drill ran', async t => {
  const s = await buildTestApp(t)
  const pool = new HashPool({ workers: 1 })
  t.teardown(async () => { await pool.close() })
  const schedule = (): DrillSchedule => new DrillSchedule({
    catalogue: s.catalogue, policy: { schedule: '30 2 * * *', sample: 1 }, policiesDir: scratch(t), dataDir: s.dataDir, scratch: scratch(t), pool, signer: null, env: {}, log
  })
  const [a, b] = [schedule(), schedule()]
  // the same 02:30:00 tick, seen a few hundred milliseconds apart by two processes
  const queued = await Promise.all([a.enqueue(new Date('2026-12-04T02:30:00.012Z')), b.enqueue(new Date('2026-12-04T02:30:00.430Z'))])
  t.equal(queued.filter(j => j !== null).length, 1, 'one of the two queues it')
  const job = queued.find(j => j !== null)
  t.match(job, { kind: DRILL_JOB, subjectId: 'schedule:2026-12-04T02:30:00.000Z', state: 'queued' })

  const claimed = await s.catalogue.jobs.claim(DRILL_JOB, 'worker-a', 60_000)
  t.equal(claimed?.id, job?.id)
  await s.catalogue.jobs.complete(job?.id ?? '', 'worker-a')
  t.equal(await b.enqueue(new Date('2026-12-04T02:30:00.990Z')), null, 'a peer whose tick comes after the drill ran does not queue it again')
  t.match(await b.enqueue(new Date('2026-12-05T02:30:00.001Z')), { subjectId: drillSlot(new Date('2026-12-05T02:30:00Z')) }, 'the next slot is queued')
  t.equal((await s.catalogue.jobs.ofKind(DRILL_JOB, 10)).length, 2)
})

t.test('with two lantai worker processes sharing one catalogue, each scheduled drill runs once', async t => {
  // Two processes on one catalogue need PostgreSQL (CI always has it: postgresAdminUrl() throws there without it).
  if (postgresAdminUrl() === null) { t.comment('NOT RUN: no test PostgreSQL outside CI; two workers cannot share a SQLite catalogue'); return }
  const dataDir = scratch(t)
  const policies = policiesWithoutDecision(join(scratch(t), 'policies'))
  const nas = join(scratch(t), 'nas')
  mkdirSync(nas)
  writeFileSync(join(policies, 'nodes.yaml'), `nodes:
  - {id: primary, primary: true, kind: filesystem, path: store, province: 北京, city: 北京, seismicRegion: NORTH_CHINA, media: disk, operator: 本馆, implementation: local-ocfl, clearance: 机密}
  - {id: nas, kind: filesystem, path: ${nas}, province: 上海, city: 上海, seismicRegion: SOUTH_CHINA, media: disk, operator: 异地库房, implementation: nas}
`)
  writeFileSync(join(policies, 'placement.yaml'), 'tiers:\n  非密: {copies: 2, provinces: 2, seismicRegions: 2, implementationsOrMedia: 2, encrypted: false}\n')
  const databaseUrl = await freshPostgresDatabase(t)
  const env = { LANTAI_DATABASE_URL: databaseUrl, LANTAI_POLICIES: policies }
  const children: ServiceChild[] = []
  t.teardown(async () => { await Promise.all(children.map(c => c.kill('SIGKILL'))) })
  const catalogue = await openCatalogue(databaseUrl)
  t.teardown(async () => { await catalogue.close() })

  // 1. One `lantai serve` stores two packages and copies them to the NAS node, then stops.
  const serve = new ServiceChild(dataDir, await freePort(), { env })
  children.push(serve)
  await serve.listening(60_000)
  const auth = { authorization: `Bearer ${serve.token() ?? ''}` }
  for (const [i, code] of PROJECTS.entries()) {
    const made = await call(serve.port, 'POST', '/v1/projects', { ...auth, 'content-type': 'application/json' }, JSON.stringify({ code, name: `演练工程 ${i}`, unit: '某建设单位' }))
    t.equal(made.status, 201, made.body)
    const sent = await call(serve.port, 'POST', `/v1/submissions?project=${code}`, { ...auth, 'content-type': 'application/x-tar' }, tarOf(t, makeBag(t, { 'plan.txt': `总平面图 ${i}\n`.repeat(50) })))
    t.equal(sent.status, 202, sent.body)
  }
  await until(async () => (await versionsOn(catalogue, 'nas')) === 2, 'both versions verified on the NAS node', serve)
  await serve.stop('SIGTERM')

  // 2. A drill every two seconds, in both workers' policy; two workers tick it for about ten seconds.
  writeFileSync(join(policies, 'drills.yaml'), "schedule: '*/2 * * * * *'\nsample: 1\ntarget: nas\n")
  const workers = [0, 1].map(() => new ServiceChild(dataDir, 0, { env, args: ['worker'] }))
  children.push(...workers)
  for (const w of workers) await until(async () => /lantai worker running/.test(w.stdout) || !w.running, 'the worker started', w)
  await until(async () => (await catalogue.drills.list({ limit: 1, offset: 0 })).total >= 4, 'four drills done', workers[0] as ServiceChild)
  for (const w of workers) t.match(await w.stop('SIGTERM'), { code: 0 }, 'a worker stops cleanly')

  // 3. One job per slot, and one drill per job that ran: no slot drilled twice, whoever ticked it.
  const jobs = await catalogue.jobs.ofKind(DRILL_JOB, 1000)
  const slots = jobs.map(j => j.subjectId ?? '')
  t.equal(new Set(slots).size, slots.length, `one job per slot (${slots.length} slots)`)
  t.ok(slots.every(s => /^schedule:\d{4}-\d\d-\d\dT\d\d:\d\d:\d[02468]\.000Z$/.test(s)), 'each named for an even second of the schedule')
  const drills = (await catalogue.drills.list({ limit: 1000, offset: 0 })).items
  const drilled = drills.map(d => d.agent)
  t.equal(new Set(drilled).size, drills.length, `no slot drilled twice (${drills.length} drills)`)
  t.ok(drilled.every(a => slots.includes(a)), 'each drill names the slot whose job ran it')
  t.ok(jobs.filter(j => j.state === 'done').every(j => drilled.includes(j.subjectId ?? '')), 'every job done left its drill')
  t.ok(drills.length >= 4)
  t.ok(drills.every(d => d.outcome === 'passed' && d.nodeId === 'nas'), 'every drill restored from the NAS node and passed')
  t.equal((await catalogue.events.list({ type: 'drill.completed', limit: 1000, offset: 0 })).total, drills.length, 'one drill.completed event each')
})

async function versionsOn (catalogue: Catalogue, nodeId: string): Promise<number> {
  const packages = await Promise.all(PROJECTS.map(async code => await catalogue.packages.getByProject(code)))
  const replicas = await catalogue.replicas.ofVersions(packages.flatMap(p => p === null ? [] : [{ packageId: p.id, version: 1 }]))
  return replicas.filter(r => r.nodeId === nodeId && r.state === 'verified').length
}

async function until (check: () => Promise<boolean>, what: string, child: ServiceChild, ms = 90_000): Promise<void> {
  const end = Date.now() + ms
  while (!await check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}\n${child.output}`)
    await sleep(100)
  }
}
