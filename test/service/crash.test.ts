import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { openCatalogue, type Submission } from '../../src/catalogue/index.js'
import { objectRootOf, OcflObjectReader, validateStorageRoot } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { tarOf } from '../fixtures/service.js'
import { call, freePort, ServiceChild } from '../fixtures/service-process.js'

// kill -9 at random points of ingest. The real service runs as a child process (`lantai serve`); each
// trial uploads a small bag over real HTTP and SIGKILLs the child at a random delay after the upload
// starts, so the kill lands in receive, check, transfer or after the end. The child is started again
// on the same data directory, and recovery must bring every submission to a final state. After all
// trials the store must validate clean and agree with the catalogue, and staging must be empty.
//
// The delay is a random fraction (0–1.25) of how long one undisturbed ingest took on this machine,
// measured first on a fresh child (each trial's child is fresh too: the one that just recovered). A
// fixed 0–400 ms only ever hit receive: a freshly started service needs most of a second to receive a
// few hundred KB. Each trial prints the state the kill left, read from the catalogue before restart.
//
// TRIALS is fixed so the file stays well under a minute. The PRNG seed comes from LANTAI_CRASH_SEED
// (default below) and is printed: `LANTAI_CRASH_SEED=<seed> npx tap test/service/crash.test.ts`
// replays the same bags and the same delay fractions (where in ingest they land depends on timing).

const TRIALS = 6
const KILL_SPAN = 1.25
const DEFAULT_SEED = 20261124
const SETTLE_MS = 30_000
const FINAL = new Set(['stored', 'rejected', 'failed'])

const seed = Number(process.env.LANTAI_CRASH_SEED ?? DEFAULT_SEED)

