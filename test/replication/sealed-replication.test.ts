import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadMasterKey } from '../../src/access/index.js'
import { openCatalogue } from '../../src/catalogue/index.js'
import { HashPool } from '../../src/hashing/index.js'
import { objectRootOf, validateStorageRoot } from '../../src/ocfl/index.js'
import { rebuildFromNode } from '../../src/recovery/rebuild.js'
import { SEAL_MANIFEST } from '../../src/replication/index.js'
import { LocalBlobStore, readAll, type BlobStore } from '../../src/storage/index.js'
import { scratch } from '../fixtures/bags.js'
import { fsNodeSpec, s3NodeSpec, siteWith, storePackage, type NodeSpec } from '../fixtures/replication-site.js'
import { s3TestServers } from '../fixtures/s3-servers.js'
import type { TestService } from '../fixtures/service.js'

// Issue 16 item 3: a classified version goes only to nodes cleared for its tier, and only sealed with the
// tier's key (docs/replication.md "Sealed copies"): the node holds no plaintext byte of the object, its
// content or its inventories, and no unwrapped key; read-back and copy fixity decrypt and compare; bit rot
// in the ciphertext is found and repaired; and the node alone, with LANTAI_MASTER_KEY, rebuilds the plaintext.

const SECRET = '地下管线测绘成果-DN800-燃气主干-坐标'
const FILES = { '管线图.dwg': `${SECRET} ${'x'.repeat(200_000)}`, 'survey.csv': `${SECRET},39.9,116.4\n`, 'readme.txt': 'pipeline survey' }

const cleared = (spec: NodeSpec, tier = '机密'): NodeSpec => ({ ...spec, yaml: spec.yaml.replace(/}\n$/, `, clearance: ${tier}}\n`) })

function withMasterKey (t: Test): string {
  const key = randomBytes(32).toString('hex')
  const before = process.env.LANTAI_MASTER_KEY
  process.env.LANTAI_MASTER_KEY = key
  t.teardown(() => { if (before === undefined) delete process.env.LANTAI_MASTER_KEY; else process.env.LANTAI_MASTER_KEY = before })
  return key
}

async function classifiedPackage (t: Test, s: TestService): Promise<string> {
  const packageId = await storePackage(t, s, FILES)
  await s.catalogue.packages.setTier(packageId, { tier: '秘密', agent: 'security-officer', reason: 'pipeline survey data' })
  return packageId
}

/** Every file under a directory, recursively. */
function filesUnder (dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter(e => e.isFile()).map(e => join(e.parentPath, e.name))
}

async function everyKey (store: BlobStore): Promise<string[]> {
  const keys: string[] = []
  for await (const k of store.list('')) keys.push(k)
  return keys
}

t.test('a classified version is copied sealed: no plaintext byte, no inventory in clear, no unwrapped key on the node', async t => {
  const master = withMasterKey(t)
  const a = fsNodeSpec(t, 'nas-a')
  const s = await siteWith(t, [cleared(a), cleared(fsNodeSpec(t, 'nas-b'))])
  const packageId = await classifiedPackage(t, s)

  await s.replicationQueue.drain()

  t.match(await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }]), [
    { nodeId: 'nas-a', state: 'verified', detail: /read back and matched/ }, { nodeId: 'nas-b', state: 'verified' }])
  const pkg = await s.catalogue.packages.get(packageId)
  const root = objectRootOf(pkg!.ocflId)
  const files = filesUnder(a.dir)
  t.ok(files.some(f => f.includes('管线图.dwg')), 'the OCFL layout is kept: the content path is there')
  const keyHex = (await s.catalogue.tierKeys.all())[0]!
  for (const f of files) {
    const bytes = readFileSync(f)
    t.notOk(bytes.includes(Buffer.from(SECRET)), `${f.slice(a.dir.length)}: no plaintext`)
    t.notOk(bytes.includes(Buffer.from(pkg!.ocflId)), `${f.slice(a.dir.length)}: no object id (inventories are sealed too)`)
    t.notOk(bytes.includes(Buffer.from(master)), 'never the master key')
  }
  const manifest = JSON.parse(readFileSync(join(a.dir, root, SEAL_MANIFEST), 'utf8')) as { tier: string, keys: Array<{ id: string, wrapped: string }> }
  t.match(manifest, { format: 'lantai-sealed-object/1', tier: '秘密', keys: [{ id: keyHex.id, wrapped: keyHex.wrapped, masterKeyId: loadMasterKey(master).id }] }, 'the wrapped key travels with the object')
  t.equal(readFileSync(join(a.dir, root, 'v1/content/data/survey.csv')).subarray(0, 4).toString(), 'LTKE', 'content is in the tier-key stream format')

  // read back through the node's view: plaintext again, equal to the primary's
  const node = s.replicationQueue.storeOf((await s.catalogue.nodes.get('nas-a'))!).store
  t.equal((await readAll(node, `${root}/v1/content/data/survey.csv`)).toString(), FILES['survey.csv'])
  t.equal((await node.stat(`${root}/v1/content/data/survey.csv`))?.size, Buffer.byteLength(FILES['survey.csv']), 'stat gives the plaintext size')
  t.notOk((await everyKey(node)).some(k => k.endsWith(SEAL_MANIFEST)), 'the view lists the object without its key manifest')

  const n = (await s.catalogue.replicationTasks.versionContents(packageId, 1)).length
  const round = await s.copyFixity.run({ mode: 'all' })
  t.match(round, { checked: 2 * n, ok: 2 * n, mismatches: 0, extra: [] }, 'copy fixity decrypts and compares every copy')
})

