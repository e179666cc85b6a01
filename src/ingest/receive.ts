import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { LantaiError, isLantaiError } from '../errors.js'
import { sealFormatOf, SNIFF_BYTES, type FileSealReport } from '../seals/index.js'
import { ARCHIVE_SNIFF_BYTES, sniffArchiveKind, unpackArchive, type ArchiveKind, type EntryFile } from '../archive/index.js'
import type { BagLimits, Finding } from '../bagit/index.js'
import { keptAlgorithms, type Digests, type HashPool } from '../hashing/index.js'

// Stage 1, receive: the body goes to staging in one pass. Tar and tar.gz are unpacked as they stream in,
// every file hashed in flight with the digests kept (STORED_ALGORITHMS: sha512 for OCFL, SM3 for the
// centers' tools, plus the algorithm of every payload manifest seen so far in the stream) and written by
// the same hash worker, so the main thread only parses; a zip needs its central directory, so it is
// spooled to a file first and unpacked from there. A manifest that arrives after the files it lists
// (tar order is the sender's) costs a second read of them at the check, for that algorithm only.

type SealFormat = FileSealReport['format']

export const CONTENT_TYPES: Readonly<Record<string, ArchiveKind>> = {
  'application/x-tar': 'tar',
  'application/tar': 'tar',
  'application/gzip': 'tar.gz',
  'application/x-gzip': 'tar.gz',
  'application/tar+gzip': 'tar.gz',
  'application/zip': 'zip'
}

/** The content type a submission is recorded with: the one its bytes announce, not the one declared. */
export const CONTENT_TYPE_OF: Readonly<Record<ArchiveKind, string>> = {
  tar: 'application/x-tar',
  'tar.gz': 'application/gzip',
  zip: 'application/zip'
}

export interface SniffedUpload {
  /** The kind the first bytes announce; null when they are none we read. */
  kind: ArchiveKind | null
  /** Up to ARCHIVE_SNIFF_BYTES first bytes; empty for an empty body. */
  head: Buffer
  /** The whole body again, head included. */
  body: Readable
}

/**
 * Reads the first bytes of an upload and gives them back (unshift, so the request stream itself goes on
 * and can still be drained after a refusal): builders' tools send archives as application/octet-stream,
 * or with a type that contradicts the bytes, and the bytes are what the unpacker will read.
 */
export async function sniffUpload (body: Readable): Promise<SniffedUpload> {
  const chunks: Buffer[] = []
  let size = 0
  while (size < ARCHIVE_SNIFF_BYTES) {
    const chunk = body.read() as Buffer | null
    if (chunk !== null) { chunks.push(chunk); size += chunk.length; continue }
    if (body.readableEnded || body.destroyed) break
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        body.off('readable', done); body.off('end', done); body.off('close', done); body.off('error', fail)
        resolve()
      }
      const fail = (err: Error): void => { done(); reject(err) }
      body.on('readable', done); body.once('end', done); body.once('close', done); body.once('error', fail)
    })
  }
  const all = Buffer.concat(chunks)
  const head = all.subarray(0, ARCHIVE_SNIFF_BYTES)
  let rest: Readable = body
  // A body that ended within the sniff (a tiny tar.gz is a few hundred bytes) cannot take its bytes back.
  if (body.readableEnded || body.destroyed) rest = Readable.from(all.length === 0 ? [] : [all])
  else if (all.length > 0) body.unshift(all)
  return { kind: sniffArchiveKind(head), head, body: rest }
}

// Well-known first bytes, to say in a 415 what was sent instead of an archive.
const SIGNATURES: ReadonlyArray<[string, string]> = [
  ['%PDF', 'a PDF document'], ['Rar!', 'a RAR archive'], ['7z\xbc\xaf\x27\x1c', 'a 7-Zip archive'],
  ['BZh', 'a bzip2 stream'], ['\xfd7zXZ\x00', 'an xz stream'], ['\x28\xb5\x2f\xfd', 'a zstd stream'],
  ['\x89PNG', 'a PNG image'], ['\xff\xd8\xff', 'a JPEG image'], ['II*\x00', 'a TIFF image'], ['MM\x00*', 'a TIFF image'],
  ['\xd0\xcf\x11\xe0', 'an OLE2 file (an old Office document)'], ['AC10', 'an AutoCAD drawing'], ['--', 'a multipart form (send the archive itself as the body)'],
  ['{', 'JSON'], ['[', 'JSON'], ['<', 'XML or HTML']
]