/** mulberry32: small, seedable, good enough to pick sizes and delays. */
function prng (s: number): () => number {
  let a = s >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A bag of 20–80 files, 10–250 KB (kept small: every file costs fsyncs in the store, and the file must
 * stay under a minute). `shared/` files have the same path and bytes in every trial that picks them,
 * so later versions deduplicate against earlier ones; `trial-N/` files are new in each trial.
 */
function trialBag (rand: () => number, trial: number): Record<string, Buffer> {
  const payload: Record<string, Buffer> = {}
  const shared = 10 + Math.floor(rand() * 10)
  for (let i = 0; i < shared; i++) {
    const n = Math.floor(rand() * 30)
    payload[`shared/图纸-${n}.txt`] = Buffer.from(`shared drawing ${n}\n`.repeat(40 + n))
  }
  const own = 10 + Math.floor(rand() * 50)
  for (let i = 0; i < own; i++) {
    const size = 200 + Math.floor(rand() * 4000)
    const bytes = Buffer.alloc(size)
    for (let j = 0; j < size; j++) bytes[j] = Math.floor(rand() * 256)
    payload[`trial-${trial}/file-${i}.bin`] = bytes
  }
  return payload
}

/** Sends the tar and never rejects: a killed service is the expected outcome, not an error. */
function upload (port: number, token: string, project: string, body: Buffer): Promise<string> {
  return call(port, 'POST', `/v1/submissions?project=${project}`, { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' }, body)
    .then(r => `${r.status}`, (err: NodeJS.ErrnoException) => err.code ?? err.message)
}

async function listSubmissions (port: number, token: string, project: string): Promise<Submission[]> {
  const res = await call(port, 'GET', `/v1/submissions?project=${project}&limit=100`, { authorization: `Bearer ${token}` })
  if (res.status !== 200) throw new Error(`list submissions: ${res.status} ${res.body}`)
  return (JSON.parse(res.body) as { items: Submission[] }).items
}

async function settleAll (child: ServiceChild, token: string, project: string): Promise<Submission[]> {
  const until = Date.now() + SETTLE_MS
  for (;;) {
    const subs = await listSubmissions(child.port, token, project)
    const open = subs.filter(s => !FINAL.has(s.state))
    if (open.length === 0) return subs
    if (Date.now() > until) {
      throw new Error(`recovery left submissions unfinished after ${SETTLE_MS} ms: ${open.map(s => `${s.id} ${s.state}`).join(', ')}\n${child.output}`)
    }
    await sleep(100)
  }
}

/** The newest submission's state, read from the catalogue file while no service runs. */
async function stateOfLatest (dataDir: string): Promise<string> {
  const catalogue = await openCatalogue(join(dataDir, 'catalogue.sqlite'))
  try {
    const latest = (await catalogue.submissions.list({ limit: 1, offset: 0 })).items[0]
    return latest === undefined ? 'no submission' : latest.state
  } finally {
    await catalogue.close()
  }
}

async function sha512Of (path: string): Promise<string> {
  const hash = createHash('sha512')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

t.test(`kill -9 at random points of ingest (${TRIALS} trials, seed ${seed}) leaves a store that validates and matches the catalogue`, async t => {
  t.comment(`LANTAI_CRASH_SEED=${seed}`)
  const rand = prng(seed)
  const dataDir = scratch(t)
  const port = await freePort()
  const children: ServiceChild[] = []
  t.teardown(async () => { await Promise.all(children.map(c => c.kill('SIGKILL'))) })
  const start = async (): Promise<ServiceChild> => {
    const child = new ServiceChild(dataDir, port)
    children.push(child)
    await child.ready()
    return child
  }

  // 1. First start: the token, then a project.
  let child = await start()
  const token = child.token()
  if (token === null) throw new Error(`no LANTAI_TOKEN line on the first start:\n${child.output}`)
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const project = '2026-310104-47-01-000099'
  const created = await call(port, 'POST', '/v1/projects', auth, JSON.stringify({ code: project, name: '滨江花园二期', unit: '某建设单位' }))
  t.equal(created.status, 201, created.body)

  // 2. Calibration: one undisturbed ingest on a fresh child says how long receive → stored takes here.
  const began = Date.now()
  const first = await upload(port, token, project, tarOf(t, makeBag(t, trialBag(rand, 0))))
  t.equal(first, '202', 'the calibration upload is accepted')
  const calibrated = await settleAll(child, token, project)
  const ingestMs = Date.now() - began
  t.equal(calibrated[0]?.state, 'stored', 'the calibration upload is stored')
  t.comment(`one ingest after a fresh start took ${ingestMs} ms; kills land within 0–${Math.round(KILL_SPAN * ingestMs)} ms`)

  // 3. The trials: upload, SIGKILL at a random delay, restart, let recovery finish.
  for (let trial = 1; trial <= TRIALS; trial++) {
    const body = tarOf(t, makeBag(t, trialBag(rand, trial)))
    const delay = Math.floor(rand() * KILL_SPAN * ingestMs)
    const sent = upload(port, token, project, body)
    await sleep(delay)
    await child.kill('SIGKILL')
    const outcome = await sent
    const killedIn = await stateOfLatest(dataDir)
    child = await start()
    const subs = await settleAll(child, token, project)
    t.comment(`trial ${trial}: ${body.length} bytes, killed after ${delay} ms in ${killedIn} (upload: ${outcome}); recovered to ${subs[0]?.state ?? 'none'} ${subs[0]?.error?.code ?? ''}`)
  }

  // 4. After the crashes, an upload the service is left alone with is stored.
  const last = await call(port, 'POST', `/v1/submissions?project=${project}`, { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' },
    tarOf(t, makeBag(t, { ...trialBag(rand, TRIALS + 1), 'final.txt': randomBytes(64) })))
  t.equal(last.status, 202, last.body)
  const lastId = (JSON.parse(last.body) as { id: string }).id
  const settled = await settleAll(child, token, project)
  t.equal(settled.find(s => s.id === lastId)?.state, 'stored', 'the service still stores after the crashes')

  // 5. Stop gracefully, then look at the data directory directly.
  await child.kill('SIGTERM')
  const storeRoot = join(dataDir, 'store')
  const store = new LocalBlobStore(storeRoot)

  // (a) every OCFL object validates clean
  const report = await validateStorageRoot(store)
  t.same([...report.errors, ...report.warnings], [], 'the storage root validates with no errors and no warnings')
  t.ok(report.objects >= 1, 'there is at least one object')

  const catalogue = await openCatalogue(join(dataDir, 'catalogue.sqlite'))
  t.teardown(() => catalogue.close())
  const reader = new OcflObjectReader(store)

  // (b) the catalogue matches the store
  const packages = (await catalogue.packages.search({ limit: 100, offset: 0 })).items
  for (const pkg of packages) {
    const inventory = await reader.readInventory(pkg.ocflId)
    t.equal(`v${pkg.headVersion}`, inventory.head, `${pkg.ocflId}: the catalogue's head is the inventory's`)
    const contentPaths = new Set<string>()
    for (const v of await catalogue.packages.versions(pkg.id)) {
      t.equal(inventory.versions[`v${v.number}`]?.message, v.message, `${pkg.ocflId} v${v.number}: the catalogue has the inventory's message`)
      t.match(v.message, new RegExp(`^submission ${v.submissionId}( \\(|$)`), `${pkg.ocflId} v${v.number} is the version of ${v.submissionId}`)
      const files = await catalogue.packages.files(pkg.id, { version: v.number, limit: 100_000, offset: 0 })
      t.equal(files.total, Object.values(inventory.versions[`v${v.number}`]?.state ?? {}).flat().length, `${pkg.ocflId} v${v.number}: the catalogue lists every path of the version's state`)
      for (const f of files.items) contentPaths.add(f.contentPath)
    }
    t.equal(contentPaths.size, pkg.contentCount, `${pkg.ocflId}: every content row is used by a version`)
    const problems: string[] = []
    for (const contentPath of contentPaths) {
      const content = await catalogue.packages.content(pkg.id, contentPath)
      if (content === null) { problems.push(`${contentPath}: no content row`); continue }
      if (inventory.manifest[content.sha512]?.includes(contentPath) !== true) problems.push(`${contentPath}: not in the manifest under the catalogue's sha512`)
      const found = await sha512Of(join(storeRoot, objectRootOf(pkg.ocflId), contentPath)).catch((e: Error) => e.message)
      if (found !== content.sha512) problems.push(`${contentPath}: sha512 in the store is ${found}`)
    }
    t.same(problems, [], `${pkg.ocflId}: each of ${contentPaths.size} content files is in the store with the catalogue's sha512`)
  }
  const known = new Set(packages.map(p => p.ocflId))
  for await (const object of reader.listObjects()) {
    if (object.id === undefined) continue // no committed version: not an object yet
    t.ok(known.has(object.id), `${object.id} in the store has a package in the catalogue`)
  }

  // (c) every submission is final; stored ones name a version that exists
  const subs = (await catalogue.submissions.list({ limit: 1000, offset: 0 })).items
  // An upload killed before its request reached a route leaves no submission at all.
  t.ok(subs.length >= 2 && subs.length <= TRIALS + 2, `${subs.length} submissions for ${TRIALS + 2} uploads`)
  for (const s of subs) {
    if (s.state === 'stored') {
      const pkg = s.packageId === null ? null : await catalogue.packages.get(s.packageId)
      const version = pkg === null ? undefined : (await catalogue.packages.versions(pkg.id)).find(v => v.number === s.version)
      t.equal(version?.submissionId, s.id, `${s.id} stored as v${String(s.version)}, which exists`)
    } else if (s.state === 'failed') {
      t.equal(s.error?.code, 'UPLOAD_INCOMPLETE', `${s.id} failed with a clear code: ${s.error?.message ?? ''}`)
    } else {
      t.equal(s.state, 'rejected', `${s.id} is final`)
      t.equal(s.error?.code, 'DUPLICATE_SUBMISSION', `${s.id}: ${s.error?.message ?? ''}`)
    }
  }

  // (d) staging is empty
  t.same(readdirSync(join(dataDir, 'staging')), [], 'staging is empty')
})
