import t from 'tap'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { makeCenterPki } from '../fixtures/documents.js'

// From a terminal: `lantai documents pdf` fetches a notice sealed by the center from the running service,
// and `lantai seals verify` passes it against the center's root (issue 14 item 6).

const CODE = '2026-310104-47-01-000421'
const center = makeCenterPki(t)

t.test('lantai documents pdf writes the sealed notice, and lantai seals verify reports it TOTAL_PASSED against the center root', async t => {
  const dataDir = scratch(t)
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off', ...center.env('sm2') }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { logger: createLogger('silent'), schedule: false })
  t.teardown(() => service.close())
  const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
  const admin = { authorization: `Bearer ${service.firstAdminSecret ?? ''}` }
  await service.app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { code: CODE, name: '命令行文书' } })
  const archivist = (await service.app.inject({ method: 'POST', url: '/v1/tokens', headers: admin, payload: { role: 'archivist', label: '档案员' } })).json<{ secret: string }>().secret
  const env = { LANTAI_URL: url, LANTAI_TOKEN: archivist }
  const app = (await service.app.inject({ method: 'POST', url: `/v1/projects/${CODE}/applications`, headers: { authorization: `Bearer ${archivist}` }, payload: {} })).json<{ id: string }>().id
  const sent = await lantaiAsync(['ingest', makeBag(t, { 'a.txt': 'alpha' }), '--project', CODE, '--application', app], { env })
  const id = /^AWAITING_DECISION (sub_\w+)/.exec(sent.stdout)?.[1] ?? ''
  const decided = await lantaiAsync(['decide', id, '--rectify', '--item', '补充竣工图'], { env })
  const number = /(整改〔\d{4}〕第\d{4}号)/.exec(decided.stdout)?.[1] ?? ''
  t.not(number, '', decided.stdout)

  const out = join(scratch(t), 'notice.pdf')
  const fetched = await lantaiAsync(['documents', 'pdf', number, '--out', out], { env })
  t.equal(fetched.code, 0, fetched.stderr)
  const verified = await lantaiAsync(['seals', 'verify', out, '--trust', center.trustDir])
  t.equal(verified.code, 0, verified.stdout)
  t.match(verified.stdout, /TOTAL_PASSED {2}pades CenterSeal \(PAdES-BASELINE-B\)/)

  const missing = await lantaiAsync(['documents', 'pdf', '整改〔2026〕第9999号', '--out', out], { env })
  t.equal(missing.code, 1)
  t.match(missing.stderr, /DOCUMENT_NOT_FOUND/)
  t.equal((await lantaiAsync(['documents', 'pdf', number], { env })).code, 2, '--out is needed')
})
