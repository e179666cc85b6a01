// The one place where archive entries touch the disk. Tar and zip readers only decode; every rule
// about what may be created, and every limit, is enforced here so both formats behave alike.
import { constants } from 'node:fs'
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises'
import { dirname, sep } from 'node:path'
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { crc32 } from 'node:zlib'
import { Findings } from '../bagit/findings.js'
import type { BagCode } from '../bagit/codes.js'
import { RATIO_ALLOWANCE_BYTES, type BagLimits } from '../bagit/limits.js'
import { LantaiError } from '../errors.js'
import { fsyncEach, syncFilesystem } from '../fs/durable.js'
import { checkEntryName, printable, type SafeName } from './entry-name.js'

/**
 * Writes one admitted file in the writer's place (ingest hashes the bytes and writes them on a worker
 * thread). It must create `target` exclusively (O_EXCL, no links followed) and remove what it wrote
 * when it fails or is aborted; errors carry the fs code (EEXIST, ENAMETOOLONG, ENOSPC…).
 */
export interface EntryFile {
  /** Takes one chunk; the caller may reuse it once this settles. Awaited before the next: backpressure. */
  update (chunk: Uint8Array): Promise<void> | void
  /** Every chunk was given: settles once the file is written and closed. */
  end (size: number): Promise<void>
  /** The entry is given up (a corrupt archive, a limit): settles once nothing of it is left on disk. */
  abort (reason: Error): Promise<void>
}

export interface Progress { entries: number, bytes: number, compressedBytes?: number }

export interface StagingHooks {
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  /**
   * Called for each admitted regular file, with the size its archive declares (the bytes read are held
   * to it); an EntryFile returned writes it instead of the writer.
   */
  onFile?: (archivePath: string, target: string, declaredSize?: number) => EntryFile | undefined
  /**
   * fsync every file and directory before settle() resolves: ingest answers 202 once a package is in
   * staging, and the client may then forget its copy. A validator's scratch unpack does not need it.
   */
  durable?: boolean
  /**
   * What the staging volume can take (its free space less the reserve): going past it is the
   * environment's failure (STAGING_FAILED), not the package's, and it is refused before the disk fills.
   */
  space?: StagingSpace
}

export interface StagingSpace { bytes: number, free: number, reserve: number }

/** An entry's bytes: yauzl gives a node stream, tar-stream an async iterable. */
export type EntryBody = Readable | AsyncIterable<Uint8Array>

/** What the archive says an entry is; only files and directories are ever created. */
export type EntryType = 'file' | 'directory' | 'link' | 'special'

// Linux refuses a path of 4096 bytes or more (PATH_MAX counts the NUL).
const PATH_MAX_BYTES = 4095
const PROGRESS_EVERY = 4 * 1024 * 1024
/** Files up to this size are gathered in memory and written behind the reader. */
const SMALL_FILE_BYTES = 1024 * 1024
/** Small files being written at once, and their bytes: the memory the write-behind may hold. */
const WRITE_AHEAD_FILES = 64
const WRITE_AHEAD_BYTES = 8 * 1024 * 1024
// O_NOFOLLOW on top of O_EXCL: even if a link appeared in staging, opening it would fail.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

const DOT_DOT = /(^|\/)\.\.(\/|$)/

/** A total limit was hit while streaming: the entry is removed and unpacking stops. */
class LimitHit extends Error {
  constructor (readonly bagCode: BagCode, detail: string) { super(detail) }
}

/** The bytes read are wrong (a CRC mismatch): the archive is corrupt. */
class BadData extends Error {}

/** Writing the file failed (the write side, not the archive): refused, or staging failed. */
class WriteFailed extends Error {}

export class StagingWriter {
  readonly findings = new Findings()
  entries = 0
  bytes = 0
  /**
   * Compressed bytes the decompressor has consumed so far (zlib's own count, so it does not depend on
   * how the input was chunked); unset for plain tar, where no ratio applies.
   */
  packedSoFar: (() => number) | undefined
  /** The same within the entry being written (zip: each entry is its own deflate stream). */
  entryPackedSoFar: (() => number) | undefined
  /** Set once the archive is broken or a total limit is hit: no further entry is read. */
  stopped = false

