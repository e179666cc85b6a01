import { join } from 'node:path'
import t, { type Test } from 'tap'
import { openCatalogue, type Catalogue } from '../../src/catalogue/index.js'
import { buildCatalogue, type BuiltCatalogue } from '../../bench/catalogue-build.js'

// The catalogue bench's figures mean something only if its synthetic rows are what ingest would write:
// these build a small catalogue through the same builder and read it back through the repositories.
// Every catalogue call is awaited, as the bench's are, so the file survives the async catalogue.

async function build (t: Test, packages: number, filesPerPackage: number, seed = 7, file = join(t.testdir(), 'catalogue.sqlite')): Promise<{ c: Catalogue, built: BuiltCatalogue }> {
  let now = new Date()
  const c = await openCatalogue(file, () => now)
  t.teardown(async () => { await c.close() })
  const built = await buildCatalogue(c, { packages, filesPerPackage, seed }, at => { now = at })
  return { c, built }
}

t.test('every package has one version with as many files and stored contents as asked for', async t => {
  const { c, built } = await build(t, 3, 120)
  t.equal(built.packageIds.length, 3)
  for (const [i, id] of built.packageIds.entries()) {
    const pkg = await c.packages.get(id)
    t.match(pkg, { projectCode: built.projectCodes[i], headVersion: 1, fileCount: 120, contentCount: 120, state: 'active' })
    const last = await c.packages.files(id, { limit: 100, offset: 100 })
    t.equal(last.total, 120)
    t.equal(last.items.length, 20, 'the deepest page holds the rest')
    t.equal((await c.packages.versions(id))[0]?.fileCount, 120)
  }
})

t.test('packages are created at increasing dates, so a date range finds some and not all', async t => {
  const { c, built } = await build(t, 20, 100)
  const all = await c.packages.search({ limit: 100, offset: 0 })
  const dates = all.items.map(p => p.createdAt).reverse()
  t.same(dates, [...dates].sort(), 'newest first, oldest last')
  t.ok(built.first.getUTCFullYear() < built.last.getUTCFullYear(), 'spread over years')
  const middle = new Date((built.first.getTime() + built.last.getTime()) / 2).toISOString()
  const older = await c.packages.search({ createdTo: middle, limit: 100, offset: 0 })
  t.ok(older.total > 0 && older.total < 20)
})

t.test('a search by unit returns only that unit\'s packages', async t => {
  const { c, built } = await build(t, 20, 100)
  const unit = built.units[0] ?? ''
  const page = await c.packages.search({ unit, limit: 100, offset: 0 })
  t.ok(page.total > 0)
  t.ok(page.items.every(p => p.projectUnit === unit))
})

t.test('the same seed builds the same projects', async t => {
  const dir = t.testdir({ a: {}, b: {} })
  const a = await build(t, 5, 100, 42, join(dir, 'a', 'catalogue.sqlite'))
  const b = await build(t, 5, 100, 42, join(dir, 'b', 'catalogue.sqlite'))
  t.same(a.built.projectCodes, b.built.projectCodes)
  t.same(a.built.units, b.built.units)
})
