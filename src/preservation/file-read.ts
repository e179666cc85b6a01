import { createHash } from 'node:crypto'
import { pipeline, Transform, type Readable } from 'node:stream'
import type { Catalogue, Package, PackageFile, VisibleTiers } from '../catalogue/index.js'
import { isLantaiError, LantaiError } from '../errors.js'
import type { OcflObjectReader } from '../ocfl/index.js'

// Reading a stored file's bytes for someone (issue 11 item 2): content known damaged is never handed
// out, bytes found gone or wrong on the way are recorded as damage of the package, and a whole file is
// verified as it streams. The HTTP download is a shell over this; so is any later export.

export type FileRead =
  | { kind: 'damaged', file: PackageFile, eventId: number }
  | { kind: 'bytes', file: PackageFile, stream: Readable, range: ByteSpan | null }

export interface ByteSpan { start: number, end: number }

export interface FileReadRequest {
  packageId: string
  logicalPath: string
  /** The head when undefined; past the head is VERSION_NOT_FOUND. */
  version?: number
  /**
   * The inclusive byte span of a part, chosen once the file's size is known (a caller's Range header);
   * undefined, or the whole file, reads and verifies the whole. It may throw to refuse the read.
   */
  range?: (file: PackageFile) => ByteSpan | undefined
  /** Who reads: the agent of any damage event the read records. */
  agent: string
  /** the tiers the reader may see (src/access/visibility.ts): a package of another tier is PACKAGE_NOT_FOUND */
  tiers?: VisibleTiers
  /** the access gate's check of the file found, before a byte is opened; it refuses by throwing */
  authorize?: (pkg: Package, file: PackageFile) => Promise<void>
}

export class StoredFileReader {
  constructor (private readonly deps: { catalogue: Catalogue, reader: OcflObjectReader }) {}

  /** The package, or PACKAGE_NOT_FOUND (also when its tier is not among `tiers`). */
  async package (id: string, tiers?: VisibleTiers): Promise<Package> {
    const pkg = await this.deps.catalogue.packages.get(id, tiers)
    if (pkg === null) throw new LantaiError('PACKAGE_NOT_FOUND', id)
    return pkg
  }

  /** `version` as a version of `pkg`, or VERSION_NOT_FOUND: never the head in its place. */
  version (pkg: Package, version: number | undefined): number {
    if (version !== undefined && version > pkg.headVersion) throw new LantaiError('VERSION_NOT_FOUND', `${pkg.id} has versions 1 to ${pkg.headVersion}, not ${version}`)
    return version ?? pkg.headVersion
  }

  async open (request: FileReadRequest): Promise<FileRead> {
    const { catalogue, reader } = this.deps
    const pkg = await this.package(request.packageId, request.tiers)
    const version = this.version(pkg, request.version)
    const file = await catalogue.packages.file(pkg.id, request.logicalPath, version)
    if (file === null) throw new LantaiError('FILE_NOT_FOUND', `${request.logicalPath} in ${pkg.id}${request.version === undefined ? '' : ` v${version}`}`)
    await request.authorize?.(pkg, file)
    // Known damage is refused whole and in part: a part cannot be verified (below), so it would hand
    // out bytes known bad as if they were the file's.
    const damagedBy = (await catalogue.packages.content(pkg.id, file.contentPath))?.damagedBy ?? null
    if (damagedBy !== null) return { kind: 'damaged', file, eventId: damagedBy }
    const span = request.range?.(file)
    const range = span === undefined || (span.start === 0 && span.end === file.size - 1) ? null : span
    let stream: Readable
    try {
      stream = await reader.openContent(pkg.ocflId, file.contentPath, range ?? undefined) as Readable
    } catch (err) {
      if (!isLantaiError(err) || !['STORAGE_NOT_FOUND', 'OCFL_CONTENT_NOT_FOUND'].includes(err.code)) throw err
      // The catalogue lists the file but its bytes are gone: damage, recorded as fixity would, and
      // reported without the store's keys.
      const { eventId } = await catalogue.packages.recordDamage(pkg.id, file.contentPath, { source: 'download', outcome: 'missing', agent: request.agent, detail: { logicalPath: file.logicalPath } })
      throw new LantaiError('FILE_NOT_FOUND', `${file.logicalPath} of ${pkg.id}: its stored bytes are missing; recorded as damage (event ${eventId})`)
    }
    // A part of a file cannot be checked against the file's digest: it is sent as stored, and the
    // client verifies the whole against the digests once it has every part.
    if (range !== null) return { kind: 'bytes', file, stream, range }
    const verified = pipeline(stream, verifying(file.sha512, async found => {
      const { eventId } = await catalogue.packages.recordDamage(pkg.id, file.contentPath, {
        source: 'download', outcome: 'mismatch', agent: request.agent, detail: { logicalPath: file.logicalPath, disagreements: [`sha512: catalogue ${file.sha512}, read ${found}`] }
      })
      return new LantaiError('FILE_DAMAGED', `${file.logicalPath} of ${pkg.id}: the stored bytes do not match its sha512 (event ${eventId})`, { event: eventId })
    }), () => {})
    return { kind: 'bytes', file, stream: verified, range: null }
  }
}

/**
 * Passes the bytes on while hashing them, one chunk behind: the last chunk goes out only once the
 * whole file's sha512 matched, so a reader never receives a complete body of bad bytes (the stream
 * errors with FILE_DAMAGED instead).
 */
function verifying (sha512: string, onMismatch: (found: string) => Promise<Error>): Transform {
  const hash = createHash('sha512')
  let held: Buffer | null = null
  return new Transform({
    transform (chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      if (held !== null) this.push(held)
      held = chunk
      done()
    },
    flush (done) {
      const found = hash.digest('hex')
      if (found !== sha512) {
        // the damage is recorded before the stream fails, so the error can name its event
        onMismatch(found).then(done, done)
        return
      }
      if (held !== null) this.push(held)
      done()
    }
  })
}