  readonly #dir: string
  readonly #limits: BagLimits
  readonly #hooks: StagingHooks
  // Every path claimed so far, with parents implied by deeper entries: duplicates and
  // file-over-directory clashes are found without asking the disk.
  readonly #claimed = new Map<string, 'file' | 'directory'>([['', 'directory']])
  readonly #made = new Set<string>()
  readonly #dirBytes: number
  /** this.bytes when the current entry began: its own expansion is measured from here. */
  #entryStart = 0
  #reportedAt = 0
  readonly #writing = new Set<Promise<void>>()
  #writingBytes = 0
  #writeFailure: unknown
  /** Files written, for the durable fallback that fsyncs one by one. */
  readonly #written: string[] = []

  constructor (dir: string, limits: BagLimits, hooks: StagingHooks = {}) {
    this.#dir = dir
    this.#limits = limits
    this.#hooks = hooks
    this.#made.add(dir)
    this.#dirBytes = Buffer.byteLength(dir + sep)
  }

  /** Compressed bytes consumed so far, for progress and reports. */
  get compressedBytes (): number | undefined { return this.packedSoFar?.() }

  /**
   * Decides whether an entry may be created, adding the finding when it may not.
   * null means skip it (and check `stopped`); the root entry "./" is skipped silently.
   */
  admit (raw: string, type: EntryType, linkTarget?: string): SafeName | null {
    this.entries++
    this.#progress(true)
    if (this.entries > this.#limits.maxFiles) {
      this.stop('BAG_LIMIT_FILE_COUNT', printable(raw), `more than ${this.#limits.maxFiles} entries`)
      return null
    }
    const checked = checkEntryName(raw)
    if (!checked.ok) return this.#skip('BAG_ARCHIVE_ENTRY_UNSAFE', printable(raw), checked.reason)
    const { name, segments } = checked
    if (type === 'link') return this.#skip('BAG_ARCHIVE_ENTRY_LINK', name, linkTarget === undefined ? undefined : `-> ${printable(linkTarget)}`)
    if (type === 'special') return this.#skip('BAG_ARCHIVE_ENTRY_SPECIAL', name)
    if (name === '') return type === 'directory' ? null : this.#skip('BAG_ARCHIVE_ENTRY_UNSAFE', printable(raw), 'a file named like the archive root')
    if (segments.length > this.#limits.maxPathDepth) {
      return this.#skip('BAG_LIMIT_PATH_DEPTH', name, `${segments.length} segments, limit ${this.#limits.maxPathDepth}`)
    }
    const pathBytes = Buffer.byteLength(name, 'utf8')
    if (pathBytes > this.#limits.maxPathBytes) {
      return this.#skip('BAG_LIMIT_PATH_LENGTH', name, `${pathBytes} bytes, limit ${this.#limits.maxPathBytes}`)
    }
    // Said before any mkdir: a path the filesystem cannot hold is the entry's problem, not a failed staging.
    if (this.#dirBytes + pathBytes > PATH_MAX_BYTES) {
      return this.#skip('BAG_LIMIT_PATH_LENGTH', name, `${pathBytes} bytes; below the staging directory the path would pass PATH_MAX (${PATH_MAX_BYTES + 1})`)
    }

    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/')
      if (this.#claimed.get(parent) === 'file') return this.#skip('BAG_ARCHIVE_ENTRY_UNSAFE', name, `its parent ${parent} is a file`)
    }
    const before = this.#claimed.get(name)
    // A directory listed twice merges harmlessly (tar --append, zip tools that add parents); anything else would overwrite.
    if (before !== undefined && !(before === 'directory' && type === 'directory')) return this.#skip('BAG_ARCHIVE_ENTRY_DUPLICATE', name)

    this.#target(name) // asserts containment before anything is claimed
    for (let i = 1; i < segments.length; i++) this.#claimed.set(segments.slice(0, i).join('/'), 'directory')
    this.#claimed.set(name, type === 'file' ? 'file' : 'directory')
    return checked
  }

  async makeDirectory (entry: SafeName): Promise<void> {
    await this.#mkdirs(this.#target(entry.name))
  }

