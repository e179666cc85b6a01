import t from 'tap'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { openCatalogue, type Submission } from '../../src/catalogue/index.js'
import { INGEST_JOB } from '../../src/ingest/ingest.js'
import { validateStorageRoot } from '../../src/ocfl/index.js'
import { S3BlobStore } from '../../src/storage/index.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { freshPostgresDatabase, postgresAdminUrl } from '../fixtures/databases.js'
import { freshS3Store, s3TestServers } from '../fixtures/s3-servers.js'
import { tarOf } from '../fixtures/service.js'
import { call, freePort, ServiceChild } from '../fixtures/service-process.js'

// A scaled-out site with Ceph RGW as its primary store (issue 16 item 1, "Done when": a two-worker site
// runs with RGW as its primary store). One `lantai serve --no-workers` takes the uploads; two `lantai
// worker` processes check and store them; all three share one PostgreSQL catalogue, one data directory
// (staging) and one RGW bucket (LANTAI_STORE_URL), the store no process has a local file of. Then:
//   - both workers stored packages (the ingest jobs' lease owners name both pids while they ran);
//   - every package ends stored, once, and reads back over HTTP byte for byte;
//   - a fixity round, run by a worker, reads every file back from the bucket and finds them whole;
//   - the storage root in the bucket validates as OCFL, and staging ends empty.
// PostgreSQL and the S3 test servers are what the site is about: outside CI, without either, the test
// says it did not run (in CI both are required: the fixtures throw there without them).

const PACKAGES = 8
const SETTLE_MS = 180_000
const FINAL = new Set(['stored', 'rejected', 'failed'])

const rgw = s3TestServers(t).find(s => s.name === 'ceph-rgw')

