import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, uptime } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfig } from '../../src/config.js'
import { isLantaiError } from '../../src/errors.js'
import { createLogger, type Logger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { acquireDataLock, LOCK_FILE, type LockHolder } from '../../src/service/data-lock.js'
import { scratch } from '../fixtures/bags.js'
import { buildTestApp } from '../fixtures/service.js'
import { freePort, ServiceChild } from '../fixtures/service-process.js'

// One process owns a data directory (src/service/data-lock.ts): a second start is refused while the
// holder lives, a dead holder's lock is taken over, and a graceful stop leaves no lock behind.

const ROOT = join(import.meta.dirname, '../..')
const EXIT_MS = 20_000

/** A logger whose lines can be read back. */
function capture (): { log: Logger, lines: () => Array<Record<string, unknown>> } {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => { text += c.toString('utf8') })
  return { log: createLogger('info', out), lines: () => text.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Record<string, unknown>) }
}

/** A pid of this host that is certainly not running: a child that has exited. */
function deadPid (): number {
  const r = spawnSync('true')
  if (r.pid === undefined) throw new Error('no child pid')
  return r.pid
}

function writeLock (dataDir: string, holder: LockHolder | string): void {
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(join(dataDir, LOCK_FILE), typeof holder === 'string' ? holder : JSON.stringify(holder) + '\n')
}

const holderIn = (dataDir: string): LockHolder => JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockHolder

t.test('a second start on the same data directory is refused with DATA_DIR_LOCKED; the first keeps working and releases the lock on close', async t => {
  const first = await buildTestApp(t)
  t.match(holderIn(first.dataDir), { pid: process.pid, hostname: hostname() })
  const config = loadConfig({ LANTAI_DATA: first.dataDir, LANTAI_FIXITY_CRON: 'off' }, ROOT)
  const err = await startService(config, { listen: false, schedule: false, logger: createLogger('silent') }).catch((e: unknown) => e)
  t.ok(isLantaiError(err), String(err))
  t.match(err, { code: 'DATA_DIR_LOCKED', details: { dataDir: first.dataDir, pid: process.pid }, message: new RegExp(`${first.dataDir} is locked by pid ${process.pid}`) })
  t.equal((await first.app.inject({ method: 'GET', url: '/v1/projects', headers: first.auth() })).statusCode, 200, 'the first service still answers')

  await first.close()
  t.notOk(existsSync(join(first.dataDir, LOCK_FILE)), 'close removed the lock file')
  const again = await startService(config, { listen: false, schedule: false, logger: createLogger('silent') })
  t.teardown(() => again.close())
  t.match(holderIn(first.dataDir), { pid: process.pid })
})

t.test('a stale lock (this host, its process gone) is taken over with a warning naming the old holder', async t => {
  const dataDir = scratch(t)
  const pid = deadPid()
  writeLock(dataDir, { pid, hostname: hostname(), startedAt: new Date().toISOString() })
  const { log, lines } = capture()
  const lock = await acquireDataLock(dataDir, log)
  t.match(holderIn(dataDir), { pid: process.pid })
  t.match(lines(), [{ level: 40, msg: 'stale data lock taken over', holder: { pid }, reason: 'its process is gone' }])
  await lock.release()
  t.notOk(existsSync(join(dataDir, LOCK_FILE)))
})

t.test('locks whose pid may have been reused are stale: taken before the last boot, or by an earlier process with this pid', async t => {
  const beforeBoot = new Date(Date.now() - uptime() * 1000 - 60_000).toISOString()
  const beforeThisProcess = new Date(Date.now() - process.uptime() * 1000 - 1000).toISOString()
  for (const [startedAt, pid, reason] of [[beforeBoot, process.ppid, 'taken before the last boot'], [beforeThisProcess, process.pid, 'left by an earlier process with this pid']] as const) {
    const dataDir = scratch(t)
    writeLock(dataDir, { pid, hostname: hostname(), startedAt })
    const { log, lines } = capture()
    const lock = await acquireDataLock(dataDir, log)
    t.match(lines(), [{ msg: 'stale data lock taken over', reason }], reason)
    await lock.release()
  }
})