t.test('without LANTAI_MASTER_KEY, or on a node not cleared for the tier, a classified version is held, never copied in clear', async t => {
  const before = process.env.LANTAI_MASTER_KEY
  delete process.env.LANTAI_MASTER_KEY
  t.teardown(() => { if (before !== undefined) process.env.LANTAI_MASTER_KEY = before })
  const a = fsNodeSpec(t, 'nas-a')
  const s = await siteWith(t, [cleared(a), cleared(fsNodeSpec(t, 'nas-b'))])
  const packageId = await classifiedPackage(t, s)
  await s.replicationQueue.drain()
  t.match((await s.catalogue.replicationTasks.list({ packageId, limit: 10, offset: 0 })).items, [
    { state: 'held', lastError: { code: 'REPLICATION_TIER_HELD', message: /LANTAI_MASTER_KEY is not set/ } }, { state: 'held' }])
  t.notOk(filesUnder(a.dir).some(f => readFileSync(f).includes(Buffer.from(SECRET))), 'nothing of it on the node')
})

t.test('bit rot in a sealed copy is found in one round and repaired by re-sealing from a good copy; the quarantine keeps ciphertext', async t => {
  withMasterKey(t)
  const a = fsNodeSpec(t, 'nas-a')
  const s = await siteWith(t, [cleared(a), cleared(fsNodeSpec(t, 'nas-b'))])
  const packageId = await classifiedPackage(t, s)
  await s.replicationQueue.drain()
  const root = objectRootOf((await s.catalogue.packages.get(packageId))!.ocflId)
  const file = join(a.dir, root, 'v1/content/data/管线图.dwg')
  const bytes = readFileSync(file)
  bytes[100_000] = bytes[100_000]! ^ 0x01
  writeFileSync(file, bytes)

  const round = await s.copyFixity.run({ mode: 'all', nodeId: 'nas-a' })
  t.match(round, { mismatches: 1, repaired: [{ nodeId: 'nas-a', contentPath: 'v1/content/data/管线图.dwg', quarantineKey: /logs\/quarantine\// }], repairFailed: [] })
  const damaged = (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'replica.file.damaged', limit: 5, offset: 0 })).items
  t.match(damaged, [{ detail: { node: 'nas-a', recomputed: 'undecryptable' } }], 'a record that does not authenticate is damage, not an unreachable node')
  const repaired = readFileSync(file)
  t.equal(repaired.subarray(0, 4).toString(), 'LTKE', 'sealed again')
  t.notOk(repaired.includes(Buffer.from(SECRET)))
  const quarantined = join(a.dir, round.repaired[0]!.quarantineKey!)
  t.same(readFileSync(quarantined), bytes, 'the bad ciphertext is kept as it was, never decrypted onto the node')
  const n = (await s.catalogue.replicationTasks.versionContents(packageId, 1)).length
  t.match(await s.copyFixity.run({ mode: 'all', nodeId: 'nas-a' }), { ok: n, mismatches: 0 })
})

async function rebuildEquals (t: Test, s: TestService, packageId: string, node: BlobStore, name: string): Promise<void> {
  const dir = scratch(t)
  const pool = new HashPool()
  t.teardown(async () => { await pool.close() })
  const database = join(dir, 'catalogue.sqlite')
  const report = await rebuildFromNode({ source: node, node: name, master: loadMasterKey(process.env.LANTAI_MASTER_KEY), database, storeDir: join(dir, 'store'), scratch: dir, pool })
  t.match(report, { objects: 1, packages: 1, versions: 1, failed: [] })
  const rebuilt = await openCatalogue(database)
  t.teardown(async () => { await rebuilt.close() })
  const original = (await s.catalogue.packages.get(packageId))!
  const again = (await rebuilt.packages.getByProject(original.projectCode))!
  t.equal(again.tier, '秘密', 'labelled as the node held it')
  const digests = async (c: typeof rebuilt, id: string): Promise<unknown[]> => (await c.packages.files(id, { limit: 100, offset: 0 })).items.map(f => [f.logicalPath, f.size, f.sha512, f.sm3])
  t.same(await digests(rebuilt, again.id), await digests(s.catalogue, packageId), 'every file and digest')
  t.match(await validateStorageRoot(new LocalBlobStore(join(dir, 'store'))), { valid: true, objects: 1 }, 'a plaintext storage root that validates')
  const restored = new LocalBlobStore(join(dir, 'store'))
  t.equal((await readAll(restored, `${objectRootOf(original.ocflId)}/v1/content/data/survey.csv`)).toString(), FILES['survey.csv'], 'the plaintext itself')

  const without = scratch(t)
  const refused = await rebuildFromNode({ source: node, node: name, database: join(without, 'c.sqlite'), storeDir: join(without, 'store'), scratch: without, pool })
  t.match(refused, { objects: 1, packages: 0, failed: [{ problem: /LANTAI_MASTER_KEY/ }] }, 'without the master key nothing of it is restored')
}

t.test('a catalogue rebuilt from a filesystem node holding a sealed object has the plaintext, its digests and its label', async t => {
  withMasterKey(t)
  const a = fsNodeSpec(t, 'nas-a')
  const s = await siteWith(t, [cleared(a), cleared(fsNodeSpec(t, 'nas-b'))])
  const packageId = await classifiedPackage(t, s)
  await s.replicationQueue.drain()
  await rebuildEquals(t, s, packageId, new LocalBlobStore(a.dir), 'nas-a')
})

t.test('sealed on RGW and Swift too: no plaintext in any object, bit rot repaired, a rebuild from RGW yields the plaintext', async t => {
  const servers = s3TestServers(t)
  const rgw = servers.find(x => x.name === 'ceph-rgw')
  const swift = servers.find(x => x.name === 'swift-s3api')
  t.ok(rgw !== undefined && swift !== undefined, 'both S3 test servers run')
  if (rgw === undefined || swift === undefined) return
  withMasterKey(t)
  const r = s3NodeSpec(t, 'sh-rgw', rgw)
  const s = await siteWith(t, [cleared(r), cleared(s3NodeSpec(t, 'cd-swift', swift)), cleared(fsNodeSpec(t, 'nas-c'))])
  const packageId = await classifiedPackage(t, s)
  await s.replicationQueue.drain()
  t.match((await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }])).map(x => x.state), ['verified', 'verified', 'verified'])

  const raw = s.replicationQueue.storeOf((await s.catalogue.nodes.get('sh-rgw'))!).store
  const underlying = (raw as unknown as { raw: BlobStore }).raw
  const keys = await everyKey(underlying)
  t.ok(keys.some(k => k.endsWith(SEAL_MANIFEST)))
  for (const k of keys) t.notOk((await readAll(underlying, k)).includes(Buffer.from(SECRET)), `${k}: no plaintext on RGW`)

  // bit rot in one RGW object
  const root = objectRootOf((await s.catalogue.packages.get(packageId))!.ocflId)
  const key = `${root}/v1/content/data/survey.csv`
  const sealed = await readAll(underlying, key)
  sealed[sealed.length - 3] = sealed[sealed.length - 3]! ^ 0x80
  await underlying.putBytes(key, sealed)
  t.match(await s.copyFixity.run({ mode: 'all', nodeId: 'sh-rgw' }), { mismatches: 1, repaired: [{ nodeId: 'sh-rgw' }] })
  t.equal((await readAll(raw, key)).toString(), FILES['survey.csv'])

  await rebuildEquals(t, s, packageId, underlying, 'sh-rgw')
})
