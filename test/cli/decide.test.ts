import t from 'tap'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'

// The archivist decides from a terminal: `lantai ingest --application` sends a package that stops at
// awaiting_decision under the shipped policy, and `lantai decide` returns it for rectification.

const CODE = '2026-310104-47-01-000321'

t.test('lantai ingest stops at awaiting_decision, and lantai decide returns it with a numbered notice, once', async t => {
  const dataDir = scratch(t)
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off' }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { logger: createLogger('silent'), schedule: false })
  t.teardown(() => service.close())
  const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
  const admin = { authorization: `Bearer ${service.firstAdminSecret ?? ''}` }
  await service.app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { code: CODE, name: 'cli decide' } })
  const archivist = (await service.app.inject({ method: 'POST', url: '/v1/tokens', headers: admin, payload: { role: 'archivist', label: '档案员' } })).json<{ secret: string }>().secret
  const env = { LANTAI_URL: url, LANTAI_TOKEN: archivist }
  const app = (await service.app.inject({ method: 'POST', url: `/v1/projects/${CODE}/applications`, headers: { authorization: `Bearer ${archivist}` }, payload: {} })).json<{ id: string }>().id

  const sent = await lantaiAsync(['ingest', makeBag(t, { 'a.txt': 'alpha' }), '--project', CODE, '--application', app], { env })
  t.equal(sent.code, 0, sent.stderr)
  const id = /^AWAITING_DECISION (sub_\w+)/.exec(sent.stdout)?.[1] ?? ''
  t.not(id, '', sent.stdout)

  t.equal((await lantaiAsync(['decide', id, '--accept', '--rectify'], { env })).code, 2, 'one decision at a time')
  const decided = await lantaiAsync(['decide', id, '--rectify', '--item', '补充竣工图', '--item', 'Sign the transfer list'], { env })
  t.equal(decided.code, 0, decided.stderr)
  t.match(decided.stdout, /^RECTIFICATION_REQUIRED sub_\w+: 整改〔\d{4}〕第0001号 \(submission rejected\)/)
  const again = await lantaiAsync(['decide', id, '--accept'], { env })
  t.equal(again.code, 1)
  t.match(again.stderr, /DECISION_NOT_AWAITED/)
  const notice = (await service.catalogue.reviews.documentsOf(app))[0]
  // the automatic findings come first (this bag covers little of the filing scope); the archivist's items close the list
  const items = (notice?.body as { findings: Array<{ source: string }> }).findings.filter(f => f.source === 'archivist')
  t.match(items, [{ source: 'archivist', messageZh: '补充竣工图' }, { source: 'archivist', message: 'Sign the transfer list' }])
})
