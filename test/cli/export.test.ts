import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { validateBag } from '../../src/bagit/index.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { tarOf } from '../fixtures/service.js'

// `lantai export` is a thin client of GET /v1/packages/:id/export: the file is written whole, or not at all.

t.test('an archivist exports a package from a terminal; a refusal writes nothing and names the rule', async t => {
  const config = loadConfig({ LANTAI_DATA: scratch(t), LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off' }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { logger: createLogger('silent'), schedule: false, decisionRequired: false })
  t.teardown(() => service.close())
  const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
  const admin = service.firstAdminSecret ?? ''
  const code = '2024-330108-47-01-000902'
  t.equal((await service.app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: `Bearer ${admin}` }, payload: { code, name: '导出' } })).statusCode, 201)
  const res = await service.app.inject({ method: 'POST', url: `/v1/submissions?project=${code}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { 'plan.pdf': 'plan v1' })) })
  const id = (res.json() as { id: string }).id
  let sub: { state: string, packageId?: string } = { state: 'received' }
  while (!['stored', 'rejected', 'failed'].includes(sub.state)) {
    await Promise.all(service.runners.map(r => r.idle()))
    sub = (await service.app.inject({ method: 'GET', url: `/v1/submissions/${id}`, headers: { authorization: `Bearer ${admin}` } })).json() as typeof sub
  }
  const pkg = String(sub.packageId)
  const archivist = (await service.catalogue.tokens.create({ role: 'archivist', label: '档案员 李' })).secret
  const dir = scratch(t)
  const out = join(dir, 'bag.tar')

  const ok = await lantaiAsync(['export', pkg, '--out', out, '--version', 'v1'], { env: { LANTAI_URL: url, LANTAI_TOKEN: archivist } })
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /bag\.tar\t\d+ bytes/)
  execFileSync('tar', ['-xf', out], { cwd: dir })
  t.ok((await validateBag(join(dir, `${pkg}-v1`))).valid, 'the tar holds a valid bag')

  await service.catalogue.packages.setTier(pkg, { tier: '秘密', agent: 'test', reason: 'raised for the test' })
  const cleared = (await service.catalogue.tokens.create({ role: 'archivist', label: '档案员 张', clearance: '秘密' })).secret
  const refused = await lantaiAsync(['export', pkg, '--out', join(dir, 'classified.tar')], { env: { LANTAI_URL: url, LANTAI_TOKEN: cleared } })
  t.equal(refused.code, 1)
  t.match(refused.stderr, /EXPORT_APPROVAL_REQUIRED: 导出涉密材料须经双人审批/)
  t.notOk(existsSync(join(dir, 'classified.tar')), 'nothing written')
  t.same(readdirSync(dir).filter(n => n.endsWith('.part')), [], 'not even a part')
  t.equal((await lantaiAsync(['export', pkg], { env: { LANTAI_URL: url, LANTAI_TOKEN: cleared } })).code, 2, '--out is required')
})
