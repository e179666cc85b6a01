// Serialized bags (tar, tar.gz, zip) unpacked as streams into an empty staging directory: the archive half of
// the byte engine (ARCHITECTURE.md §6) and its public face. A bad archive is a list of findings; only the
// environment (disk, cancellation) makes this throw.
import { createReadStream } from 'node:fs'
import { readdir, realpath, statfs } from 'node:fs/promises'
import { Readable, addAbortSignal } from 'node:stream'
import type IconvLite from 'iconv-lite'
import { lazyModule } from '../lazy-module.js'
import type { Finding } from '../bagit/findings.js'
import { defaultStagingReserve, resolveLimits, type BagLimits } from '../bagit/limits.js'
import { LantaiError } from '../errors.js'
import { detectArchiveKind, sniffArchiveKind, SNIFF_BYTES, type ArchiveKind } from './detect.js'
import { findBagRoot } from './layout.js'
import { StagingWriter, type EntryFile, type Progress, type StagingSpace } from './staging-writer.js'
import { unpackTar } from './tar.js'
import { unpackZip } from './zip.js'

const iconv = lazyModule<typeof IconvLite>('iconv-lite')

export { detectArchiveKind, sniffArchiveKind, SNIFF_BYTES as ARCHIVE_SNIFF_BYTES, type ArchiveKind }
export { checkEntryName } from './entry-name.js'
export { nextEntry as nextZipEntry } from './zip.js'
export type { EntryFile, Progress }

export interface UnpackOptions {
  kind?: ArchiveKind
  limits?: Partial<BagLimits>
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  /**
   * Optional in-flight writing and hashing: called for each admitted regular file with its archive path
   * and the absolute path it must be written to; a returned EntryFile gets every chunk and writes the
   * file itself (undefined: the unpacker writes it).
   */
  onFile?: (archivePath: string, target: string, declaredSize?: number) => EntryFile | undefined
  /** fsync every file and directory written before returning (ingest's staging; see StagingHooks.durable). */
  durable?: boolean
  /**
   * Code page (an iconv-lite name) for entry names that are not UTF-8 and carry no UTF-8 marker.
   * Defaults: cp437 for zip (APPNOTE appendix D), latin1 for tar. Chinese Windows zip tools write gbk.
   */
  nameEncoding?: string
}

export interface UnpackResult {
  /** The kind read; with BAG_ARCHIVE_UNKNOWN_FORMAT it is only the requested kind, or 'tar'. */
  kind: ArchiveKind
  /** Absolute path of the bag root inside staging: staging itself when bagit.txt is at the top, else the single top-level directory (RFC 8493 §4.2). null when no bag root can be found (BAG_ARCHIVE_LAYOUT finding). */
  root: string | null
  /** Paths are archive entry names. */
  findings: Finding[]
  /** Entries seen, including refused ones. */
  entries: number
  /** Uncompressed bytes read from entries (written, or drained past when refused). */
  bytes: number
}

/**
 * Unpacks `source` (a file path; for tar and tar.gz also a readable stream) into `stagingDir`,
 * which must exist and be empty. Never writes outside stagingDir and never throws for a bad
 * archive; throws LantaiError STAGING_FAILED (also before the package would eat into the staging
 * volume's reserve, limits.stagingReserveBytes), ABORTED, or USAGE (a zip given as a stream).
 */
