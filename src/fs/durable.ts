import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { eachConcurrently } from '../concurrent.js'

// What "written" means wherever Lantai answers for bytes: on the disk, not in the page cache. A state
// that tells a client it may forget its copy (202 Accepted, `received`) must survive a power cut.

/** fsync a directory, so the names created in it survive a power cut. */
export async function fsyncDir (dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Replaces `file` with `data` atomically and durably: a temp file, fsynced, renamed, then the directory fsynced. */
export async function writeFileDurably (file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } catch (err) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw err
  }
  await fh.close()
  await rename(tmp, file)
  await fsyncDir(dirname(file))
}

let syncfsWorks: boolean | undefined

/**
 * Flushes the whole filesystem holding `path` (syncfs(2), through `sync -f`): one flush for a batch of
 * thousands of files, where an fsync each forces a journal commit each (ten times slower here, and
 * PostgreSQL's recovery_init_sync_method=syncfs exists for the same reason). Node has no binding, so
 * coreutils' `sync` runs it. Resolves false where that is not available; the caller then fsyncs file
 * by file. Rejects when the flush itself fails (a write error the kernel kept for us).
 */
export async function syncFilesystem (path: string): Promise<boolean> {
  if (syncfsWorks === false || process.platform !== 'linux') return false
  const { code, stderr } = await new Promise<{ code: number | null, stderr: string }>(resolve => {
    const child = spawn('sync', ['-f', path], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s })
    child.once('error', () => { resolve({ code: null, stderr: '' }) })
    child.once('close', c => { resolve({ code: c, stderr: err }) })
  })
  if (code === 0) { syncfsWorks = true; return true }
  // No `sync`, or one without -f (coreutils before 8.24): never try again in this process.
  if (code === null || syncfsWorks === undefined) { syncfsWorks = false; return false }
  throw Object.assign(new Error(`sync -f ${path} failed: ${stderr.trim()}`), { code: 'EIO' })
}

/** fsync each file, then each directory: the fallback when syncFilesystem cannot run. */
export async function fsyncEach (files: Iterable<string>, dirs: Iterable<string>, concurrency = 8): Promise<void> {
  await eachConcurrently([...files], concurrency, async f => {
    const fh = await open(f, 'r')
    try { await fh.datasync() } finally { await fh.close() }
  })
  for (const d of dirs) await fsyncDir(d)
}