  /**
   * Streams one admitted file into staging, counting and checking every chunk; the source is consumed
   * either way. A small file is gathered in memory and written while the next entries are read (see
   * SMALL_FILE_BYTES); call settle() before relying on the staging directory.
   */
  async writeFile (entry: SafeName, source: EntryBody, expect: { crc32?: number, size?: number } = {}): Promise<void> {
    const target = this.#target(entry.name)
    await this.#mkdirs(dirname(target))
    this.#entryStart = this.bytes
    const delegate = this.#hooks.onFile?.(entry.name, target, expect.size)
    if (delegate !== undefined) return await this.#writeDelegated(entry.name, target, delegate, source, expect)
    // A direct loop, not a stream pipeline per entry: a bag of 10,000 small files paid more for three
    // stream objects per file than for its bytes. Each chunk is counted against the limits before it is
    // kept or written.
    const body = watched(source)
    let held: Uint8Array[] | null = [] // gathering until the file proves big
    let file: FileHandle | null | 'refused' = null
    let size = 0
    let crc = 0
    try {
      for await (const chunk of body) {
        if (this.#hooks.signal?.aborted === true) throw this.#hooks.signal.reason ?? new Error('aborted')
        this.#account(chunk)
        size += chunk.length
        if (expect.crc32 !== undefined) crc = crc32(chunk, crc)
        if (held !== null) {
          held.push(chunk)
          if (size <= SMALL_FILE_BYTES) continue
          file = await this.#openTarget(entry.name, target)
          const early = held
          held = null
          if (file !== 'refused') for (const c of early) await writeAll(file, c)
          continue
        }
        if (file !== 'refused' && file !== null) await writeAll(file, chunk)
      }
      if (expect.crc32 !== undefined && crc !== expect.crc32) throw new BadData(`CRC-32 ${hex(crc)} does not match ${hex(expect.crc32)} recorded in the archive`)
      if (file !== null && file !== 'refused') await this.#closeFile(file, target)
    } catch (err) {
      if (file !== null && file !== 'refused') {
        await file.close().catch(() => {})
        await rm(target, { force: true }) // nothing half-written stays in staging
      }
      this.#fail(err, entry.name, body.failure)
      return
    }
    if (held !== null) await this.#writeLater(target, this.#writeWhole(entry.name, target, held), size)
  }

  /**
   * The same loop with the writing handed to `file`, which finishes behind the reader. The source's
   * iterator is driven by hand, not through watched(): this runs for every chunk of every file of an
   * upload, and a generator around it cost a promise and a result object per chunk.
   */
  async #writeDelegated (name: string, target: string, file: EntryFile, source: EntryBody, expect: { crc32?: number }): Promise<void> {
    const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    let sourceFailure: unknown
    let size = 0
    let crc = 0
    try {
      for (;;) {
        let step: IteratorResult<Uint8Array>
        try {
          step = await chunks.next()
        } catch (err) {
          sourceFailure = err
          throw err
        }
        if (step.done === true) break
        const chunk = step.value
        if (this.#hooks.signal?.aborted === true) throw this.#hooks.signal.reason ?? new Error('aborted')
        this.#account(chunk)
        size += chunk.length
        if (expect.crc32 !== undefined) crc = crc32(chunk, crc)
        try {
          const pending = file.update(chunk)
          if (pending !== undefined) await pending
        } catch (err) { throw new WriteFailed('write failed', { cause: err }) }
      }
      if (expect.crc32 !== undefined && crc !== expect.crc32) throw new BadData(`CRC-32 ${hex(crc)} does not match ${hex(expect.crc32)} recorded in the archive`)
    } catch (err) {
      // The rest of the entry is not read: the source is closed (a tar entry is then drained by its reader).
      await chunks.return?.().catch(() => {})
      await file.abort(err instanceof Error ? err : new Error(String(err)))
      this.#fail(err, name, sourceFailure)
      return
    }
    const written = file.end(size).then(() => true, (err: unknown) => {
      if (this.#refuse(err, name)) return false
      throw stagingFailed(err)
    })
    await this.#writeLater(target, written, size)
  }

  /** Waits for every file still being written; the first failure is thrown, as writeFile would have. */
  async settle (): Promise<void> {
    await Promise.all(this.#writing)
    if (this.#writeFailure !== undefined) throw this.#writeFailure
    if (this.#hooks.durable !== true) return
    try {
      if (!(await syncFilesystem(this.#dir))) await fsyncEach(this.#written, [...this.#made, dirname(this.#dir)])
    } catch (err) {
      throw stagingFailed(err)
    }
  }

  async #closeFile (handle: FileHandle, target: string): Promise<void> {
    await handle.close()
    if (this.#hooks.durable === true) this.#written.push(target)
  }


  /** Waits for every file still being written, whatever happens to them (before staging is removed). */
  async quiesce (): Promise<void> {
    await Promise.allSettled(this.#writing)
  }

  /** Opens the target exclusively; 'refused' (with the finding) when the filesystem says no. */
  async #openTarget (name: string, target: string): Promise<FileHandle | 'refused'> {
    try {
      return await open(target, CREATE_FLAGS, 0o644)
    } catch (err) {
      if (this.#refuse(err, name)) return 'refused'
      throw stagingFailed(err)
    }
  }

  /**
   * Lets a file finish writing while the archive reader moves on (`size` bytes of it may be held in
   * memory meanwhile): each file costs an open, a write and a close somewhere else, and awaiting them
   * one by one left 10,000 small files waiting on round trips.
   */
  async #writeLater (target: string, writing: Promise<boolean>, size: number): Promise<void> {
    this.#writingBytes += size
    const job = writing
      .then(created => { if (created && this.#hooks.durable === true) this.#written.push(target) })
      .catch((err: unknown) => { this.#writeFailure ??= err })
      .finally(() => { this.#writingBytes -= size; this.#writing.delete(job) })
    this.#writing.add(job)
    while ((this.#writingBytes > WRITE_AHEAD_BYTES || this.#writing.size >= WRITE_AHEAD_FILES) && this.#writing.size > 0) {
      await Promise.race(this.#writing)
    }
    if (this.#writeFailure !== undefined) throw this.#writeFailure
  }

  /** true once the file is written; false when the filesystem refused it (the finding is added). */
  async #writeWhole (name: string, target: string, chunks: Uint8Array[]): Promise<boolean> {
    const file = await this.#openTarget(name, target)
    if (file === 'refused') return false
    try {
      for (const c of chunks) await writeAll(file, c)
      await file.close()
    } catch (err) {
      await file.close().catch(() => {})
      await rm(target, { force: true })
      throw stagingFailed(err)
    }
    return true
  }

  /** The filesystem disagrees with our bookkeeping (case-insensitive volume, name too long): refuse the entry, not the archive. */
  #refuse (err: unknown, name: string): boolean {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') this.findings.add('BAG_ARCHIVE_ENTRY_DUPLICATE', { path: name, detail: `${name} (the staging filesystem folds it onto another name)` })
    else if (code === 'ENAMETOOLONG') this.findings.add('BAG_ARCHIVE_ENTRY_UNSAFE', { path: name, detail: `${name} (name too long for the staging filesystem)` })
    else return false
    return true
  }

  /** Reads a skipped entry to its end; a tar stream cannot skip ahead. The bytes still count toward the limits. */
  async drain (archivePath: string, source: EntryBody): Promise<void> {
    const discard = new Writable({ write (_chunk, _enc, done) { done() } })
    const body = watched(source)
    this.#entryStart = this.bytes
    try {
      await pipeline(body, this.#meter(), discard, this.#signalOption())
    } catch (err) {
      this.#fail(err, archivePath, body.failure)
    }
  }

  /** The archive itself is broken: nothing after this point can be trusted. */
  corrupt (archivePath: string | undefined, detail: string): void {
    this.stop('BAG_ARCHIVE_CORRUPT', archivePath, archivePath === undefined ? detail : `${archivePath}: ${detail}`)
  }

  stop (code: BagCode, path: string | undefined, detail?: string): void {
    this.stopped = true
    this.findings.add(code, { path, detail: detail ?? path })
  }

  checkAborted (): void {
    if (this.#hooks.signal?.aborted === true) throw new LantaiError('ABORTED', undefined, {}, { cause: this.#hooks.signal.reason })
  }

  progress (): Progress {
    return this.compressedBytes === undefined
      ? { entries: this.entries, bytes: this.bytes }
      : { entries: this.entries, bytes: this.bytes, compressedBytes: this.compressedBytes }
  }

  #progress (force: boolean): void {
    if (this.#hooks.onProgress === undefined) return
    if (!force && this.bytes - this.#reportedAt < PROGRESS_EVERY) return
    this.#reportedAt = this.bytes
    this.#hooks.onProgress(this.progress())
  }

  #skip (code: BagCode, path: string, detail?: string): null {
    this.findings.add(code, { path, detail: detail === undefined ? path : `${path} (${detail})` })
    return null
  }

  /** Sorts a failed entry pipeline: the archive's fault is a finding, the environment's is thrown. */
  #fail (err: unknown, archivePath: string, sourceFailure: unknown): void {
    this.checkAborted()
    if (err instanceof WriteFailed) {
      if (this.#refuse(err.cause, archivePath)) return
      throw stagingFailed(err.cause)
    }
    if (err instanceof LimitHit) return this.stop(err.bagCode, archivePath, `${archivePath} (${err.message})`)
    if (err instanceof BadData || (sourceFailure !== undefined && err === sourceFailure)) {
      return this.corrupt(archivePath, err instanceof Error ? err.message : String(err))
    }
    // Whatever remains came from the write side: ENOSPC, EIO, a vanished staging directory.
    throw stagingFailed(err)
  }

  /**
   * Counts every uncompressed byte before it is written, so a bomb stops at the limit, not at a full
   * disk. Expansion is measured against the compressed bytes consumed so far, not the archive's size:
   * staging never holds more than RATIO_ALLOWANCE_BYTES + maxCompressionRatio × what was read.
   */
  #account (chunk: Uint8Array): void {
    const limits = this.#limits
    const total = this.bytes + chunk.length
    if (total > limits.maxTotalBytes) throw new LimitHit('BAG_LIMIT_TOTAL_SIZE', `more than ${limits.maxTotalBytes} bytes (limits.maxTotalBytes)`)
    const ratio = limits.maxCompressionRatio
    const packed = this.packedSoFar?.()
    if (packed !== undefined && total > RATIO_ALLOWANCE_BYTES + ratio * packed) {
      throw new LimitHit('BAG_LIMIT_COMPRESSION_RATIO', `${total} bytes from ${packed} compressed bytes read so far; limits.maxCompressionRatio is ${ratio}`)
    }
    const entryPacked = this.entryPackedSoFar?.()
    const entryBytes = total - this.#entryStart
    if (entryPacked !== undefined && entryBytes > RATIO_ALLOWANCE_BYTES + ratio * entryPacked) {
      throw new LimitHit('BAG_LIMIT_COMPRESSION_RATIO', `${entryBytes} bytes from ${entryPacked} compressed bytes of this entry; limits.maxCompressionRatio is ${ratio}`)
    }
    // Last: when a bomb also fills the disk, the bomb is what the builder must hear about.
    const space = this.#hooks.space
    if (space !== undefined && total > space.bytes) {
      throw new LantaiError('STAGING_FAILED', `the package needs more than the ${space.bytes} bytes staging can take (${space.free} free, ${space.reserve} kept in reserve)`, { code: 'ENOSPC', free: space.free, reserve: space.reserve })
    }
    this.bytes = total
    this.#progress(false)
  }

  /** The same accounting as a stream stage, for entries that are read but not written. */
  #meter (): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) => {
        try { this.#account(chunk) } catch (err) { return done(err as Error) }
        done(null, chunk)
      }
    })
  }

  #target (name: string): string {
    // checkEntryName gave a normalized relative name (no '', '.' or '..' segment, no leading '/'), so
    // joining is enough; path.resolve per entry was a tenth of the main thread's garbage on upload.
    if (name === '' || name.startsWith('/') || DOT_DOT.test(name)) throw new LantaiError('STAGING_FAILED', `entry ${name} resolves outside staging`)
    return this.#dir + sep + name
  }

  async #mkdirs (dir: string): Promise<void> {
    if (this.#made.has(dir)) return
    try {
      await mkdir(dir, { recursive: true, mode: 0o755 })
    } catch (err) {
      throw stagingFailed(err)
    }
    this.#made.add(dir)
  }

  #signalOption (): { signal?: AbortSignal } {
    return this.#hooks.signal === undefined ? {} : { signal: this.#hooks.signal }
  }
}

/**
 * Wraps an entry's bytes so an error raised while reading them can be told apart from one raised
 * while writing: pipeline hands both stages the same error object.
 */
function watched (source: EntryBody): AsyncIterable<Uint8Array> & { failure: unknown } {
  const body = {
    failure: undefined as unknown,
    async * [Symbol.asyncIterator] (): AsyncGenerator<Uint8Array> {
      try {
        yield * source
      } catch (err) {
        body.failure = err
        throw err
      }
    }
  }
  return body
}

function stagingFailed (err: unknown): LantaiError {
  if (err instanceof LantaiError) return err
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return new LantaiError('STAGING_FAILED', code, { code }, { cause: err })
}

/** A short write (a full disk) must not pass for a whole one. */
async function writeAll (handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let at = 0
  while (at < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at)
    if (bytesWritten === 0) throw Object.assign(new Error('no space left on device (short write)'), { code: 'ENOSPC' })
    at += bytesWritten
  }
}

const hex = (n: number): string => n.toString(16).padStart(8, '0')
