import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FixityService } from '../../src/fixity/index.js'
import { objectRootOf } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// Issue 12 item 7: GET /metrics in the Prometheus text format, behind a token like every route but
// health and docs; counters move as work happens, gauges are read from the catalogue at scrape time.

const CODE = '2026-310104-47-01-000007'

async function scrape (s: TestService, secret?: string): Promise<string> {
  const res = await s.app.inject({ method: 'GET', url: '/metrics', headers: s.auth(secret) })
  if (res.statusCode !== 200) throw new Error(`/metrics: ${res.statusCode} ${res.body}`)
  return res.body
}

/** The value of one series, by its exact name and labels as Prometheus prints them; undefined when absent. */
function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function storeOne (t: Test, s: TestService, files: Record<string, string>): Promise<Record<string, unknown> & { state: string }> {
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: CODE, name: 'metrics' } })
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${CODE}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, files)) })
  if (res.statusCode !== 202) throw new Error(res.body)
  return await s.settle((res.json() as { id: string }).id)
}

t.test('/metrics needs a token: 401 without one, 403 for a reader, the Prometheus text for admin, auditor and security officer', async t => {
  const s = await buildTestApp(t)
  const none = await s.app.inject({ method: 'GET', url: '/metrics' })
  t.equal(none.statusCode, 401)
  t.match(none.json(), { code: 'UNAUTHENTICATED' })
  const { secret: reader } = await s.catalogue.tokens.create({ role: 'reader', label: 'reader' })
  t.equal((await s.app.inject({ method: 'GET', url: '/metrics', headers: s.auth(reader) })).statusCode, 403)
  for (const role of ['auditor', 'security-officer'] as const) {
    const { secret } = await s.catalogue.tokens.create({ role, label: role })
    t.match(await scrape(s, secret), /# TYPE lantai_jobs gauge/, role)
  }
  const res = await s.app.inject({ method: 'GET', url: '/metrics', headers: s.auth() })
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(res.body, /^process_cpu_user_seconds_total \d/m, 'prom-client\'s default process metrics')
  t.match(res.body, /^nodejs_heap_size_used_bytes \d/m)
})

t.test('two services in one process keep their own registries', async t => {
  const a = await buildTestApp(t)
  const b = await buildTestApp(t)
  await storeOne(t, a, { 'a.txt': 'alpha' })
  t.equal(sample(await scrape(a), 'lantai_ingest_files_total{stage="stored"}'), 1)
  t.equal(sample(await scrape(b), 'lantai_ingest_files_total{stage="stored"}'), 0)
})

t.test('a stored submission counts its bytes and files, the jobs gauge shows its job done, and request durations carry route templates only', async t => {
  const s = await buildTestApp(t)
  const before = await scrape(s)
  t.equal(sample(before, 'lantai_ingest_bytes_total{stage="received"}'), 0)
  const sub = await storeOne(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  t.equal(sub.state, 'stored')
  const text = await scrape(s)
  t.equal(sample(text, 'lantai_ingest_bytes_total{stage="received"}'), sub.bytesReceived, 'the upload\'s bytes')
  t.ok((sample(text, 'lantai_ingest_files_total{stage="received"}') ?? 0) >= 2, 'every file of the bag, tag files included')
  t.equal(sample(text, 'lantai_ingest_bytes_total{stage="stored"}'), 'alpha'.length + 'beta'.length, 'the payload\'s bytes')
  t.equal(sample(text, 'lantai_ingest_files_total{stage="stored"}'), 2)
  t.equal(sample(text, 'lantai_jobs{kind="ingest",state="done"}'), 1)
  t.equal(sample(text, 'lantai_jobs{kind="ingest",state="queued"}'), 0, 'a state with no jobs reads 0')
  t.equal(sample(text, 'lantai_jobs{kind="ingest",state="running"}'), 0)
  t.equal(sample(text, 'lantai_lease_takeovers_total{resource="job",reason="expired"}'), undefined, 'no takeover yet')

  const contents = (await s.fixity.summary()).contents
  t.ok(contents >= 2)
  t.equal(sample(text, 'lantai_fixity_files_due'), contents, 'new content is due for its first check')
  t.equal(sample(text, 'lantai_http_request_duration_seconds_count{method="GET",route="/v1/submissions/:id",status_class="2xx"}') !== undefined, true)
  t.equal(sample(text, 'lantai_http_request_duration_seconds_count{method="POST",route="/v1/submissions",status_class="2xx"}'), 1)
  t.notOk(text.includes(String(sub.id)), 'no URL (and so no id) becomes a label')
  t.ok((sample(text, 'lantai_http_request_duration_seconds_count{method="GET",route="/metrics",status_class="2xx"}') ?? 0) >= 1)

  const run = await s.fixity.run({ mode: 'all' })
  const after = await scrape(s)
  t.equal(sample(after, 'lantai_fixity_files_checked_total{outcome="ok"}'), run.checked)
  t.equal(sample(after, 'lantai_fixity_files_damaged_total'), 0)
  t.equal(sample(after, 'lantai_fixity_files_due'), 0, 'nothing due once all was checked')
})

t.test('a fixity check that finds a damaged file counts it as damaged', async t => {
  const s = await buildTestApp(t)
  const sub = await storeOne(t, s, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  const pkg = await s.catalogue.packages.get(String(sub.packageId))
  if (pkg === null) throw new Error('not stored')
  writeFileSync(join(new LocalBlobStore(join(s.dataDir, 'store')).pathOf(objectRootOf(pkg.ocflId)), 'v1/content/data/a.txt'), 'alphA')
  // The service's own checker, without the grace pause before it believes a mismatch.
  const fixity = new FixityService({ ...s.fixity.deps, policy: { ...s.fixity.deps.policy, graceSeconds: 0 } })
  const run = await fixity.run({ mode: 'all' })
  t.equal(run.mismatches, 1)
  const text = await scrape(s)
  t.equal(sample(text, 'lantai_fixity_files_checked_total{outcome="mismatch"}'), 1)
  t.equal(sample(text, 'lantai_fixity_files_damaged_total'), 1)
  t.equal(sample(text, 'lantai_fixity_files_checked_total{outcome="ok"}'), run.checked - 1)
})

t.test('a job whose holder stopped renewing its lease is taken over by the runner, and counted', async t => {
  const s = await buildTestApp(t)
  // 1. Another worker claims a fixity run and stalls: its 1 ms lease runs out at once.
  const job = await s.catalogue.jobs.enqueue('fixity', '*', { mode: 'due' })
  t.match(await s.catalogue.jobs.claim('fixity', 'elsewhere:1:stalled', 1), { id: job.id })
  await new Promise(resolve => setTimeout(resolve, 5))
  // 2. This service's fixity runner claims it next and runs it to the end.
  for (;;) {
    for (const r of s.runners) r.poke()
    await Promise.all(s.runners.map(r => r.idle()))
    if ((await s.catalogue.jobs.get(job.id))?.state === 'done') break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const text = await scrape(s)
  t.equal(sample(text, 'lantai_lease_takeovers_total{resource="job",reason="expired"}'), 1)
  t.equal(sample(text, 'lantai_jobs{kind="fixity",state="done"}'), 1)
})
