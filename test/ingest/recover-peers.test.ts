import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { PassThrough } from 'node:stream'
import { receiveLease } from '../../src/ingest/ingest.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'
import { until } from '../fixtures/wait.js'

// With peers sharing the catalogue (docs/decisions/0005-processes.md), an upload still `receiving` may be a
// peer's live one. Each upload's receiver holds the lease receive:<submission id> while the body streams;
// recovery fails an upload only when that receiver is gone: a dead process of this host, or a lease that
// ran out (another host's receiver, whose pid cannot be checked from here). Alone on the catalogue (the
// SQLite data lock held), every upload still receiving at start was cut off, as before.

const PROJECT = 'P-2026-0606'

t.test('beside peers, recovery fails only uploads whose receiver is gone and keeps a live receiver\'s staging', async t => {
  const service = await buildTestApp(t)
  const { catalogue, ingest } = service
  await catalogue.projects.create({ code: PROJECT, name: '滨江花园二期', unit: null })
  // Real processes of this host: one still running (a live peer), one that has exited (killed).
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' })
  t.teardown(() => { live.kill('SIGKILL') })
  const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await once(dead, 'exit')

  const receiving = async (holder: string | null, ttlMs = 60_000): Promise<string> => {
    const sub = await catalogue.submissions.create({ projectCode: PROJECT, contentType: 'application/x-tar', mode: 'supplement', createdBy: null })
    mkdirSync(ingest.stagingDir(sub.id), { recursive: true })
    if (holder !== null) t.ok(await catalogue.locks.tryAcquire(receiveLease(sub.id), `${holder}:receive:${sub.id}`, ttlMs))
    return sub.id
  }
  const livePeer = await receiving(`${hostname()}:${live.pid}`)
  const deadPeer = await receiving(`${hostname()}:${dead.pid}`)
  const otherHost = await receiving('archive-02.example:4242')
  const otherHostStalled = await receiving('archive-02.example:4243', 1)
  const notYetLeased = await receiving(null)
  await until('the stalled receiver\'s lease ran out', async () => Date.now() > Date.parse((await catalogue.locks.get(receiveLease(otherHostStalled)))?.expiresAt ?? '') + 1 ? true : undefined)

  const { failed } = await ingest.recover({ shared: true })
  t.same(failed.sort(), [deadPeer, otherHostStalled].sort(), 'the dead receiver\'s upload and the stalled one fail')
  for (const id of failed) {
    t.match(await catalogue.submissions.get(id), { state: 'failed', error: { code: 'UPLOAD_INCOMPLETE' } })
    t.notOk(existsSync(ingest.stagingDir(id)), 'its staging is gone')
    t.equal(await catalogue.locks.get(receiveLease(id)), null, 'its lease is released')
  }
  for (const id of [livePeer, otherHost, notYetLeased]) {
    t.match(await catalogue.submissions.get(id), { state: 'receiving' }, 'a live receiver\'s upload goes on')
    t.ok(existsSync(ingest.stagingDir(id)), 'with its staging')
  }
})

t.test('an upload arriving in this process holds its receive lease until it is received, and a sweep meanwhile leaves it be', async t => {
  const service = await buildTestApp(t)
  const { catalogue, ingest } = service
  await catalogue.projects.create({ code: PROJECT, name: '滨江花园二期', unit: null })
  const tar = tarOf(t, makeBag(t, { 'drawing.txt': 'elevation A\n'.repeat(2000) }))

  // 1. Half the body is sent and the upload waits for the rest.
  const body = new PassThrough()
  const submitted = ingest.submit({ projectCode: PROJECT, contentType: 'application/x-tar', body, expectedBytes: tar.length, principal: null })
  body.write(tar.subarray(0, 4096))
  const sub = await until('the upload is receiving', async () => (await catalogue.submissions.listByStates(['receiving']))[0])
  const lease = await until('its receive lease is held', async () => await catalogue.locks.get(receiveLease(sub.id)) ?? undefined)
  t.match(lease.holder, `${hostname()}:${process.pid}:receive:${sub.id}`, 'by this process')
  await until('its staging directory is made', () => existsSync(ingest.stagingDir(sub.id)) ? true : undefined)

  // 2. A peer's recovery (here: the same sweep) finds its receiver alive.
  t.same(await ingest.failAbandonedUploads(), [])
  t.ok(existsSync(ingest.stagingDir(sub.id)), 'its staging is kept')

  // 3. The rest arrives: received, queued, stored; the lease is given back.
  body.end(tar.subarray(4096))
  await submitted
  t.equal(await catalogue.locks.get(receiveLease(sub.id)), null, 'released once received')
  t.match(await service.settle(sub.id), { state: 'stored' })
})

t.test('alone on the catalogue (the data lock held), recovery fails every upload still receiving, as a restart always did', async t => {
  const service = await buildTestApp(t)
  const { catalogue, ingest } = service
  await catalogue.projects.create({ code: PROJECT, name: '滨江花园二期', unit: null })
  const sub = await catalogue.submissions.create({ projectCode: PROJECT, contentType: 'application/x-tar', mode: 'supplement', createdBy: null })
  t.ok(await catalogue.locks.tryAcquire(receiveLease(sub.id), `${hostname()}:${process.pid}:receive:${sub.id}`, 60_000))
  const { failed } = await ingest.recover()
  t.same(failed, [sub.id])
  t.match(await catalogue.submissions.get(sub.id), { state: 'failed', error: { code: 'UPLOAD_INCOMPLETE' } })
})
