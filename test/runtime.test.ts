import t from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../src/config.js'
import { isLantaiError } from '../src/errors.js'
import { createLogger } from '../src/logger.js'
import { startService } from '../src/main.js'
import { openRuntime } from '../src/runtime.js'
import { scratch } from './fixtures/bags.js'

const ROOT = join(import.meta.dirname, '..')

t.test('a command opens the runtime of a data directory while the service holds its lock, and sees what the service wrote', async t => {
  const config = loadConfig({ LANTAI_DATA: scratch(t), LANTAI_FIXITY_CRON: 'off' }, ROOT)
  const service = await startService(config, { logger: createLogger('silent'), listen: false, schedule: false })
  t.teardown(() => service.close())
  t.ok(service.firstAdminSecret)
  const runtime = await openRuntime(config, { mode: 'existing' })
  t.equal(await runtime.catalogue.tokens.count(), 1, 'the first admin token')
  t.equal(runtime.store.description, `local:${join(config.dataDir, 'store')}`)
  await runtime.close()
  await runtime.close()
  t.pass('closing twice is harmless')
})

t.test('a command on a data directory that is missing, or was never served, is told which setting to fix', async t => {
  const dataDir = scratch(t)
  const missing = await openRuntime(loadConfig({ LANTAI_DATA: join(dataDir, 'absent') }, ROOT), { mode: 'existing' }).then(() => null, (e: unknown) => e)
  t.ok(isLantaiError(missing) && missing.code === 'DATA_DIR_MISSING', 'DATA_DIR_MISSING')
  const empty = await openRuntime(loadConfig({ LANTAI_DATA: dataDir }, ROOT), { mode: 'existing' }).then(() => null, (e: unknown) => e)
  t.ok(isLantaiError(empty) && empty.code === 'DATA_DIR_UNUSABLE', 'DATA_DIR_UNUSABLE')
  const made = await openRuntime(loadConfig({ LANTAI_DATA: dataDir }, ROOT), { mode: 'create-catalogue' })
  t.equal(await made.catalogue.tokens.count(), 0, 'token create may make the catalogue of an existing directory')
  await made.close()
})
