import { hostname, uptime } from 'node:os'
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { LantaiError } from '../errors.js'
import type { Logger } from '../logger.js'

// One process owns a data directory: the one that runs crash recovery, which fails cut-off uploads and
// deletes staging no live submission owns. A second `lantai serve` on the same directory would do that
// under the first one's feet, so start takes this lock first and refuses while another holder lives.
// Commands that only read the store and write the catalogue through SQLite's own locking (`lantai
// fixity run`, `lantai token create`) run beside the service and do not take it.

export const LOCK_FILE = 'lantai.lock'

/** What the lock file holds: enough to tell a live holder from a crashed one, and to name it. */
export interface LockHolder {
  pid: number
  hostname: string
  /** ISO 8601: when the holder took the lock. */
  startedAt: string
}

export interface DataLock {
  readonly file: string
  readonly holder: LockHolder
  /** Removes the lock file if it is still this holder's. Idempotent. */
  release (): Promise<void>
}

export interface DataLockOptions {
  /** Whether a pid of this host is running (tests); default: kill(pid, 0). */
  isAlive?: (pid: number) => boolean
}

/** A takeover guard older than this was left by a process that died mid-takeover (a few ms of work). */
const GUARD_STALE_MS = 10_000
const ATTEMPTS = 50
const RETRY_MS = 20

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

function pidAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return errno(e) === 'EPERM' // it exists, under another user
  }
}

function parseHolder (text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>
    if (Number.isSafeInteger(h.pid) && typeof h.hostname === 'string' && typeof h.startedAt === 'string' && !Number.isNaN(Date.parse(h.startedAt))) return h as LockHolder
  } catch {
    // not JSON: handled as unreadable by the caller
  }
  return null
}

/**
 * Why a holder's lock no longer protects anything, or null while it may still be working. Only a
 * holder on this host can be judged: another host's pids are not visible from here, so its lock stands
 * until an operator removes it.
 */
function staleReason (h: LockHolder, isAlive: (pid: number) => boolean): string | null {
  if (h.hostname !== hostname()) return null
  const since = Date.parse(h.startedAt)
  // After a reboot the pid may belong to an unrelated process now.
  if (since < Date.now() - uptime() * 1000) return 'taken before the last boot'
  if (h.pid === process.pid) {
    // This pid: a lock taken by this very process is live; one older than this process was left by an
    // earlier one that had the same pid (a container's pid 1 after a restart).
    return since < Date.now() - process.uptime() * 1000 ? 'left by an earlier process with this pid' : null
  }
  return isAlive(h.pid) ? null : 'its process is gone'
}

/**
 * Takes `<dataDir>/lantai.lock`, created with O_EXCL and holding pid, hostname and start time. A lock of
 * a holder that is gone (this host, pid not running) is taken over with a warning; a live one makes this
 * throw DATA_DIR_LOCKED naming the directory and the holder.
 */
export async function acquireDataLock (dataDir: string, log: Logger, options: DataLockOptions = {}): Promise<DataLock> {
  const isAlive = options.isAlive ?? pidAlive
  const file = join(dataDir, LOCK_FILE)
  await mkdir(dataDir, { recursive: true })
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() }
  const content = JSON.stringify(holder) + '\n'

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await create(file, content)) {
      let released: Promise<void> | undefined
      return { file, holder, release: async () => { released ??= removeIf(file, content); return await released } }
    }
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (e) {
      if (errno(e) === 'ENOENT') continue // released between our create and read: try again
      throw e
    }
    const other = parseHolder(text)
    if (other === null) {
      // Created but not yet written (a holder is between open and write), or left half-written by a
      // crash in that instant: wait a moment, then treat it as a crashed holder's.
      if (Date.now() - (await mtimeMs(file)) < GUARD_STALE_MS / 10) { await sleep(RETRY_MS); continue }
      log.warn({ lockFile: file }, 'unreadable data lock taken over')
      await takeOver(file, text)
      continue
    }
    const reason = staleReason(other, isAlive)
    if (reason === null) {
      throw new LantaiError('DATA_DIR_LOCKED',
        `${dataDir} is locked by pid ${other.pid} on ${other.hostname} since ${other.startedAt}; stop that process first, or remove ${file} if it is gone`,
        { dataDir, lockFile: file, ...other })
    }
    log.warn({ lockFile: file, holder: other, reason }, 'stale data lock taken over')
    await takeOver(file, text)
  }
  throw new LantaiError('DATA_DIR_LOCKED', `${dataDir}: the lock changed hands ${ATTEMPTS} times while starting; another process keeps starting on it`, { dataDir, lockFile: file })
}

async function create (file: string, content: string): Promise<boolean> {
  let fh
  try {
    fh = await open(file, 'wx') // O_CREAT | O_EXCL: exactly one creator wins
  } catch (e) {
    if (errno(e) === 'EEXIST') return false
    throw e
  }
  try {
    await fh.writeFile(content)
    await fh.sync()
  } catch (e) {
    await fh.close()
    await unlink(file).catch(() => {})
    throw e
  }
  await fh.close()
  return true
}

/**
 * Removes the stale lock whose content was `seen`. Two processes may find the same stale lock at once:
 * unlinking by name, the slower one would remove the lock the faster one just created. So the check and
 * the unlink happen under a guard file only one process can create, and only if the lock is unchanged.
 */
async function takeOver (file: string, seen: string): Promise<void> {
  const guard = `${file}.takeover`
  let fh
  try {
    fh = await open(guard, 'wx')
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e
    // Someone else is taking over; if the guard is old, its owner died mid-takeover.
    if (Date.now() - (await mtimeMs(guard)) > GUARD_STALE_MS) await unlink(guard).catch(() => {})
    else await sleep(RETRY_MS)
    return
  }
  await fh.close()
  try {
    await removeIf(file, seen)
  } finally {
    await unlink(guard).catch(() => {})
  }
}

async function removeIf (file: string, expected: string): Promise<void> {
  try {
    if (await readFile(file, 'utf8') === expected) await unlink(file)
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e
  }
}

async function mtimeMs (file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs
  } catch {
    return 0
  }
}
