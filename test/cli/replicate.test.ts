import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { objectRootOf } from '../../src/ocfl/index.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { fsNodeSpec, siteWith, storePackage } from '../fixtures/replication-site.js'

// `lantai replicate` beside a running service: `run` copies what is due and prints each task, `fixity`
// reads the copies back and repairs a damaged one, printing where the bad bytes were kept.

t.test('lantai replicate run copies a stored package to its nodes; replicate fixity --all repairs a rotten copy', async t => {
  const nas = fsNodeSpec(t, 'sh-nas')
  const s = await siteWith(t, [nas, fsNodeSpec(t, 'cd-nas')])
  const packageId = await storePackage(t, s, { 'plan.pdf': 'plan v1' })
  const env = { LANTAI_DATA: s.dataDir, LANTAI_POLICIES: s.policiesDir, LANTAI_LOG_LEVEL: 'error' }

  const run = await lantaiAsync(['replicate', 'run'], { env })
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, new RegExp(`DONE ${packageId} v1 → cd-nas: (\\d+)/\\1 files verified`))
  t.match(run.stdout, new RegExp(`DONE ${packageId} v1 → sh-nas`))
  t.match(run.stdout, /2 tasks run/)

  const root = objectRootOf((await s.catalogue.packages.get(packageId))!.ocflId)
  const file = join(nas.dir, root, 'v1/content/data/plan.pdf')
  writeFileSync(file, 'plan v2?')
  const check = await lantaiAsync(['replicate', 'fixity', '--all', '--node', 'sh-nas'], { env })
  t.equal(check.code, 0, check.stderr)
  t.match(check.stdout, /1 damaged, 0 missing/)
  t.match(check.stdout, new RegExp(`REPAIRED ${packageId} \\[v1/content/data/plan\\.pdf\\] on sh-nas from primary; bad bytes kept at ${root}/logs/quarantine/`))
  t.equal(readFileSync(file, 'utf8'), 'plan v1')

  t.equal((await lantaiAsync(['replicate', 'fixity', '--node', 'nowhere'], { env })).code, 2)
})
