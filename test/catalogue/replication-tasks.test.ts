import t from 'tap'
import type { Catalogue, StorageNodeInput } from '../../src/catalogue/index.js'
import { contentOf, digestsOf, eachEngine, makeCatalogue, transferringSubmission } from './helpers.js'

// The replication queue on both engines: stored versions read after a cursor, planned copies become
// tasks once, claims keep within a bound per node, a failure waits out its backoff, a shutdown does not
// count as an attempt, and only a read-back file is recorded on a node.

const node = (id: string): StorageNodeInput => ({
  id, kind: 'filesystem', primary: false, endpoint: null, bucket: null, path: `/srv/${id}`, credentials: null,
  province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA', media: 'disk', operator: '异地', implementation: 'nas', clearance: '非密', state: 'active', capacityBytes: null
})

async function storedPackage (c: Catalogue, code: string): Promise<string> {
  const sub = await transferringSubmission(c, code)
  const pkg = await c.packages.recordVersion({
    projectCode: code, ocflId: code, version: { number: 1, submissionId: sub, message: 'first' },
    files: [{ logicalPath: 'data/a.pdf', contentPath: 'v1/content/data/a.pdf', ...digestsOf('A') }, { logicalPath: 'data/b.pdf', contentPath: 'v1/content/data/b.pdf', ...digestsOf('BB') }],
    contents: [contentOf('v1/content/data/a.pdf', 'A'), contentOf('v1/content/data/b.pdf', 'BB')]
  })
  return pkg.id
}

eachEngine(t, 'planned copies become tasks claimed within a per-node bound, with backoff and parking', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.nodes.syncFromPolicy([node('sh-nas'), node('cd-nas')])
  const p1 = await storedPackage(c, 'P-1')
  const p2 = await storedPackage(c, 'P-2')
  const q = c.replicationTasks

  // 1. The stored versions, after the cursor; the cursor only moves forward.
  const stored = await q.storedSince('placement', 10)
  t.same(stored.map(s => [s.packageId, s.version]), [[p1, 1], [p2, 1]])
  await q.advance('placement', stored[1]!.eventId)
  await q.advance('placement', stored[0]!.eventId)
  t.same(await q.storedSince('placement', 10), [])

  // 2. Planned copies become tasks once.
  await c.replicas.plan([p1, p2].flatMap(packageId => ['sh-nas', 'cd-nas'].map(nodeId => ({ packageId, version: 1, nodeId }))))
  t.equal(await q.enqueuePlanned(), 4)
  t.equal(await q.enqueuePlanned(), 0)

  // 3. One task per node at a time: two claims, then none until one ends.
  const a = await q.claim('w1', 60_000, () => 1)
  const b = await q.claim('w2', 60_000, () => 1)
  t.not(a?.nodeId, b?.nodeId)
  t.equal(await q.claim('w3', 60_000, () => 1), null, 'both nodes are at their bound')
  t.ok(await q.heartbeat(a!.id, 'w1', 60_000, { filesTotal: 2, filesDone: 1, bytesTotal: 3, bytesDone: 1 }))
  t.notOk(await q.heartbeat(a!.id, 'w2', 60_000), 'only the holder renews')
  t.match(await q.get(a!.id), { state: 'running', attempts: 1, filesDone: 1, bytesTotal: 3 })

  // 4. A failure waits out its backoff; a shutdown puts the task back without counting the attempt.
  await q.retry(a!.id, 'w1', { code: 'STORAGE_UNREACHABLE', message: 'no answer' }, new Date(clock.now().getTime() + 5000))
  await q.park(b!.id, 'w2')
  t.match(await q.get(b!.id), { state: 'queued', attempts: 0 })
  // every other task runs and ends; the failed one is not due before its backoff has passed
  for (let x = await q.claim('w1', 60_000, () => 4); x !== null; x = await q.claim('w1', 60_000, () => 4)) {
    t.not(x.id, a!.id)
    await q.complete(x.id, 'w1')
  }
  clock.advance(5001)
  const again = await q.claim('w1', 60_000, () => 1)
  t.match(again, { id: a!.id, attempts: 2, lastError: { code: 'STORAGE_UNREACHABLE' } })

  // 5. Given up: an event of the package says why; a requeue puts it back now with its attempts reset.
  await q.fail(again!.id, 'w1', { code: 'STORAGE_CREDENTIALS_REJECTED', message: 'keys rejected' })
  t.match((await c.events.list({ type: 'replication.failed', limit: 5, offset: 0 })).items, [{ objectId: a!.packageId, detail: { node: a!.nodeId, code: 'STORAGE_CREDENTIALS_REJECTED', attempts: 2 } }])
  t.ok(await q.requeue(a!.packageId, 'tok_admin') >= 1)
  t.match(await q.get(a!.id), { state: 'queued', attempts: 0, lastError: null })
  t.match(await q.list({ state: 'done', packageId: a!.packageId, limit: 10, offset: 0 }), { total: 0 }, 'the finished task of that package was queued again too')
})

eachEngine(t, 'a file counts on a node once read back; a damaged copy marks its version\'s replica', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.nodes.syncFromPolicy([node('sh-nas')])
  const p = await storedPackage(c, 'P-1')
  const q = c.replicationTasks
  t.same((await q.versionContents(p, 1)).map(v => v.contentPath), ['v1/content/data/a.pdf', 'v1/content/data/b.pdf'])
  t.same(await q.versionContents(p, 10), [], 'v10 is not v1')
  for (const contentPath of ['v1/content/data/a.pdf', 'v1/content/data/b.pdf']) await q.recordVerified({ packageId: p, contentPath, nodeId: 'sh-nas', size: 1, nextCheckAt: '2024-08-01T00:00:00.000Z' })
  await c.replicas.put({ packageId: p, version: 1, nodeId: 'sh-nas', state: 'verified', bytes: 3 })
  t.same(await q.dueCopies(clock.now(), 10), [], 'nothing due yet')
  clock.set('2024-09-01T00:00:00.000Z')
  const due = await q.dueCopies(clock.now(), 10)
  t.same(due.map(d => [d.contentPath, d.sha512 === digestsOf('A').sha512]), [['v1/content/data/a.pdf', true], ['v1/content/data/b.pdf', false]])

  await q.recordCheck({ packageId: p, contentPath: 'v1/content/data/b.pdf', nodeId: 'sh-nas', outcome: 'mismatch', nextCheckAt: '2025-01-01T00:00:00.000Z', detail: { recomputed: 'ff' }, round: 'r1' })
  t.match(await q.badCopies(), [{ contentPath: 'v1/content/data/b.pdf', state: 'damaged', lastOutcome: 'mismatch' }])
  t.match(await c.replicas.ofVersions([{ packageId: p, version: 1 }]), [{ state: 'damaged' }])
  const types = (await c.events.list({ objectType: 'package', objectId: p, limit: 20, offset: 0 })).items.map(e => e.type)
  t.ok(types.includes('replica.file.damaged') && types.includes('replica.damaged'))
})