t.test('a lock of another host is refused: its pid cannot be checked from here', async t => {
  const dataDir = scratch(t)
  writeLock(dataDir, { pid: deadPid(), hostname: `not-${hostname()}`, startedAt: new Date().toISOString() })
  await t.rejects(acquireDataLock(dataDir, createLogger('silent')), { code: 'DATA_DIR_LOCKED', details: { hostname: `not-${hostname()}` } })
})

t.test('a lock file left empty by a crash between create and write is taken over once it is not fresh', async t => {
  const dataDir = scratch(t)
  writeLock(dataDir, '')
  const old = new Date(Date.now() - 60_000)
  utimesSync(join(dataDir, LOCK_FILE), old, old)
  const { log, lines } = capture()
  const lock = await acquireDataLock(dataDir, log)
  t.match(lines(), [{ msg: 'unreadable data lock taken over' }])
  await lock.release()
})

t.test('two starts racing for the same stale lock: exactly one gets it', async t => {
  for (let i = 0; i < 10; i++) {
    const dataDir = scratch(t)
    writeLock(dataDir, { pid: deadPid(), hostname: hostname(), startedAt: new Date().toISOString() })
    const results = await Promise.allSettled([acquireDataLock(dataDir, createLogger('silent')), acquireDataLock(dataDir, createLogger('silent'))])
    const won = results.filter(r => r.status === 'fulfilled')
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    t.equal(won.length, 1, `round ${i}: one winner`)
    t.match(lost.map(r => r.reason as unknown), [{ code: 'DATA_DIR_LOCKED' }])
    for (const w of won) await w.value.release()
  }
})

t.test('lantai serve: a second serve exits 2 naming the data directory and the holder pid, touching nothing; SIGTERM releases the lock; after kill -9 the next start takes it over', async t => {
  const dataDir = scratch(t)
  const children: ServiceChild[] = []
  t.teardown(async () => { await Promise.all(children.map(c => c.kill('SIGKILL'))) })
  const start = async (): Promise<ServiceChild> => {
    const child = new ServiceChild(dataDir, await freePort())
    children.push(child)
    return child
  }

  // 1. A running service, and an in-flight upload's staging directory (as it would look mid-receive).
  const first = await start()
  await first.ready()
  const pid = first.proc.pid ?? -1
  t.match(holderIn(dataDir), { pid, hostname: hostname() })
  const inFlight = join(dataDir, 'staging', 'sub_INFLIGHT')
  mkdirSync(join(inFlight, 'bag'), { recursive: true })

  // 2. The second start is refused before it recovers anything.
  const second = await start()
  const refused = await Promise.race([second.exited, sleep(EXIT_MS, null, { ref: false })])
  t.same(refused, { code: 2, signal: null }, second.output)
  t.match(second.output, /^lantai serve: DATA_DIR_LOCKED: /m)
  t.ok(second.output.includes(dataDir), 'the message names the data directory')
  t.ok(second.output.includes(`pid ${pid}`), 'the message names the holder pid')
  t.ok(existsSync(inFlight), 'the first service\'s staging is untouched')
  t.ok(first.running, 'the first service still runs')

  // 3. A graceful stop removes the lock file.
  t.same(await first.stop('SIGTERM'), { code: 0, signal: null }, first.output)
  t.notOk(existsSync(join(dataDir, LOCK_FILE)), 'SIGTERM released the lock')

  // 4. kill -9 leaves the lock behind; the next start finds its holder gone and takes it over.
  const killed = await start()
  await killed.ready()
  const killedPid = killed.proc.pid ?? -1
  await killed.kill('SIGKILL')
  t.match(holderIn(dataDir), { pid: killedPid }, 'a killed service leaves its lock')
  const next = await start()
  await next.ready()
  t.match(next.output, /stale data lock taken over/)
  t.match(holderIn(dataDir), { pid: next.proc.pid })
  t.same(await next.stop('SIGTERM'), { code: 0, signal: null }, next.output)
  t.notOk(existsSync(join(dataDir, LOCK_FILE)))
})