/** What the first bytes of a body that is no archive look like, for the 415 detail. */
export function describeHead (head: Uint8Array): string {
  const latin1 = Buffer.from(head).toString('latin1')
  const hex = Buffer.from(head.subarray(0, 8)).toString('hex').replace(/(..)(?!$)/g, '$1 ')
  const known = SIGNATURES.find(([magic]) => latin1.startsWith(magic))?.[1]
  const text = known === undefined && /^[\t\n\r\x20-\x7e]{8,}/.test(latin1) ? 'text' : undefined
  const what = known ?? text
  return `the first bytes are ${hex}${what === undefined ? '' : ` (${what})`}; not tar (ustar at 257), gzip (1f 8b) or zip (50 4b 03 04)`
}

export interface ReceiveInput {
  body: Readable
  kind: ArchiveKind
  /** The staging directory of this submission; made here, removed by the caller on failure. */
  stagingDir: string
  maxBytes: number
  /** Content-Length when the client sent one: fewer bytes means the upload broke off. */
  expectedBytes?: number
  limits?: Partial<BagLimits>
  nameEncoding?: string
  signal?: AbortSignal
  onProgress?: (bytes: number) => void
}

export interface FileDigestsRecord {
  size: number
  digests: Digests
  /** The seal format by the first bytes and the name, so the seal check need not open every file again. */
  format?: SealFormat
}

export interface Received {
  /** The bag root inside staging, or null when the archive held no recognisable bag. */
  root: string | null
  bytes: number
  /** The package's digest (packageSha256): the same bag sent twice is known before any check. */
  packageSha256: string
  archiveFindings: readonly Finding[]
  /** In-flight digests by bag-relative path (data/…, bagit.txt, …). */
  digests: Map<string, FileDigestsRecord>
}

/**
 * The algorithm of a payload manifest (RFC 8493 §2.1.3: `manifest-<alg>.txt` in the bag root), judged by
 * an archive path alone since the root is known only at the end: any such name outside a data/ folder.
 */
export function manifestAlgorithmOf (archivePath: string): string | undefined {
  const m = /(?:^|\/)manifest-([a-z0-9]+)\.txt$/.exec(archivePath)
  if (m === null || /(?:^|\/)data\//.test(archivePath)) return undefined
  return m[1]
}

/**
 * sha256 over the lines `<sha512>  <path>\n` (path percent-encoded) of every file of the bag, sorted
 * by path (UTF-8 byte order): the same bag gives the same value whether it came as tar, tar.gz or zip,
 * and it costs no pass over the bytes, which the body's own sha256 did (a fifth digest of every byte,
 * on the main thread). Per file it takes sha512, the one digest every file keeps (before issue 13 it
 * took sha256, so a package received since then has another value than the same bytes had before).
 */
export function packageSha256 (digests: ReadonlyMap<string, { digests: Digests }>): string {
  const paths = [...digests.keys()].map(p => Buffer.from(p, 'utf8')).sort(Buffer.compare)
  const h = createHash('sha256')
  // Paths encoded as in a manifest (RFC 8493 §2.1.3): a name holding a line break cannot forge a line.
  const line = (p: string): string => p.replace(/%/g, '%25').replace(/\n/g, '%0A').replace(/\r/g, '%0D')
  for (const p of paths) h.update(`${digests.get(p.toString('utf8'))?.digests.sha512 ?? ''}  ${line(p.toString('utf8'))}\n`)
  return h.digest('hex')
}

/** Counts and caps the body as it passes. */
class BodyTap extends Transform {
  bytes = 0
  constructor (readonly maxBytes: number, readonly onProgress?: (bytes: number) => void) { super() }
  override _transform (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.maxBytes) { done(new LantaiError('PAYLOAD_TOO_LARGE', `more than ${this.maxBytes} bytes`)); return }
    this.onProgress?.(this.bytes)
    done(null, chunk)
  }
}

