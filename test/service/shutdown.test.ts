import t, { type Test } from 'tap'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Submission } from '../../src/catalogue/index.js'
import { validateStorageRoot } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { tarOf } from '../fixtures/service.js'
import { call, freePort, ServiceChild } from '../fixtures/service-process.js'

// Graceful shutdown of the real service (`lantai serve`, what `npm start` runs) as a child process:
// SIGTERM stops it with exit 0 while ingest is under way, parking the job, and the next start on the
// same data directory finishes what was parked. Waits are bounded and fail with what the child said.

const EXIT_MS = 20_000
const SETTLE_MS = 60_000
const FINAL = new Set(['stored', 'rejected', 'failed'])

/** Starts children on one data dir and port; every one still running is SIGKILLed at teardown. */
function services (t: Test): { dataDir: string, start: () => Promise<ServiceChild> } {
  const dataDir = scratch(t)
  const children: ServiceChild[] = []
  let port: number | undefined
  t.teardown(async () => {
    for (const c of children) if (c.running) c.proc.kill('SIGKILL')
    await Promise.all(children.map(c => c.exited))
  })
  return {
    dataDir,
    start: async () => {
      port ??= await freePort()
      const child = new ServiceChild(dataDir, port)
      children.push(child)
      await child.ready()
      return child
    }
  }
}

async function getSubmission (child: ServiceChild, token: string, id: string): Promise<Submission> {
  const res = await call(child.port, 'GET', `/v1/submissions/${id}`, { authorization: `Bearer ${token}` })
  if (res.status !== 200) throw new Error(`GET submission ${id}: ${res.status} ${res.body}`)
  return JSON.parse(res.body) as Submission
}

t.test('the first start prints the admin token exactly once; a second start on the same data prints none', async t => {
  const { start } = services(t)
  const first = await start()
  const printed = first.tokens()
  t.equal(printed.length, 1, 'one LANTAI_TOKEN line on the first start')
  t.match(first.stdout, /lantai listening on http:\/\/127\.0\.0\.1:\d+/)
  t.same(await first.stop('SIGTERM'), { code: 0, signal: null }, 'SIGTERM on an idle service exits 0')

  const second = await start()
  t.notMatch(second.stdout, /LANTAI_TOKEN=/, 'no token line on the second start')
  t.match(second.stdout, /lantai listening on/)
  const projects = await call(second.port, 'GET', '/v1/projects', { authorization: `Bearer ${printed[0] ?? ''}` })
  t.equal(projects.status, 200, 'the token printed at the first start still works')
  t.same(await second.stop('SIGINT'), { code: 0, signal: null }, 'SIGINT exits 0 too')
})

t.test('SIGTERM while a 2,000-file package is checked, and again while it is transferred, exits 0; the next start stores it and the object validates', async t => {
  const { dataDir, start } = services(t)
  // 1. A service, a project, and a bag big enough that checking and transferring take a while.
  let child = await start()
  const token = child.tokens()[0]
  if (token === undefined) throw new Error(`no token on the first start:\n${child.output}`)
  const auth = { authorization: `Bearer ${token}` }
  const project = '2026-310104-47-01-000777'
  const created = await call(child.port, 'POST', '/v1/projects', { ...auth, 'content-type': 'application/json' }, JSON.stringify({ code: project, name: '地铁三号线' }))
  t.equal(created.status, 201, created.body)
  const payload: Record<string, string> = {}
  for (let i = 0; i < 2000; i++) payload[`资料/${String(Math.floor(i / 100)).padStart(2, '0')}/page-${i}.txt`] = `page ${i} of the as-built record\n`.repeat(1 + (i % 7))
  const body = tarOf(t, makeBag(t, payload))

  // 2. Upload; the 202 comes once the package is in staging.
  const res = await call(child.port, 'POST', `/v1/submissions?project=${project}`, { ...auth, 'content-type': 'application/x-tar' }, body)
  t.equal(res.status, 202, res.body)
  const id = (JSON.parse(res.body) as { id: string }).id

  // 3. SIGTERM once while it is checked, restart, and SIGTERM again once it is transferred: each stage
  //    must park and resume (a parked transfer leaves part of a version that recover() removes).
  const until = Date.now() + SETTLE_MS
  for (const target of ['checking', 'transferring']) {
    let state = (await getSubmission(child, token, id)).state
    while (state !== target) {
      if (FINAL.has(state) || Date.now() > until) throw new Error(`the submission went ${state} before it was ${target}; make the package bigger`)
      await sleep(10)
      state = (await getSubmission(child, token, id)).state
    }
    const exit = await child.stop('SIGTERM')
    t.same(exit, { code: 0, signal: null }, `SIGTERM while ${target}: the service exits 0 within ${EXIT_MS} ms`)
    if (exit === null) throw new Error(`no exit after SIGTERM:\n${child.output}`)
    t.notMatch(child.output, /"level":(50|60)/, 'nothing was logged as an error or fatal')
    child = await start()
  }

  // 4. The last start resumes the parked job and stores the package.
  let sub = await getSubmission(child, token, id)
  while (!FINAL.has(sub.state)) {
    if (Date.now() > until) throw new Error(`submission ${id} is still ${sub.state} after the restart:\n${child.output}`)
    await sleep(50)
    sub = await getSubmission(child, token, id)
  }
  t.match(sub, { state: 'stored', version: 1, progress: 100, error: null })
  t.same((await child.stop('SIGTERM'))?.code, 0)

  const report = await validateStorageRoot(new LocalBlobStore(join(dataDir, 'store')))
  t.same([...report.errors, ...report.warnings], [], 'the object validates with no errors and no warnings')
  t.equal(report.objects, 1)
  t.same(readdirSync(join(dataDir, 'staging')), [], 'staging is empty')
})
