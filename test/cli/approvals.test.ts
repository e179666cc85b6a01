import t from 'tap'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { scratch } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'

// `lantai approvals` is a thin client of /v1/approvals: the service decides who may approve.

t.test('an officer files a request from a terminal, cannot approve it, and another officer does', async t => {
  const config = loadConfig({ LANTAI_DATA: scratch(t), LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off' }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { logger: createLogger('silent'), schedule: false })
  t.teardown(() => service.close())
  const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
  const officerA = (await service.catalogue.tokens.create({ role: 'security-officer', label: '保密员 王' })).secret
  const officerB = (await service.catalogue.tokens.create({ role: 'security-officer', label: '保密员 赵' })).secret

  const filed = await lantaiAsync(['approvals', 'request', 'access-policy-change', '--object', 'aggregation', '--param', 'files=100', '--reason', '普查期间放宽'], { env: { LANTAI_URL: url, LANTAI_TOKEN: officerA } })
  t.equal(filed.code, 0, filed.stderr)
  const id = /^(apr_\w+)\taccess-policy-change\trequested\taggregation\t/.exec(filed.stdout)?.[1] ?? ''
  t.not(id, '', filed.stdout)
  const self = await lantaiAsync(['approvals', 'approve', id], { env: { LANTAI_URL: url, LANTAI_TOKEN: officerA } })
  t.equal(self.code, 1)
  t.match(self.stderr, /SELF_APPROVAL: 批准人须不同于申请人及当事人/)
  const ok = await lantaiAsync(['approvals', 'approve', id, '--reason', '同意', '--json'], { env: { LANTAI_URL: url, LANTAI_TOKEN: officerB } })
  t.equal(ok.code, 0, ok.stderr)
  t.match(JSON.parse(ok.stdout), { id, state: 'executed', decisionReason: '同意', parameters: { caps: { files: 100 } } }, 'the approval carried the change out')
  t.equal((await lantaiAsync(['approvals', 'nonsense'], { env: { LANTAI_URL: url, LANTAI_TOKEN: officerB } })).code, 2)
})
