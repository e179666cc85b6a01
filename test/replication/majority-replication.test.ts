import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { objectRootOf } from '../../src/ocfl/index.js'
import { fsNodeSpec, siteWith, storePackage } from '../fixtures/replication-site.js'
import type { TestService } from '../fixtures/service.js'

// Issue 16 item 6: "if the catalogue itself is in doubt, the majority of copies decides". Three copies
// (the primary and two filesystem nodes); the catalogue's row is edited directly in the database, as an
// intruder or a bad migration would. A strict majority of the copies corrects the row with an event naming
// every copy and digest, and the copies outvoted are repaired from it; without a majority nothing is
// decided and nothing is repaired.

const FILES = { 'plan.pdf': 'plan v1', 'section.pdf': 'section A-A' }
const PATH = 'v1/content/data/plan.pdf'
const FORGED = 'f'.repeat(128)

interface Site { s: TestService, packageId: string, node: (id: 'nas-a' | 'nas-b') => string, primary: string, truth: string }

async function threeCopies (t: Test): Promise<Site> {
  const a = fsNodeSpec(t, 'nas-a')
  const b = fsNodeSpec(t, 'nas-b')
  const s = await siteWith(t, [a, b])
  const packageId = await storePackage(t, s, FILES)
  await s.replicationQueue.drain()
  t.match((await s.catalogue.replicas.ofVersions([{ packageId, version: 1 }])).map(r => r.state), ['verified', 'verified'])
  const root = objectRootOf((await s.catalogue.packages.get(packageId))!.ocflId)
  const truth = (await s.catalogue.packages.content(packageId, PATH))!.sha512
  return { s, packageId, truth, primary: join(s.dataDir, 'store', root, PATH), node: id => join(id === 'nas-a' ? a.dir : b.dir, root, PATH) }
}

/** Edits the catalogue's sha512 of the file directly, bypassing every repository. */
async function forgeRow (s: TestService, packageId: string): Promise<void> {
  const db = new Database(join(s.dataDir, 'catalogue.sqlite'))
  try {
    db.prepare('UPDATE contents SET sha512 = ? WHERE package_id = ? AND content_path = ?').run(FORGED, packageId, PATH)
  } finally {
    db.close()
  }
}

function rot (file: string, text: string): string {
  writeFileSync(file, text)
  return createHash('sha512').update(text).digest('hex')
}

t.test('every copy agrees against an edited row: the majority corrects the row with an event, and nothing is repaired', async t => {
  const { s, packageId, truth } = await threeCopies(t)
  await forgeRow(s, packageId)

  const round = await s.copyFixity.run({ mode: 'all' })
  t.match(round, { mismatches: 2, repairFailed: [] })
  t.match(round.repaired, [{ nodeId: 'nas-a', from: 'majority', quarantineKey: null }])
  t.equal((await s.catalogue.packages.content(packageId, PATH))?.sha512, truth, 'the row holds the copies\' digest again')
  const doubt = (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'catalogue.doubt', limit: 5, offset: 0 })).items
  t.match(doubt, [{ outcome: 'warning', detail: { contentPath: PATH, catalogue: FORGED, majority: truth, copies: [{ node: 'nas-a', sha512: truth }, { node: 'nas-b', sha512: truth }, { node: 'primary', sha512: truth }] } }])
  const corrected = (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'content.digest.corrected', limit: 5, offset: 0 })).items
  t.match(corrected, [{ outcome: 'warning', detail: { contentPath: PATH, from: FORGED, to: truth, agreeing: 3, of: 3, doubt: doubt[0]!.id } }])
  t.equal((await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'repair.replaced', limit: 5, offset: 0 })).total, 0, 'no copy was replaced')
  t.match(await s.copyFixity.run({ mode: 'all' }), { mismatches: 0, repaired: [] }, 'the next round finds every copy good')
})

t.test('two copies of three agree against an edited row: the row follows them, and the third copy is repaired from the majority', async t => {
  const { s, packageId, truth, node } = await threeCopies(t)
  const bad = rot(node('nas-b'), 'plan v1, altered on nas-b')
  await forgeRow(s, packageId)

  const round = await s.copyFixity.run({ mode: 'all' })
  t.match(round, { repairFailed: [] })
  t.match(round.repaired.find(r => r.nodeId === 'nas-b'), { from: /primary|nas-a/, quarantineKey: /logs\/quarantine\// }, 'the outvoted copy is repaired from a copy of the majority')
  t.equal((await s.catalogue.packages.content(packageId, PATH))?.sha512, truth)
  t.equal(readFileSync(node('nas-b'), 'utf8'), FILES['plan.pdf'])
  t.match((await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'catalogue.doubt', limit: 5, offset: 0 })).items,
    [{ detail: { majority: truth, copies: [{ node: 'nas-a', sha512: truth }, { node: 'nas-b', sha512: bad }, { node: 'primary', sha512: truth }] } }])
  t.match((await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'content.digest.corrected', limit: 5, offset: 0 })).items, [{ detail: { agreeing: 2, of: 3 } }])
})

t.test('the primary outvoted: the row follows the two nodes, and the primary is repaired from one of them', async t => {
  const { s, packageId, truth, primary } = await threeCopies(t)
  rot(primary, 'plan v1, altered on the primary')
  await forgeRow(s, packageId)

  const round = await s.copyFixity.run({ mode: 'all' })
  t.equal((await s.catalogue.packages.content(packageId, PATH))?.sha512, truth)
  t.match(round.repaired.find(r => r.nodeId === 'primary'), { from: /nas-/ })
  t.equal(readFileSync(primary, 'utf8'), FILES['plan.pdf'], 'the primary holds the majority\'s bytes again')
})

t.test('no majority: the doubt is recorded, REPAIR_NO_MAJORITY, the row stays and no copy is touched', async t => {
  const { s, packageId, node, primary } = await threeCopies(t)
  const onA = rot(node('nas-a'), 'one version of the plan')
  const onB = rot(node('nas-b'), 'another version of the plan')
  await forgeRow(s, packageId)

  const round = await s.copyFixity.run({ mode: 'all' })
  t.match(round, { repaired: [] })
  t.match(round.repairFailed, [{ nodeId: 'nas-a', code: 'REPAIR_NO_MAJORITY' }, { nodeId: 'nas-b', code: 'REPAIR_NO_MAJORITY' }])
  t.equal((await s.catalogue.packages.content(packageId, PATH))?.sha512, FORGED, 'the row is not changed')
  const doubt = (await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'catalogue.doubt', limit: 5, offset: 0 })).items
  t.match(doubt[0], { outcome: 'failure', detail: { majority: null, decided: /no majority/, copies: [{ node: 'nas-a', sha512: onA }, { node: 'nas-b', sha512: onB }, { node: 'primary' }] } })
  t.equal((await s.catalogue.events.list({ objectType: 'package', objectId: packageId, type: 'content.digest.corrected', limit: 5, offset: 0 })).total, 0)
  t.equal(readFileSync(node('nas-a'), 'utf8'), 'one version of the plan', 'nothing replaced')
  t.equal(readFileSync(primary, 'utf8'), FILES['plan.pdf'])
})
