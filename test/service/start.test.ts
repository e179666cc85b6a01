import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { openCatalogue } from '../../src/catalogue/index.js'
import { loadConfig } from '../../src/config.js'
import { isLantaiError } from '../../src/errors.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { scratch } from '../fixtures/bags.js'
import { call, freePort, ServiceChild } from '../fixtures/service-process.js'

// Starting the service as an operator does: a busy port, port 0, a bad setting. Each failure is one
// clear line and exit 2, and nothing that is shown only once (the first admin token) is used up by a
// start that failed.

const ROOT = join(import.meta.dirname, '../..')

async function occupy (t: Test): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** What the operator reads: the output without the JSON log lines. */
const said = (c: ServiceChild): string => c.output.split('\n').filter(l => l.trim() !== '' && !l.startsWith('{')).join('\n')

function child (t: Test, dataDir: string, port: number, env: NodeJS.ProcessEnv = {}): ServiceChild {
  const c = new ServiceChild(dataDir, port, { env })
  t.teardown(async () => { await c.kill() })
  return c
}

t.test('a busy port is one bilingual line naming host:port and LANTAI_PORT, exit 2, and the first admin token is not used up', async t => {
  const dataDir = scratch(t)
  const busy = await occupy(t)
  const failed = child(t, dataDir, busy)
  const exit = await failed.exited
  t.same(exit, { code: 2, signal: null })
  t.match(said(failed), new RegExp(`^lantai serve: PORT_IN_USE: 端口已被.*占用.* / the port is already in use.*: 127\\.0\\.0\\.1:${busy} \\(LANTAI_PORT\\)$`))
  t.notMatch(said(failed), /\n/, 'one line')
  t.notMatch(said(failed), /\bat .*\.js:\d+/, 'no stack trace')
  t.notMatch(failed.stdout, /LANTAI_TOKEN=/, 'no token was shown for a start that failed')
  const catalogue = await openCatalogue(join(dataDir, 'catalogue.sqlite'))
  t.equal(await catalogue.tokens.count(), 0, 'and none was made')
  await catalogue.close()

  const next = child(t, dataDir, await freePort())
  await next.ready()
  const token = next.token()
  t.ok(token, 'the next start that opens its port shows the first admin token')
  t.equal((await call(next.port, 'GET', '/v1/projects', { authorization: `Bearer ${token ?? ''}` })).status, 200)
  t.match(next.stdout, /lantai token create --role admin/, 'and says how to make another')
})

t.test('with LANTAI_PORT=0 the service prints the port it actually bound, never :0', async t => {
  const c = child(t, scratch(t), 0)
  const port = await c.listening()
  t.not(port, 0)
  t.notMatch(c.stdout, /:0\b/)
  t.match(c.stdout, new RegExp(`curl -H "Authorization: Bearer \\$LANTAI_TOKEN" http://127\\.0\\.0\\.1:${port}/v1/projects`))
  t.equal((await call(port, 'GET', '/healthz')).status, 200)
})

t.test('startService: the first admin token exists only once the port is open, and its event with it', async t => {
  const busy = await occupy(t)
  const dataDir = scratch(t)
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_PORT: String(busy), LANTAI_FIXITY_CRON: 'off' }, ROOT)
  const err = await startService(config, { logger: createLogger('silent'), schedule: false }).then(() => null, (e: unknown) => e)
  t.ok(isLantaiError(err) && err.code === 'PORT_IN_USE', 'PORT_IN_USE')
  const catalogue = await openCatalogue(join(dataDir, 'catalogue.sqlite'))
  t.equal(await catalogue.tokens.count(), 0)
  await catalogue.close()

  const service = await startService({ ...config, port: 0 }, { logger: createLogger('silent'), schedule: false })
  t.teardown(() => service.close())
  t.ok(service.firstAdminSecret)
  t.not(service.port, 0)
  t.equal((await service.catalogue.events.list({ type: 'token.created', limit: 10, offset: 0 })).items.length, 1)
})

t.test('a bad setting is one CONFIG_INVALID naming every bad variable, its value and what is allowed; exit 2, no stack', async t => {
  const c = child(t, scratch(t), await freePort(), { LANTAI_FIXITY_CRON: '61 * * * *', LANTAI_LOG_LEVEL: 'loud', LANTAI_INGEST_CONCURRENCY: '0' })
  t.same(await c.exited, { code: 2, signal: null })
  const text = said(c)
  t.match(text, /^lantai serve: CONFIG_INVALID: 配置中有错误的值 \/ the configuration has bad values: /)
  t.match(text, /LANTAI_FIXITY_CRON="61 \* \* \* \*" \(allowed: a cron expression/)
  t.match(text, /LANTAI_LOG_LEVEL="loud" \(allowed: fatal, error, warn, info, debug, trace or silent\)/)
  t.match(text, /LANTAI_INGEST_CONCURRENCY="0" \(allowed: a whole number from 1 to 64\)/)
  t.notMatch(text, /\n/, 'one line')
  t.notMatch(text, /node-cron|\bat .*\.js:\d+/, 'no stack trace')
})

t.test('a data directory that is a file is DATA_DIR_UNUSABLE naming LANTAI_DATA, exit 2', async t => {
  const file = join(scratch(t), 'var')
  writeFileSync(file, 'not a directory')
  const c = child(t, file, await freePort())
  t.same(await c.exited, { code: 2, signal: null })
  t.match(said(c), /^lantai serve: DATA_DIR_UNUSABLE: .* LANTAI_DATA=.*var: (ENOTDIR|EEXIST)$/)
})
