import t from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { objectRootOf } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { makeBag } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'

// `lantai fixity run` beside a running service (it needs `npm run build` first, as every CLI test).

t.test('lantai fixity run names each damaged or missing file by package, logical path and content path, in text and JSON', async t => {
  const s = await buildTestApp(t)
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2024-310104-47-01-000203', name: 'fixity cli' } })
  const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2024-310104-47-01-000203', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { '竣工图/图1.pdf': 'one', '竣工图/图2.pdf': 'two', 'ok.txt': 'fine' })) })
  const sub = await s.settle((res.json() as { id: string }).id)
  const pkg = await s.catalogue.packages.get(String(sub.packageId))
  if (pkg === null) throw new Error('not stored')
  const root = new LocalBlobStore(join(s.dataDir, 'store')).pathOf(objectRootOf(pkg.ocflId))
  writeFileSync(join(root, 'v1/content/data/竣工图/图1.pdf'), 'ONE')
  rmSync(join(root, 'v1/content/data/竣工图/图2.pdf'))
  const env = { LANTAI_DATA: s.dataDir }

  const text = await lantaiAsync(['fixity', 'run', '--grace', '0'], { env })
  t.equal(text.code, 1, text.stderr)
  t.match(text.stdout, new RegExp(`DAMAGED ${pkg.id}`))
  t.match(text.stdout, new RegExp(`MISMATCH ${pkg.id} data/竣工图/图1\\.pdf \\[v1/content/data/竣工图/图1\\.pdf\\] event \\d+: sha512: inventory`))
  t.match(text.stdout, new RegExp(`MISSING ${pkg.id} data/竣工图/图2\\.pdf \\[v1/content/data/竣工图/图2\\.pdf\\] event \\d+: `))
  t.notMatch(text.stdout, /ok\.txt/)

  const json = await lantaiAsync(['fixity', 'run', '--json', '--grace', '0'], { env })
  t.equal(json.code, 1)
  t.match(JSON.parse(json.stdout), {
    damaged: [
      { packageId: pkg.id, logicalPaths: ['data/竣工图/图1.pdf'], contentPath: 'v1/content/data/竣工图/图1.pdf', outcome: 'mismatch' },
      { packageId: pkg.id, logicalPaths: ['data/竣工图/图2.pdf'], contentPath: 'v1/content/data/竣工图/图2.pdf', outcome: 'missing' }
    ]
  })
})
