import { join } from 'node:path'
import t from 'tap'
import { openCatalogue } from '../../src/catalogue/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { scratch } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { fillNode, PROJECTS, storeSomePackages } from '../fixtures/nodes.js'
import { buildTestApp } from '../fixtures/service.js'

// `lantai drill run` and `lantai catalogue rebuild` as an operator runs them (needs `npm run build`).

t.test('lantai drill run prints RTO and RPO; lantai catalogue rebuild makes a working data directory from one node', async t => {
  const s = await buildTestApp(t)
  await storeSomePackages(t, s)
  const nodeDir = join(scratch(t), 'nas')
  await fillNode(new LocalBlobStore(join(s.dataDir, 'store')), new LocalBlobStore(nodeDir))
  await s.catalogue.nodes.create({
    id: 'nas-1', kind: 'filesystem', primary: false, endpoint: null, bucket: null, path: nodeDir, credentials: null, province: '广东', city: '广州', seismicRegion: 'south-china',
    media: 'disk', operator: 'center', implementation: 'nfs', clearance: '机密', state: 'active', capacityBytes: null
  }, 'test')
  const env = { LANTAI_DATA: s.dataDir }

  const drill = await lantaiAsync(['drill', 'run', '--sample', '2'], { env })
  t.equal(drill.code, 0, drill.stderr)
  t.match(drill.stdout, /drill drl_\w+ on nas-1: PASSED, 2 packages/)
  t.match(drill.stdout, /RTO \d+ ms; RPO \d+ ms/)
  t.match(drill.stdout, /演练 通过/)

  const into = join(scratch(t), 'restored')
  const rebuilt = await lantaiAsync(['catalogue', 'rebuild', '--from', nodeDir, '--into', into], { env })
  t.equal(rebuilt.code, 0, rebuilt.stderr)
  t.match(rebuilt.stdout, /2 packages, 3 versions/)
  const catalogue = await openCatalogue(join(into, 'catalogue.sqlite'))
  t.teardown(async () => { await catalogue.close() })
  t.equal((await catalogue.packages.getByProject(PROJECTS[0]))?.headVersion, 2)

  const again = await lantaiAsync(['catalogue', 'rebuild', '--from', nodeDir, '--into', into], { env })
  t.equal(again.code, 2, 'a non-empty target is refused')
  t.match(again.stderr, /RESTORE_TARGET_NOT_EMPTY/)
})
