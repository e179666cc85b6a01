import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { openCatalogue, type Catalogue } from '../../src/catalogue/index.js'
import { HashPool } from '../../src/hashing/index.js'
import { validateStorageRoot } from '../../src/ocfl/index.js'
import { rebuildFromNode } from '../../src/recovery/rebuild.js'
import { LocalBlobStore, type BlobStore } from '../../src/storage/index.js'
import { scratch } from '../fixtures/bags.js'
import { fillNode, PROJECTS, storeSomePackages } from '../fixtures/nodes.js'
import { freshS3Store, s3TestServers } from '../fixtures/s3-servers.js'
import { buildTestApp } from '../fixtures/service.js'
import { catalogueTargets } from '../fixtures/databases.js'

// Issue 16 item 7: `lantai catalogue rebuild --from NODE` makes a working catalogue and storage root from
// one surviving node, and its packages, versions, files and digests equal the original's.

/** What must come back exactly (docs/recovery.md: ids, timestamps and acceptance results are derived or lost). */
async function snapshot (catalogue: Catalogue): Promise<unknown[]> {
  const out: unknown[] = []
  for (const code of PROJECTS) {
    const pkg = await catalogue.packages.getByProject(code)
    if (pkg === null) { out.push({ code, missing: true }); continue }
    const { id: _id, createdAt: _c, updatedAt: _u, ...fields } = pkg
    const versions = (await catalogue.packages.versions(pkg.id)).map(({ packageId: _p, createdAt: _v, ...v }) => v)
    const files = []
    for (let n = 1; n <= pkg.headVersion; n++) {
      for (const f of (await catalogue.packages.files(pkg.id, { version: n, limit: 1000, offset: 0 })).items) {
        files.push({ version: f.version, logicalPath: f.logicalPath, contentPath: f.contentPath, size: f.size, sha512: f.sha512, sm3: f.sm3, sha256: f.sha256, md5: f.md5, otherDigests: f.otherDigests })
      }
    }
    out.push({ code, fields, versions, files })
  }
  return out
}

async function rebuiltFrom (t: Test, node: BlobStore, name: string): Promise<{ dir: string, database: string, report: Awaited<ReturnType<typeof rebuildFromNode>> }> {
  const dir = scratch(t)
  const pool = new HashPool()
  t.teardown(async () => { await pool.close() })
  const database = join(dir, 'catalogue.sqlite')
  const progress: number[] = []
  const report = await rebuildFromNode({ source: node, node: name, database, storeDir: join(dir, 'store'), scratch: dir, pool, onProgress: p => progress.push(p.done) })
  t.same(progress, [1, 2], 'progress per object')
  return { dir, database, report }
}

t.test('a catalogue rebuilt from one filesystem node equals the original', async t => {
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const node = new LocalBlobStore(join(scratch(t), 'nas'))
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), node)

  const { dir, database, report } = await rebuiltFrom(t, node, 'nas-1')
  t.match(report, { node: 'nas-1', objects: 2, packages: 2, versions: 3, failed: [] })
  const rebuilt = await openCatalogue(database)
  t.teardown(async () => { await rebuilt.close() })
  const original = await snapshot(s.catalogue)
  t.same(await snapshot(rebuilt), original, 'packages, versions, files and every kept digest')
  t.match(JSON.stringify(original), /sha384/, 'the sha384 the bags declared came back from their kept manifests')

  // the rebuilt catalogue works: the submissions are stored, events say where the rows came from
  const pkg = await rebuilt.packages.getByProject(PROJECTS[0])
  const v2 = (await rebuilt.packages.versions(pkg?.id ?? ''))[1]
  t.match(await rebuilt.submissions.get(v2?.submissionId ?? ''), { state: 'stored', packageId: pkg?.id, version: 2 })
  t.equal((await rebuilt.events.list({ type: 'catalogue.rebuilt', limit: 5, offset: 0 })).total, 1)
  t.equal((await rebuilt.events.list({ type: 'submission.restored', limit: 5, offset: 0 })).total, 3)
  const root = await validateStorageRoot(new LocalBlobStore(join(dir, 'store')))
  t.match(root, { valid: true, objects: 2 }, 'the new storage root validates')
})

t.test('a rebuild writes into an empty catalogue of either engine', async t => {
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const node = new LocalBlobStore(join(scratch(t), 'nas'))
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), node)
  const original = await snapshot(s.catalogue)
  for (const target of await catalogueTargets(t)) {
    const dir = scratch(t)
    const pool = new HashPool()
    t.teardown(async () => { await pool.close() })
    const report = await rebuildFromNode({ source: node, node: 'nas-1', database: target.target, storeDir: join(dir, 'store'), scratch: dir, pool })
    t.match(report, { packages: 2, versions: 3, failed: [] }, target.engine)
    const rebuilt = await openCatalogue(target.target)
    t.same(await snapshot(rebuilt), original, `equal on ${target.engine}`)
    await rebuilt.close()
  }
})

t.test('a rebuild refuses a non-empty target and a node without a storage root', async t => {
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const node = new LocalBlobStore(join(scratch(t), 'nas'))
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), node)
  const pool = new HashPool()
  t.teardown(async () => { await pool.close() })
  const dir = scratch(t)
  mkdirSync(join(dir, 'store'))
  writeFileSync(join(dir, 'store', 'left-over'), 'x')
  await t.rejects(rebuildFromNode({ source: node, node: 'nas-1', database: join(dir, 'c.sqlite'), storeDir: join(dir, 'store'), scratch: dir, pool }), { code: 'RESTORE_TARGET_NOT_EMPTY' })
  await t.rejects(rebuildFromNode({ source: node, node: 'nas-1', database: join(s.dataDir, 'catalogue.sqlite'), storeDir: join(dir, 'store2'), scratch: dir, pool }), { code: 'RESTORE_TARGET_NOT_EMPTY' }, 'a catalogue with packages')
  await t.rejects(rebuildFromNode({ source: new LocalBlobStore(scratch(t)), node: 'empty', database: join(dir, 'd.sqlite'), storeDir: join(dir, 'store3'), scratch: dir, pool }), { code: 'RESTORE_SOURCE_INVALID' })
})

t.test('a catalogue rebuilt from one RGW node equals the original', async t => {
  const rgw = s3TestServers(t).find(x => x.name === 'ceph-rgw')
  if (rgw === undefined) return
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const node = await freshS3Store(t, rgw)
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), node)
  const { database, report } = await rebuiltFrom(t, node, 'rgw-1')
  t.match(report, { objects: 2, packages: 2, versions: 3, failed: [] })
  const rebuilt = await openCatalogue(database)
  t.teardown(async () => { await rebuilt.close() })
  t.same(await snapshot(rebuilt), await snapshot(s.catalogue))
})
