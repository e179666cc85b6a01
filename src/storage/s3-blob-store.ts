import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, unlink, type FileHandle } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { Readable, type Duplex } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Client } from 'minio'
import { LantaiError } from '../errors.js'
import { checkKey, checkPrefix, putEach, type BlobStat, type BlobStore, type ByteRange, type PutFileOptions, type PutItem } from './blob-store.js'
import type { S3Credentials } from './s3-credentials.js'
import { s3Failure } from './s3-errors.js'
import { decodeMetadata, encodeMetadata } from './s3-metadata.js'

// A BlobStore on any S3 server (issue 16 item 1), through the `minio` client: a replica node in another
// province, or the primary store of a scaled-out site whose workers share one S3 cluster. Tested against
// Ceph RGW and Swift s3api (test/storage/s3-blob-store.test.ts); quirks of minio-js 8.0.7 and of those
// servers are in /work/shared/design/s3-test-servers.md §3.

export interface S3BlobStoreOptions {
  /** http(s)://host[:port]; path-style addressing, so no DNS per bucket is needed. */
  endpoint: string
  bucket: string
  /** Keys are stored under this prefix ('' or ending in '/'), so several stores can share a bucket. */
  prefix?: string
  credentials: S3Credentials
  region?: string
  /**
   * Bytes per multipart part (minimum 5 MiB); a file larger than this goes up in parts, and one part is
   * held in memory per upload. Default 16 MiB.
   */
  partSize?: number
  /** A socket silent this long is given up (STORAGE_UNREACHABLE): a stopped server must not hang a job. Default 30 s. */
  timeoutMs?: number
  /** Keys per list request; S3 caps it at 1000. */
  listPageSize?: number
  /** Extra CA certificates (PEM) for an https endpoint behind a private CA. */
  ca?: string | Buffer
}

/** Without `digests` the store computes sha512 itself, reading the file once more. */
export interface S3PutOptions extends PutFileOptions {
  /** The caller's own metadata; values may hold any text (Chinese too): they are stored percent-encoded. */
  metadata?: Readonly<Record<string, string>>
}

export interface S3ObjectInfo extends BlobStat {
  /** As the server reports it: differs between implementations for the same bytes, so never compared across nodes. */
  etag: string
  digests: Record<string, string>
  metadata: Record<string, string>
}

const MiB = 1024 * 1024
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW

