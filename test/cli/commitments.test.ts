import t from 'tap'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { scratch } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'

// The daily overdue sweep by hand: `lantai commitments sweep` asks the running service to run it (the
// service's clock decides the day), prints what it did, and is refused to anyone but an admin.

t.test('lantai commitments sweep runs the overdue job through the service, for an admin only', async t => {
  const dataDir = scratch(t)
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off' }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { logger: createLogger('silent'), schedule: false })
  t.teardown(() => service.close())
  const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
  const admin = service.firstAdminSecret ?? ''
  const archivist = (await service.app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { role: 'archivist', label: '档案员' } })).json<{ secret: string }>().secret

  const swept = await lantaiAsync(['commitments', 'sweep'], { env: { LANTAI_URL: url, LANTAI_TOKEN: admin } })
  t.equal(swept.code, 0, swept.stderr)
  t.match(swept.stdout, /^SWEPT \d{4}-\d{2}-\d{2}: 0 commitments overdue, 0 credit records, 0 supplements settled/)
  const json = await lantaiAsync(['commitments', 'sweep', '--json'], { env: { LANTAI_URL: url, LANTAI_TOKEN: admin } })
  t.match(JSON.parse(json.stdout), { today: /^\d{4}-\d{2}-\d{2}$/, overdue: [], settled: [] })

  const refused = await lantaiAsync(['commitments', 'sweep'], { env: { LANTAI_URL: url, LANTAI_TOKEN: archivist } })
  t.equal(refused.code, 1)
  t.match(refused.stderr, /^lantai commitments: FORBIDDEN/)
  const noToken = await lantaiAsync(['commitments', 'sweep'], { env: { LANTAI_URL: url, LANTAI_TOKEN: '' } })
  t.equal(noToken.code, 2)
  t.match(noToken.stderr, /no token/)
  t.equal((await lantaiAsync(['commitments', 'list'], { env: { LANTAI_URL: url, LANTAI_TOKEN: admin } })).code, 2, 'sweep is the one subcommand')
})