t.test('lantai serve --no-workers and two lantai workers share PostgreSQL and an RGW bucket as the primary store', async t => {
  if (rgw === undefined) return // s3TestServers said why
  if (postgresAdminUrl() === null) { t.comment('NOT RUN: no test PostgreSQL outside CI; processes cannot share a SQLite catalogue'); return }
  const bucket = await freshS3Store(t, rgw)
  const url = new URL(rgw.endpoint)
  const dataDir = scratch(t)
  const databaseUrl = await freshPostgresDatabase(t)
  const env = {
    LANTAI_DATABASE_URL: databaseUrl,
    LANTAI_STORE_URL: `s3+http://${url.host}/${bucket.bucket}/site-a/`,
    LANTAI_STORE_ACCESS_KEY: rgw.accessKey,
    LANTAI_STORE_SECRET_KEY: rgw.secretKey,
    LANTAI_INGEST_CONCURRENCY: '1'
  }
  const children: ServiceChild[] = []
  t.teardown(async () => { await Promise.all(children.map(c => c.kill('SIGKILL'))) })
  const catalogue = await openCatalogue(databaseUrl)
  t.teardown(async () => { await catalogue.close() })

  // 1. The API process makes the storage root in the bucket and the first admin token; the workers join.
  const api = new ServiceChild(dataDir, await freePort(), { env, args: ['serve', '--no-workers'] })
  children.push(api)
  await api.listening(60_000)
  const token = api.token()
  if (token === null) throw new Error(`no LANTAI_TOKEN line on the first start:\n${api.output}`)
  const workers = [0, 1].map(() => new ServiceChild(dataDir, 0, { env, args: ['worker'] }))
  children.push(...workers)
  for (const w of workers) await until(() => /lantai worker running/.test(w.stdout), 'the worker started', w)
  const auth = { authorization: `Bearer ${token}` }

  // 2. Eight packages, one per project, sent at once; meanwhile, note whose lease each ingest job runs under.
  const pkgs = Array.from({ length: PACKAGES }, (_, i) => ({
    project: `2026-440106-47-01-${String(500 + i).padStart(6, '0')}`,
    text: `珠江新城 ${i} 号楼竣工图说明\n`.repeat(200 + i)
  }))
  for (const p of pkgs) {
    const made = await call(api.port, 'POST', '/v1/projects', { ...auth, 'content-type': 'application/json' }, JSON.stringify({ code: p.project, name: `珠江新城 ${p.project.slice(-3)}`, unit: '某建设单位' }))
    t.equal(made.status, 201, made.body)
  }
  const owners = new Set<string>()
  let watching = true
  const watcher = (async () => {
    while (watching) {
      for (const j of await catalogue.jobs.running(INGEST_JOB)) if (j.leaseOwner !== null) owners.add(j.leaseOwner)
      await sleep(20)
    }
  })()
  const ids = await Promise.all(pkgs.map(async p => {
    const tar = tarOf(t, makeBag(t, { '说明.txt': p.text, 'plan.bin': Buffer.alloc(200_000 + p.text.length, 0x5a) }))
    const r = await call(api.port, 'POST', `/v1/submissions?project=${p.project}`, { ...auth, 'content-type': 'application/x-tar' }, tar)
    t.equal(r.status, 202, r.body)
    return (JSON.parse(r.body) as { id: string }).id
  }))
  const subs: Submission[] = []
  for (const id of ids) {
    let sub: Submission | null = null
    await until(async () => {
      const r = await call(api.port, 'GET', `/v1/submissions/${id}`, auth)
      sub = JSON.parse(r.body) as Submission
      return FINAL.has(sub.state)
    }, `submission ${id} final`, workers[0] as ServiceChild, SETTLE_MS)
    subs.push(sub as unknown as Submission)
  }
  watching = false
  await watcher

  // 3. Both workers did work; every package is stored once and reads back from the bucket.
  const pids = workers.map(w => `:${w.proc.pid}:`)
  t.same(pids.map(pid => [...owners].some(o => o.includes(pid))), [true, true], `both workers ran ingest jobs (${[...owners].join(', ')})`)
  t.ok([...owners].every(o => pids.some(pid => o.includes(pid))), 'and only they: the API process runs none')
  t.same(subs.map(s => s.state), pkgs.map(() => 'stored'), 'every package stored')
  for (const [i, p] of pkgs.entries()) {
    const found = JSON.parse((await call(api.port, 'GET', `/v1/packages?project=${p.project}`, auth)).body) as { items: Array<{ id: string }> }
    t.equal(found.items.length, 1, `${p.project}: one package`)
    const id = found.items[0]?.id ?? ''
    const dl = await call(api.port, 'GET', `/v1/packages/${id}/files/${encodeURIComponent('data/说明.txt')}`, auth)
    t.equal(dl.status, 200)
    t.equal(dl.body, p.text, `${p.project}: data/说明.txt reads back byte for byte`)
    const stored = await call(api.port, 'GET', `/v1/events?type=submission.stored&objectId=${ids[i] ?? ''}&limit=10`, auth)
    t.equal((JSON.parse(stored.body) as { total: number }).total, 1, `${p.project}: stored once`)
  }

  // 4. A fixity round, queued through the API, run by a worker, reads every file back from the bucket.
  const run = await call(api.port, 'POST', '/v1/fixity/runs', { ...auth, 'content-type': 'application/json' }, '{}')
  t.equal(run.status, 202, run.body)
  type Round = { checked: number, ok: number, mismatches: number, missing: number }
  let round: Round | null = null
  await until(async () => {
    round = (JSON.parse((await call(api.port, 'GET', '/v1/fixity', auth)).body) as { lastRound: Round | null }).lastRound
    return round !== null
  }, 'a fixity round', workers[0] as ServiceChild, SETTLE_MS)
  const last = round as unknown as Round
  t.match(last, { mismatches: 0, missing: 0 }, 'fixity passes')
  t.ok(last.checked >= PACKAGES * 2, `every payload file checked (${last.checked})`)
  t.equal(last.ok, last.checked)

  // 5. The processes stop cleanly; the bucket's storage root validates; staging is empty.
  for (const c of [...workers, api]) t.match(await c.stop('SIGTERM'), { code: 0 }, 'stops cleanly on SIGTERM')
  const view = new S3BlobStore({ endpoint: rgw.endpoint, bucket: bucket.bucket, prefix: 'site-a/', credentials: { accessKey: rgw.accessKey, secretKey: rgw.secretKey } })
  t.teardown(() => { view.close() })
  const report = await validateStorageRoot(view)
  t.same([...report.errors, ...report.warnings], [], 'the storage root in the bucket validates clean')
  t.equal(report.objects, PACKAGES)
  t.same(readdirSync(join(dataDir, 'staging')), [], 'staging is empty')
})

async function until (check: () => boolean | Promise<boolean>, what: string, child: ServiceChild, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!await check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}\n${child.output}`)
    await sleep(50)
  }
}
