import t from 'tap'
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { READY_CHECK_MS } from '../../src/http/routes/health.js'
import { STORAGE_DECLARATION } from '../../src/ocfl/index.js'
import { buildTestApp } from '../fixtures/service.js'

// Issue 12 item 7: /readyz says whether the service can do its work (the catalogue answers, the OCFL
// storage root is readable); /healthz only that the process lives. Both need no token: probes carry none.

t.test('readyz answers 200 ready with both checks ok, without a token', async t => {
  const s = await buildTestApp(t)
  const res = await s.app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ready', checks: { catalogue: 'ok', store: 'ok' } })
})

t.test('with the storage root gone, readyz answers 503 problem+json naming the store, and healthz still 200', async t => {
  const s = await buildTestApp(t)
  renameSync(join(s.dataDir, 'store'), join(s.dataDir, 'store.moved'))
  const res = await s.app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { code: 'NOT_READY', status: 503, checks: { catalogue: 'ok', store: 'failed' }, detail: /store \(local:.*\): .*0=ocfl_1\.1/ })
  const zh = await s.app.inject({ method: 'GET', url: '/readyz', headers: { 'accept-language': 'zh-CN' } })
  t.match(zh.json(), { detail: /^服务尚未就绪：store/ })
  t.equal((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness asks nothing of the store')
})

t.test('with the catalogue closed, readyz answers 503 naming the catalogue', async t => {
  const s = await buildTestApp(t)
  // The runners poll the catalogue; stopped first, so only the probe meets the closed database.
  await Promise.all(s.runners.map(r => r.stop()))
  await s.catalogue.close()
  const res = await s.app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'NOT_READY', checks: { catalogue: 'failed', store: 'ok' }, detail: /catalogue: / })
})

t.test('a check that does not answer fails at its deadline, so the probe gets a 503 rather than a hang', async t => {
  const s = await buildTestApp(t)
  // A named pipe with no writer in place of the root declaration: opening it blocks, as a read from a
  // hung network mount does. Nothing here is mocked; the store really waits.
  const declaration = join(s.dataDir, 'store', STORAGE_DECLARATION)
  rmSync(declaration)
  execFileSync('mkfifo', [declaration])
  const res = await s.app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'NOT_READY', checks: { catalogue: 'ok', store: 'failed' }, detail: new RegExp(`store \\(local:.*\\): no answer within ${READY_CHECK_MS} ms`) })
  // Let the stuck read end (a writer opens and closes the pipe), so no thread waits past the test.
  closeSync(openSync(declaration, 'w'))
})