export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const
  readonly description: string
  readonly bucket: string
  readonly prefix: string
  readonly endpoint: string
  readonly #client: Client
  readonly #agent: http.Agent
  readonly #listPageSize: number

  constructor (options: S3BlobStoreOptions) {
    const url = new URL(options.endpoint)
    const secure = url.protocol === 'https:'
    if (!secure && url.protocol !== 'http:') throw new LantaiError('CONFIG_INVALID', `S3 endpoint ${options.endpoint}: http or https`, { endpoint: options.endpoint })
    this.prefix = options.prefix ?? ''
    if (this.prefix !== '') {
      checkPrefix(this.prefix)
      if (!this.prefix.endsWith('/')) throw new LantaiError('STORAGE_KEY_INVALID', `prefix ${JSON.stringify(this.prefix)} must end in /`, { prefix: this.prefix })
    }
    this.bucket = options.bucket
    this.endpoint = url.origin
    this.description = `s3:${this.endpoint}/${this.bucket}/${this.prefix}`
    this.#listPageSize = Math.min(Math.max(options.listPageSize ?? 1000, 1), 1000)
    this.#agent = timeoutAgent(secure, options.timeoutMs ?? 30_000, options.ca)
    this.#client = new Client({
      endPoint: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      useSSL: secure,
      accessKey: options.credentials.accessKey,
      secretKey: options.credentials.secretKey,
      // A fixed region spares a GetBucketLocation round trip; RGW and Swift s3api both answer to us-east-1.
      region: options.region ?? 'us-east-1',
      pathStyle: true,
      partSize: options.partSize ?? 16 * MiB,
      transportAgent: this.#agent
    })
  }

  /**
   * Creates the bucket when it does not exist yet. Processes of a site starting together may race to
   * make it: losing that race to a peer with the same keys is success.
   */
  async ensureBucket (): Promise<void> {
    await this.#call(undefined, async () => {
      if (await this.#client.bucketExists(this.bucket)) return
      try {
        await this.#client.makeBucket(this.bucket, 'us-east-1')
      } catch (e) {
        if (!(await this.#client.bucketExists(this.bucket))) throw e
      }
    })
  }

  /** Lets go of pooled connections. */
  close (): void {
    this.#agent.destroy()
  }

  async putFile (key: string, localPath: string, options: S3PutOptions = {}): Promise<void> {
    const name = this.#name(key)
    const fh = await open(localPath, READ_FLAGS)
    try {
      const st = await fh.stat()
      if (!st.isFile()) throw new LantaiError('STORAGE_KEY_INVALID', `${localPath} is not a regular file`, { path: localPath })
      const digests = options.digests ?? { sha512: await sha512Of(fh) }
      // A file stream, not Readable.from(buffer): minio-js then uploads a large file in real parts of
      // partSize, where a buffer source became one part holding everything (research note §3, quirk 1).
      const body = fh.createReadStream({ start: 0, autoClose: false })
      await this.#call(key, async () => await this.#client.putObject(this.bucket, name, body, st.size, encodeMetadata(digests, options.metadata)))
    } finally {
      await fh.close()
    }
    // S3 has no rename: a move is a copy, then the local file goes, as it would on a local store.
    if (options.move === true) await unlink(localPath)
  }

  async putFiles (items: readonly PutItem[], options: PutFileOptions & { signal?: AbortSignal } = {}): Promise<void> {
    // Each upload holds up to a part in memory and a connection: a few at a time.
    await putEach(this, items, options, 4)
  }

  async putBytes (key: string, data: Uint8Array | string, options: Pick<S3PutOptions, 'digests' | 'metadata'> = {}): Promise<void> {
    const name = this.#name(key)
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const digests = options.digests ?? { sha512: createHash('sha512').update(bytes).digest('hex') }
    await this.#call(key, async () => await this.#client.putObject(this.bucket, name, bytes, bytes.length, encodeMetadata(digests, options.metadata)))
  }

  async get (key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const name = this.#name(key)
    if (range === undefined) return this.#mapped(key, await this.#call(key, async () => await this.#client.getObject(this.bucket, name)))
    const { start, end } = range
    if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
      throw new LantaiError('STORAGE_RANGE_INVALID', `${start}-${end ?? ''}`, { key })
    }
    // An empty object has no byte 0, yet a range from 0 without an end sends no Range header at all.
    if (start === 0 && end === undefined) {
      const st = await this.stat(key)
      if (st === null) throw new LantaiError('STORAGE_NOT_FOUND', key, { key })
      if (st.size === 0) throw new LantaiError('STORAGE_RANGE_INVALID', `0- of 0 bytes`, { key, size: 0 })
    }
    // The server clips an end past the object, and answers InvalidRange (416) to a start past it.
    return this.#mapped(key, await this.#call(key, async () => await this.#client.getPartialObject(this.bucket, name, start, end === undefined ? 0 : end - start + 1)))
  }

  /**
   * The body with its failures mapped as well: a connection cut or silent mid-object is then
   * STORAGE_UNREACHABLE (transient), which fixity counts as "not checked", never as damage.
   */
  #mapped (key: string, body: Readable): Readable {
    const where = { endpoint: this.endpoint, bucket: this.bucket, key }
    async function * chunks (): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body) yield chunk as Buffer
      } catch (e) {
        throw s3Failure(e, where)
      }
    }
    return Readable.from(chunks(), { objectMode: false })
  }

  async stat (key: string): Promise<BlobStat | null> {
    const info = await this.describe(key)
    return info === null ? null : { size: info.size, modified: info.modified }
  }

  /** Size, ETag, the digests kept beside the object and the caller's metadata; null when absent. */
  async describe (key: string): Promise<S3ObjectInfo | null> {
    const name = this.#name(key)
    try {
      const st = await this.#call(key, async () => await this.#client.statObject(this.bucket, name))
      return { size: st.size, modified: st.lastModified, etag: st.etag, ...decodeMetadata(st.metaData) }
    } catch (e) {
      if (e instanceof LantaiError && e.code === 'STORAGE_NOT_FOUND') return null
      throw e
    }
  }

  async * list (prefix: string): AsyncIterable<string> {
    checkPrefix(prefix)
    for await (const page of this.#pages(prefix)) yield * page
  }

  async delete (key: string): Promise<void> {
    const name = this.#name(key)
    // S3 answers 204 for an absent key too: idempotent as the contract asks.
    await this.#call(key, async () => { await this.#client.removeObject(this.bucket, name) })
  }

  async deletePrefix (prefix: string): Promise<void> {
    checkPrefix(prefix)
    // A page at a time (at most 1000 keys, one multi-delete request each), so a large prefix is never
    // held in memory; the listing resumes after the last key it gave, which deleting does not disturb.
    for await (const page of this.#pages(prefix)) {
      if (page.length === 0) continue
      const results = await this.#call(prefix, async () => await this.#client.removeObjects(this.bucket, page.map(k => this.prefix + k)))
      const failed = results.flatMap(r => r?.Error === undefined ? [] : [r.Error])
      if (failed.length > 0) {
        throw new LantaiError('STORAGE_REMOTE_FAILED', `${failed.length} of ${page.length} keys not deleted under ${prefix}: ${failed[0]?.Code ?? ''} ${failed[0]?.Key ?? ''}`, { endpoint: this.endpoint, bucket: this.bucket, prefix, failed: failed.slice(0, 10) })
      }
    }
  }

  /** The keys under `prefix`, one list request per page, without this store's own prefix. */
  async * #pages (prefix: string): AsyncIterable<string[]> {
    let token = ''
    for (;;) {
      const res = await this.#call(prefix, async () => await this.#client.listObjectsV2Query(this.bucket, this.prefix + prefix, token, '', this.#listPageSize, ''))
      yield res.objects.flatMap(o => typeof o.name === 'string' ? [String(o.name).slice(this.prefix.length)] : [])
      if (res.isTruncated !== true || res.nextContinuationToken === '') return
      token = res.nextContinuationToken
    }
  }

  #name (key: string): string {
    checkKey(key)
    return this.prefix + key
  }

  async #call<T> (key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw s3Failure(e, { endpoint: this.endpoint, bucket: this.bucket, ...(key === undefined ? {} : { key }) })
    }
  }
}

async function sha512Of (fh: FileHandle): Promise<string> {
  const hash = createHash('sha512')
  await pipeline(fh.createReadStream({ start: 0, autoClose: false }), hash)
  return hash.digest('hex')
}

/**
 * A connection pool whose sockets give up after `ms` of silence. minio-js sets no timeout of its own, so
 * a server that accepts connections but never answers (a stopped process, a full disk) would hang the
 * caller forever; this turns it into ETIMEDOUT, hence STORAGE_UNREACHABLE. The agent's own `timeout`
 * re-arms the timer when a kept-alive socket is reused.
 */
function timeoutAgent (secure: boolean, ms: number, ca: string | Buffer | undefined): http.Agent {
  const agent = secure ? new https.Agent({ keepAlive: true, timeout: ms, ...(ca === undefined ? {} : { ca }) }) : new http.Agent({ keepAlive: true, timeout: ms })
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Duplex
  agent.createConnection = ((...args: unknown[]) => {
    const socket = create(...args) as Duplex & { setTimeout: (ms: number, cb: () => void) => void }
    socket.setTimeout(ms, () => { socket.destroy(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })) })
    return socket
  }) as typeof agent.createConnection
  return agent
}
