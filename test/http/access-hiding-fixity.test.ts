import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Tier } from '../../src/access/index.js'
import { FixityService, type FixityPolicy } from '../../src/fixity/index.js'
import { createLogger } from '../../src/logger.js'
import { objectRootOf, OcflObjectReader } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { labelledService, type Labelled } from './access-fixtures.js'

// Issue 15 item 4 for the fixity report: its counts and its list of damaged files are over the packages
// the caller may see, so a caller learns nothing of a package above their clearance, not even how many
// files it has or that one of them is damaged.

const POLICY: FixityPolicy = { schedule: 'off', maxAgeDays: 90, batch: { files: 2000, bytes: 1 << 30 }, rateBytesPerSecond: 1 << 30, graceSeconds: 0 }

interface Summary { contents: number, neverChecked: number, checkedLast90Days: number, mismatches: number, missing: number, damagedPackages: number, damagedFiles: Array<{ packageId: string }>, lastRound: { packageId: string | null } | null }

async function damaged (t: Parameters<typeof labelledService>[0]): Promise<Labelled & { fixity: FixityService, store: LocalBlobStore }> {
  const s = await labelledService(t)
  const store = new LocalBlobStore(join(s.dataDir, 'store'))
  const fixity = new FixityService({ catalogue: s.catalogue, reader: new OcflObjectReader(store), pool: s.ingest.deps.pool, policy: POLICY, log: createLogger('silent') })
  return Object.assign(s, { fixity, store })
}

async function corrupt (s: Labelled & { store: LocalBlobStore }, tier: Tier): Promise<void> {
  const pkg = await s.catalogue.packages.get(s.packages[tier])
  if (pkg === null) throw new Error(tier)
  writeFileSync(join(s.store.pathOf(objectRootOf(pkg.ocflId)), 'v1/content/data/a.txt'), `changed bytes of tier ${tier}`)
}

t.test('the fixity report counts, and lists damaged files of, only the packages at or below the caller\'s clearance', async t => {
  const s = await damaged(t)
  await corrupt(s, '机密')
  await corrupt(s, '非密')
  await s.fixity.run({ mode: 'all' })
  const summary = async (clearance: Tier): Promise<Summary> =>
    (await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: s.auth(await s.token('archivist', clearance)) })).json() as Summary
  const contentsOf = async (tier: Tier): Promise<number> => (await s.catalogue.packages.get(s.packages[tier]))?.contentCount ?? -1

  const all = await summary('机密')
  t.match(all, { mismatches: 2, damagedPackages: 2 }, 'a caller cleared 机密 sees both damaged files')
  t.same(all.damagedFiles.map(f => f.packageId).sort(), [s.packages['非密'], s.packages['机密']].sort())
  const secret = await summary('秘密')
  t.equal(secret.contents, all.contents - await contentsOf('机密'), 'the files of the 机密 package are not counted for one cleared 秘密')
  t.equal(secret.checkedLast90Days, all.checkedLast90Days - await contentsOf('机密'))
  t.match(secret, { mismatches: 1, damagedPackages: 1, neverChecked: 0 }, 'nor its damage')
  t.same(secret.damagedFiles.map(f => f.packageId), [s.packages['非密']], 'the damaged files listed are the visible package\'s')
  const open = await summary('非密')
  t.equal(open.contents, all.contents - await contentsOf('机密') - await contentsOf('秘密'), 'one cleared 非密 counts the 非密 package\'s files only')
  t.match(open, { mismatches: 1, damagedPackages: 1 })
})

t.test('the last round is left out when it was the round of one package above the caller\'s clearance', async t => {
  const s = await damaged(t)
  await s.fixity.run({ mode: 'all', packageId: s.packages['机密'] })
  const lastRound = async (clearance: Tier): Promise<Summary['lastRound']> =>
    ((await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: s.auth(await s.token('auditor', clearance)) })).json() as Summary).lastRound
  t.match(await lastRound('机密'), { packageId: s.packages['机密'] }, 'a caller cleared 机密 sees the round of the 机密 package')
  t.equal(await lastRound('秘密'), null, 'one cleared 秘密 sees no round, as before the first')
  await s.fixity.run({ mode: 'all', packageId: s.packages['非密'] })
  t.match(await lastRound('非密'), { packageId: s.packages['非密'] }, 'the round of a visible package is there')
})