export async function receivePackage (input: ReceiveInput, pool: HashPool): Promise<Received> {
  const { stagingDir, kind } = input
  const bagDir = join(stagingDir, 'bag')
  await mkdir(bagDir, { recursive: true })
  const tap = new BodyTap(input.maxBytes, input.onProgress)
  let bodyError: unknown = null
  input.body.once('error', err => { bodyError ??= err })
  input.body.once('aborted', () => { bodyError ??= new LantaiError('UPLOAD_INCOMPLETE', 'the client disconnected') })

  const byArchivePath = new Map<string, FileDigestsRecord>()
  const declared = new Set<string>()
  // The unpacker lets each file finish on a worker while it reads the next ones (a bounded window) and
  // waits for them all before it returns.
  const onFile = (name: string, target: string, declaredSize?: number): EntryFile => {
    const alg = manifestAlgorithmOf(name)
    if (alg !== undefined) declared.add(alg)
    const hasher = pool.createHasher(keptAlgorithms(declared), declaredSize === undefined ? { writeTo: target } : { writeTo: target, size: declaredSize })
    const head = new Uint8Array(SNIFF_BYTES)
    let headBytes = 0
    return {
      update: c => {
        if (headBytes < SNIFF_BYTES) {
          const n = Math.min(SNIFF_BYTES - headBytes, c.byteLength)
          head.set(c.subarray(0, n), headBytes)
          headBytes += n
        }
        return hasher.update(c)
      },
      end: async size => {
        const format = sealFormatOf(head.subarray(0, headBytes), name)
        const { digests } = await hasher.digest()
        byArchivePath.set(name, { size, digests, format })
      },
      abort: reason => hasher.abort(reason)
    }
  }

  let unpacked
  try {
    if (kind === 'zip') {
      const spool = join(stagingDir, 'upload.zip')
      await pipeline(input.body, tap, createWriteStream(spool, { flags: 'wx' }), { signal: input.signal })
      checkComplete(tap.bytes, input.expectedBytes, bodyError)
      unpacked = await unpackArchive(spool, bagDir, { kind, limits: input.limits, signal: input.signal, nameEncoding: input.nameEncoding, onFile, durable: true })
      await rm(spool, { force: true })
      limitHit(unpacked.findings)
    } else {
      input.body.once('error', err => tap.destroy(err as Error))
      unpacked = await unpackArchive(input.body.pipe(tap), bagDir, { kind, limits: input.limits, signal: input.signal, nameEncoding: input.nameEncoding, onFile, durable: true })
      // A capped or broken-off body looks like a truncated archive to the unpacker; it is the upload that failed.
      if (isLantaiError(tap.errored)) throw tap.errored
      // A limit stops the unpacker before the body's end: that, not a short upload, is the answer.
      limitHit(unpacked.findings)
      checkComplete(tap.bytes, input.expectedBytes, bodyError)
    }
  } catch (err) {
    // A client that went away surfaces as whatever the unpacker was doing when the body stopped (ABORTED
    // from the signal, a truncated archive): the reason the caller gave, or the body's own, names it.
    const reason: unknown = input.signal?.aborted === true ? input.signal.reason : undefined
    if (isLantaiError(reason)) throw reason
    if (isLantaiError(bodyError)) throw bodyError
    if (isLantaiError(err)) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new LantaiError('STAGING_FAILED', `staging is full (${code})`, {}, { cause: err })
    if (bodyError !== null || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') throw new LantaiError('UPLOAD_INCOMPLETE', `after ${tap.bytes} bytes`, {}, { cause: err })
    throw err
  }

  const prefix = unpacked.root === null ? '' : relative(bagDir, unpacked.root).split(sep).join('/')
  const digests = new Map<string, FileDigestsRecord>()
  for (const [name, rec] of byArchivePath) {
    const bagPath = prefix === '' ? name : name.startsWith(prefix + '/') ? name.slice(prefix.length + 1) : null
    if (bagPath !== null) digests.set(bagPath, rec)
  }
  return { root: unpacked.root, bytes: tap.bytes, packageSha256: packageSha256(digests), archiveFindings: unpacked.findings, digests }
}

// The limits that stop an unpack midway (the others skip one entry and let the report list it).
const STOPPING_LIMITS = new Set<string>(['BAG_LIMIT_TOTAL_SIZE', 'BAG_LIMIT_COMPRESSION_RATIO', 'BAG_LIMIT_FILE_COUNT'])

/**
 * A package that hit a stopping limit was not read to its end, so no report of it can be whole: the
 * upload is refused at once (413) naming the limit, its rule and what was found, and nothing is kept.
 */
function limitHit (findings: readonly Finding[]): void {
  const hit = findings.find(f => STOPPING_LIMITS.has(f.code))
  if (hit === undefined) return
  throw new LantaiError('PACKAGE_LIMIT_EXCEEDED', `${hit.code} (${hit.rule}): ${hit.message}`, { findings })
}

function checkComplete (bytes: number, expected: number | undefined, bodyError: unknown): void {
  if (bodyError !== null) throw isLantaiError(bodyError) ? bodyError : new LantaiError('UPLOAD_INCOMPLETE', `after ${bytes} bytes`, {}, { cause: bodyError })
  if (expected !== undefined && bytes < expected) throw new LantaiError('UPLOAD_INCOMPLETE', `${bytes} of ${expected} bytes arrived`)
}
