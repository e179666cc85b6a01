import t from 'tap'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { scratch } from '../fixtures/bags.js'

// LocalBlobStore writes through <store>/.staging/<random> and renames into place; a crash between the
// two leaves the file there. The service removes them at start, holding the data lock, and says how many.

t.test('a start removes the store\'s staging leftovers and logs how many', async t => {
  const dataDir = scratch(t)
  const leftovers = join(dataDir, 'store', '.staging')
  mkdirSync(leftovers, { recursive: true })
  for (const name of ['9c1e0f2a7b3d4e5f6a7b8c9d', '0a1b2c3d4e5f6a7b8c9d0e1f', '5e6f7a8b9c0d1e2f3a4b5c6d']) writeFileSync(join(leftovers, name), 'half of an inventory')
  const out = new PassThrough()
  let logged = ''
  out.on('data', (c: Buffer) => { logged += c.toString('utf8') })

  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_FIXITY_CRON: 'off' }, join(import.meta.dirname, '../..'))
  const service = await startService(config, { listen: false, schedule: false, logger: createLogger('info', out), decisionRequired: false })
  t.teardown(() => service.close())

  t.same(readdirSync(leftovers), [], '.staging is empty')
  const line = logged.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Record<string, unknown>).find(l => l.msg === 'leftover store staging files removed')
  t.match(line, { level: 30, removed: 3, dir: leftovers })
  t.ok(existsSync(join(dataDir, 'store', '0=ocfl_1.1')), 'the storage root itself is intact')
})
