import t from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { objectRootOf } from '../../src/ocfl/index.js'
import { openNodeStore } from '../../src/replication/index.js'
import { readAll } from '../../src/storage/index.js'
import { fsNodeSpec, s3NodeSpec, siteWith, storePackage } from '../fixtures/replication-site.js'
import { s3TestServers } from '../fixtures/s3-servers.js'

// The replication queue end to end (issue 16 items 4-6): a stored package is copied per policy to two
// S3 implementations (Ceph RGW, Swift s3api) and a filesystem node, every file read back before the
// copy counts, each node a complete OCFL root; bit rot on two nodes is found in one fixity round, the bad
// bytes quarantined on the node and replaced from a good copy; an extra file is reported and kept.

const FILES = { '竣工图/总平面图（一）.pdf': 'as-built plan, v1', 'data/README.txt': 'notes', 'plan.pdf': 'plan v1', 'section.pdf': 'section A-A' }
const sha512 = (s: string | Buffer): string => createHash('sha512').update(s).digest('hex')

t.test('a stored package is replicated per policy to RGW, Swift and a filesystem node, read back and verified', async t => {
  const servers = s3TestServers(t)
  const rgw = servers.find(s => s.name === 'ceph-rgw')
  const swift = servers.find(s => s.name === 'swift-s3api')
  if (rgw === undefined || swift === undefined) return
  const nas = fsNodeSpec(t, 'wh-nas')
  const s = await siteWith(t, [s3NodeSpec(t, 'sh-rgw', rgw), s3NodeSpec(t, 'cd-swift', swift), nas])
  const packageId = await storePackage(t, s, FILES)

  await s.replicationQueue.drain()

  // 1. Every planned copy is a finished task, its files all read back (payload and tag files), and its replica verified.
  const files = (await s.catalogue.replicationTasks.versionContents(packageId, 1)).length
  t.ok(files > 3, 'the bag\'s tag files are content too')
  const tasks = (await s.app.inject({ method: 'GET', url: `/v1/replication/tasks?package=${packageId}`, headers: s.auth() })).json()
  t.equal(tasks.total, 3)
  for (const task of tasks.items) t.match(task, { packageId, version: 1, state: 'done', attempts: 1, filesTotal: files, filesDone: files, lastError: null }, task.nodeId)
  const replicas = await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }])
  t.same(replicas.map(r => [r.nodeId, r.state]), [['cd-swift', 'verified'], ['sh-rgw', 'verified'], ['wh-nas', 'verified']])
  t.match((await s.app.inject({ method: 'GET', url: '/v1/placement/violations', headers: s.auth() })).json(), { total: 0 })

  // 2. Each node is a complete, self-describing OCFL root: root files, the object's inventory as the primary's.
  const pkg = await s.catalogue.packages.get(packageId)
  const root = objectRootOf(pkg!.ocflId)
  const primaryInventory = readFileSync(join(s.dataDir, 'store', root, 'inventory.json'))
  for (const node of await s.catalogue.nodes.list()) {
    if (node.primary) continue
    const { store, close } = openNodeStore(node, { secretOf: name => process.env[name], dataDir: s.dataDir })
    t.teardown(close)
    t.equal((await readAll(store, '0=ocfl_1.1')).toString(), 'ocfl_1.1\n', `${node.id} is an OCFL storage root`)
    t.ok(await store.stat('ocfl_layout.json'), `${node.id} names its layout`)
    t.same(await readAll(store, `${root}/inventory.json`), primaryInventory, `${node.id} holds the primary's inventory`)
    t.equal((await readAll(store, `${root}/v1/content/data/竣工图/总平面图（一）.pdf`)).toString(), FILES['竣工图/总平面图（一）.pdf'], `${node.id} takes the Chinese name`)
  }

  // 3. Bit rot on the filesystem node and on RGW, and a stray file on the filesystem node.
  const rotten = join(nas.dir, root, 'v1/content/data/plan.pdf')
  writeFileSync(rotten, 'plan v1 but rotten')
  const rgwNode = (await s.catalogue.nodes.get('sh-rgw'))!
  const rgwStore = openNodeStore(rgwNode, { secretOf: name => process.env[name], dataDir: s.dataDir })
  t.teardown(rgwStore.close)
  await rgwStore.store.putBytes(`${root}/v1/content/data/data/README.txt`, 'notes, flipped')
  writeFileSync(join(nas.dir, root, 'v1/content/stray.bin'), 'nobody wrote me')

  const round = await s.copyFixity.run({ mode: 'all' })
  t.match(round, { checked: 3 * files, ok: 3 * files - 2, mismatches: 2, missing: 0, unreachable: 0, repairFailed: [] })
  t.same(round.repaired.map(r => [r.nodeId, r.contentPath, r.from]).sort(), [['sh-rgw', 'v1/content/data/data/README.txt', 'primary'], ['wh-nas', 'v1/content/data/plan.pdf', 'primary']])
  t.same(round.extra.map(e => e.key), [`${root}/v1/content/stray.bin`], 'the extra file is reported')
  t.ok(existsSync(join(nas.dir, root, 'v1/content/stray.bin')), 'and kept')

  // 4. The good bytes are back, and the bad ones are kept in quarantine on the node.
  t.equal(readFileSync(rotten, 'utf8'), 'plan v1')
  const nasRepair = round.repaired.find(r => r.nodeId === 'wh-nas')!
  t.match(nasRepair.quarantineKey, new RegExp(`^${root}/logs/quarantine/.+/v1/content/data/plan\\.pdf$`))
  t.equal(readFileSync(join(nas.dir, nasRepair.quarantineKey!), 'utf8'), 'plan v1 but rotten')
  const rgwRepair = round.repaired.find(r => r.nodeId === 'sh-rgw')!
  t.equal((await readAll(rgwStore.store, rgwRepair.quarantineKey!)).toString(), 'notes, flipped')
  t.equal(sha512(await readAll(rgwStore.store, `${root}/v1/content/data/data/README.txt`)), sha512('notes'))
  t.same((await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }])).map(r => r.state), ['verified', 'verified', 'verified'])

  // 5. Each step an event: the damage, every repair step, and one summary for the round.
  const events = (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, limit: 200, offset: 0 })).items
  const nasSteps = events.filter(e => (e.detail as { node?: string } | null)?.node === 'wh-nas' && /^(replica\.file|repair)\./.test(e.type)).map(e => e.type)
  t.same(nasSteps, ['replica.file.damaged', 'repair.requested', 'repair.staged', 'repair.quarantined', 'repair.replaced', 'repair.verified'])
  t.ok(events.some(e => e.type === 'replica.extra'))
  t.match((await s.catalogue.events.list({ type: 'replication.fixity.round', limit: 5, offset: 0 })).items, [{ objectId: round.round, detail: { checked: 3 * files, mismatches: 2, repaired: 2, extra: 1 } }])

  // 6. A second round finds every copy whole.
  t.match(await s.copyFixity.run({ mode: 'all' }), { checked: 3 * files, ok: 3 * files, mismatches: 0, repaired: [] })

  // 7. The primary rots: its own fixity finds it, and the next copy round repairs it from a replica.
  const primaryFile = join(s.dataDir, 'store', root, 'v1/content/data/section.pdf')
  writeFileSync(primaryFile, 'section A-A, rotten')
  t.match(await s.fixity.run({ mode: 'all' }), { mismatches: 1 })
  const healed = await s.copyFixity.run({ mode: 'due' })
  t.match(healed.repaired, [{ nodeId: 'primary', contentPath: 'v1/content/data/section.pdf', from: 'cd-swift', quarantineKey: /logs\/quarantine\// }])
  t.equal(readFileSync(primaryFile, 'utf8'), 'section A-A')
  t.same(await s.catalogue.packages.damagedContents(packageId), [], 'the catalogue no longer counts it damaged')
  t.match(await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'content.repaired', limit: 5, offset: 0 }), { items: [{ detail: { contentPath: 'v1/content/data/section.pdf', submissionId: 'replica:cd-swift' } }] })
})
