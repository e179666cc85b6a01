import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { initStorageRoot, objectRootOf, OcflObjectWriter, projectObjectId } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { meta, newFiles } from '../ocfl/helpers.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { lantai, lantaiAsync } from '../fixtures/cli.js'


t.test('lantai ingest sends a directory, a tar.gz and a bad bag to a running service; fixity run checks them', async t => {
  const dataDir = scratch(t)
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off' }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { logger: createLogger('silent'), schedule: false, decisionRequired: false })
  t.teardown(() => service.close())
  const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
  const env = { LANTAI_URL: url, LANTAI_TOKEN: service.firstAdminSecret ?? '', LANTAI_DATA: dataDir }
  await service.app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: `Bearer ${env.LANTAI_TOKEN}` }, payload: { code: '2026-310104-47-01-000302', name: 'cli' } })

  const dir = makeBag(t, { '竣工图/图1.pdf': '%PDF-1.7 one' })
  const first = await lantaiAsync(['ingest', dir, '--project', '2026-310104-47-01-000302'], { env })
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /^STORED sub_\w+: package pkg_\w+ version 1/)

  const second = makeBag(t, { '竣工图/图1.pdf': '%PDF-1.7 one', '竣工图/图2.pdf': '%PDF-1.7 two' })
  const tgz = join(scratch(t), 'bag.tar.gz')
  execFileSync('tar', ['-czf', tgz, '-C', second, '.'])
  const v2 = await lantaiAsync(['ingest', tgz, '--project', '2026-310104-47-01-000302', '--json'], { env })
  t.equal(v2.code, 0, v2.stderr)
  t.match(JSON.parse(v2.stdout), { state: 'stored', version: 2 })

  const bad = makeBag(t, { 'a.txt': 'alpha' })
  writeFileSync(join(bad, 'data/a.txt'), 'changed')
  const rejected = await lantaiAsync(['ingest', bad, '--project', '2026-310104-47-01-000302'], { env })
  t.equal(rejected.code, 1)
  t.match(rejected.stdout, /REJECTED sub_\w+: PACKAGE_INVALID/)
  t.match(rejected.stdout, /BAG_CHECKSUM_MISMATCH data\/a\.txt/)

  t.equal((await lantaiAsync(['ingest', dir, '--project', 'NOPE'], { env })).code, 2, 'an unknown project is refused by the service')
  t.match((await lantaiAsync(['ingest', dir, '--project', '2026-310104-47-01-000302'], { env: { ...env, LANTAI_TOKEN: 'lantai_bad' } })).stderr, /UNAUTHENTICATED/)

  const fixity = await lantaiAsync(['fixity', 'run', '--json', '--grace', '0'], { env })
  t.equal(fixity.code, 0, fixity.stderr)
  t.match(JSON.parse(fixity.stdout), { mismatches: 0, missing: 0 })
  const pkg = await service.catalogue.packages.getByProject('2026-310104-47-01-000302')
  if (pkg === null) throw new Error('no package')
  writeFileSync(join(dataDir, 'store', objectRootOf(pkg.ocflId), 'v2/content/data/竣工图/图2.pdf'), 'tampered')
  const damaged = await lantaiAsync(['fixity', 'run', '--package', pkg.id, '--grace', '0'], { env })
  t.equal(damaged.code, 1)
  t.match(damaged.stdout, new RegExp(`DAMAGED ${pkg.id}`))

  const ocfl = await lantaiAsync(['ocfl', 'validate', join(dataDir, 'store')], { env })
  t.equal(ocfl.code, 1, 'the tampered file is found by the OCFL validator too')
  t.match(ocfl.stdout, /E093|E092/)
})

t.test('lantai token create prints a working secret once; bad roles are usage errors', async t => {
  const dataDir = scratch(t)
  const made = lantai(['token', 'create', '--role', 'archivist', '--label', 'Wang Fang'], { env: { LANTAI_DATA: dataDir } })
  t.equal(made.code, 0, made.stderr)
  t.match(made.stdout, /^lantai_[\w-]{43}\n$/)
  t.match(made.stderr, /tok_\w+ \(archivist\)/)
  const bad = lantai(['token', 'create', '--role', 'emperor'], { env: { LANTAI_DATA: dataDir } })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--role is one of admin, archivist/)
})

t.test('lantai ocfl validate: a good object, one with a broken head, and a missing path', async t => {
  const store = new LocalBlobStore(scratch(t))
  await initStorageRoot(store)
  const id = projectObjectId('2019-310104-47-01-000123')
  await new OcflObjectWriter(store).addVersion(id, await newFiles(scratch(t), { 'data/a.txt': 'alpha' }), meta('v1'))
  const objectRoot = join(store.root, objectRootOf(id))
  const good = lantai(['ocfl', 'validate', objectRoot])
  t.equal(good.code, 0, good.stdout)
  t.equal(lantai(['ocfl', 'validate', store.root]).code, 0, 'and the storage root holding it')
  const inventory = join(objectRoot, 'inventory.json')
  writeFileSync(inventory, readFileSync(inventory, 'utf8').replace('"head": "v1"', '"head": "1"'))
  const bad = lantai(['ocfl', 'validate', objectRoot, '--json'])
  t.equal(bad.code, 1)
  t.match(JSON.parse(bad.stdout), { valid: false, errors: [{ code: String }] })
  t.equal(lantai(['ocfl', 'validate', '/no/such/object']).code, 2)
})

t.test('every command answers --help', async t => {
  for (const cmd of ['serve', 'worker', 'validate', 'ingest', 'token', 'fixity', 'ocfl']) {
    const r = lantai([cmd, '--help'])
    t.equal(r.code, 0, cmd)
    t.match(r.stdout, new RegExp(`usage: lantai ${cmd}`), cmd)
  }
})