export async function unpackArchive (source: string | NodeJS.ReadableStream, stagingDir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const { signal } = options
  if (signal?.aborted === true) throw new LantaiError('ABORTED', undefined, {}, { cause: signal.reason })
  if (options.nameEncoding !== undefined && !iconv().encodingExists(options.nameEncoding)) {
    throw new LantaiError('USAGE', `unknown name encoding ${options.nameEncoding}`)
  }
  const dir = await emptyStaging(stagingDir)
  const limits = resolveLimits(options.limits)
  const space = await stagingSpace(dir, limits.stagingReserveBytes)
  const writer = new StagingWriter(dir, limits, {
    ...(space === undefined ? {} : { space }),
    ...(signal === undefined ? {} : { signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.onFile === undefined ? {} : { onFile: options.onFile }),
    durable: options.durable === true
  })

  let input: Readable | undefined
  let kind = options.kind ?? null
  if (typeof source === 'string') {
    // Sniffed even when the kind is given: a missing file is the caller's error, not a corrupt archive.
    const sniffed = await detectArchiveKind(source).catch((err: unknown) => { throw unreadable(source, err) })
    kind ??= sniffed
  } else {
    input = toReadable(source)
    // A stalled upload must not outlive a cancel, even while we wait for its first bytes.
    if (signal !== undefined) addAbortSignal(signal, input)
    if (kind === null) {
      try {
        const peeked = await peek(input, SNIFF_BYTES)
        input = peeked.stream
        kind = sniffArchiveKind(peeked.head)
      } catch (err) {
        writer.checkAborted()
        writer.corrupt(undefined, err instanceof Error ? err.message : String(err))
        return { kind: options.kind ?? 'tar', root: null, findings: [...writer.findings.all], entries: 0, bytes: 0 }
      }
    }
  }
  if (kind === null) {
    input?.destroy()
    writer.findings.add('BAG_ARCHIVE_UNKNOWN_FORMAT', { detail: typeof source === 'string' ? source : 'uploaded stream' })
    return { kind: options.kind ?? 'tar', root: null, findings: [...writer.findings.all], entries: 0, bytes: 0 }
  }

  if (kind === 'zip' && typeof source !== 'string') {
    input?.destroy()
    throw new LantaiError('USAGE', 'a zip archive needs random access; save the upload to a file first')
  }
  try {
    if (kind === 'zip') {
      await unpackZip(source as string, writer, { nameEncoding: options.nameEncoding ?? 'cp437' })
    } else {
      input ??= createReadStream(source as string)
      await unpackTar(input, writer, {
        gzipped: kind === 'tar.gz',
        nameEncoding: options.nameEncoding ?? 'latin1',
        ...(signal === undefined ? {} : { signal })
      })
    }
  } catch (err) {
    await writer.quiesce() // no write may outlive the call: the caller removes staging next
    throw err
  }
  await writer.settle()
  writer.checkAborted()
  options.onProgress?.(writer.progress())

  const root = await findBagRoot(dir)
  // After a stop the layout says nothing new: the archive was not read to its end.
  if (root === null && !writer.stopped) writer.findings.add('BAG_ARCHIVE_LAYOUT', { detail: 'no bagit.txt at the top and not exactly one top-level directory' })
  return { kind, root, findings: [...writer.findings.all], entries: writer.entries, bytes: writer.bytes }
}

async function emptyStaging (stagingDir: string): Promise<string> {
  let dir: string
  let names: string[]
  try {
    dir = await realpath(stagingDir)
    names = await readdir(dir)
  } catch (err) {
    throw new LantaiError('STAGING_FAILED', stagingDir, { code: (err as NodeJS.ErrnoException).code }, { cause: err })
  }
  // An empty directory is what makes duplicate detection and "never overwrite" hold.
  if (names.length > 0) throw new LantaiError('STAGING_FAILED', `${stagingDir} is not empty`)
  return dir
}

/**
 * What staging can take: the volume's free space less a reserve, read once at the start. Without it a
 * bomb under a generous maxTotalBytes (1 TiB by default) would fill the disk the catalogue lives on.
 */
async function stagingSpace (dir: string, reserve: number | undefined): Promise<StagingSpace | undefined> {
  let fs
  try {
    fs = await statfs(dir)
  } catch {
    return undefined // a filesystem that cannot say: ENOSPC still stops the unpack as STAGING_FAILED
  }
  const free = fs.bavail * fs.bsize
  const kept = reserve ?? defaultStagingReserve(fs.blocks * fs.bsize)
  return { bytes: Math.max(0, free - kept), free, reserve: kept }
}

function unreadable (file: string, err: unknown): LantaiError {
  const code = (err as NodeJS.ErrnoException).code
  return new LantaiError(code === 'ENOENT' ? 'PATH_NOT_FOUND' : 'PATH_UNREADABLE', file, { code }, { cause: err })
}

function toReadable (source: NodeJS.ReadableStream): Readable {
  return source instanceof Readable ? source : new Readable().wrap(source)
}

/** Reads the first `n` bytes for sniffing and hands back a stream that still yields them. */
async function peek (source: Readable, n: number): Promise<{ head: Buffer, stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const chunks: Buffer[] = []
  let size = 0
  let done = false
  while (size < n) {
    const step = await iterator.next()
    if (step.done === true) { done = true; break }
    const chunk = Buffer.isBuffer(step.value) ? step.value : Buffer.from(step.value)
    chunks.push(chunk)
    size += chunk.length
  }
  async function * replay (): AsyncGenerator<Buffer> {
    try {
      yield * chunks
      if (done) return
      for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) yield step.value
    } finally {
      // Destroying the replay stream (a stop, an abort) must release the original source too.
      await iterator.return?.()
    }
  }
  return { head: Buffer.concat(chunks).subarray(0, n), stream: Readable.from(replay(), { objectMode: false }) }
}
