import { lstat } from 'node:fs/promises'
import { eachConcurrently } from '../concurrent.js'
import { LantaiError } from '../errors.js'

// One interface for every place Lantai keeps bytes: the local disk now, S3/MinIO next. It speaks in
// keys, never paths, so an object store can implement it without pretending to be a filesystem.

export interface BlobStat { size: number, modified?: Date }

export interface ByteRange {
  start: number
  /** Inclusive, as in HTTP Range; absent means "to the end". */
  end?: number
}

export interface PutFileOptions {
  move?: boolean
  link?: boolean
  /**
   * Digests the caller already has (algorithm → lowercase hex). A store that keeps metadata beside an
   * object (S3) stores them there, so copies on different servers compare without reading the bytes;
   * a local store has nowhere to keep them and ignores them.
   */
  digests?: Readonly<Record<string, string>>
}

export interface LocalPathOptions {
  /**
   * Resolve the key's directories first and refuse one that leads outside the store through a symbolic
   * link (STORAGE_NOT_FOUND), as get() does. Default true. false only for a caller that merely lstats the
   * path, or hands it to a hash worker that opens it with O_NOFOLLOW (the OCFL validator).
   */
  confine?: boolean
}

export interface PutItem {
  key: string
  localPath: string
  /** The bytes the caller hashed: a source that is not a regular file of this size is refused (STORAGE_SOURCE_CHANGED). */
  size?: number
  /** As PutFileOptions.digests, for this file. */
  digests?: Readonly<Record<string, string>>
}

/** putFiles as putFile several at a time, for a store that has nothing better. */
export async function putEach (store: BlobStore, items: readonly PutItem[], options: PutFileOptions & { signal?: AbortSignal } = {}, concurrency = 16): Promise<void> {
  await eachConcurrently(items, concurrency, async item => {
    options.signal?.throwIfAborted()
    if (item.size !== undefined) checkSource(item, await lstat(item.localPath))
    await store.putFile(item.key, item.localPath, item.digests === undefined ? options : { ...options, digests: item.digests })
  })
}

/** A source must still be the regular file of `item.size` bytes its caller described. */
export function checkSource (item: PutItem, st: { isFile: () => boolean, size: number }): void {
  if (!st.isFile()) throw new LantaiError('STORAGE_SOURCE_CHANGED', `${item.localPath} is not a regular file`, { path: item.localPath })
  if (item.size !== undefined && st.size !== item.size) {
    throw new LantaiError('STORAGE_SOURCE_CHANGED', `${item.localPath} has ${st.size} bytes, not ${item.size}`, { path: item.localPath, expected: item.size, found: st.size })
  }
}

export interface BlobStore {
  readonly kind: 'local' | 's3'
  /** Where the store lives, for logs and reports, e.g. 'local:/var/lantai/store'. */
  readonly description: string
  /**
   * Publishes a finished local file under `key` atomically: readers see the old state or the whole new
   * object, never a part. `move: true` may rename instead of copy when on the same filesystem;
   * `link: true` may hard-link instead, for a write-once local file (staging) that its owner will only
   * ever delete: the bytes are not written twice, and the local file stays until its owner removes it.
   */
  putFile (key: string, localPath: string, options?: PutFileOptions): Promise<void>
  /**
   * Publishes many local files, each atomically as putFile; all durable when the promise resolves. A
   * store may flush once for the whole batch instead of once per file (a version of 10,000 files).
   */
  putFiles (items: readonly PutItem[], options?: PutFileOptions & { signal?: AbortSignal }): Promise<void>
  /** Atomic, as putFile. */
  putBytes (key: string, data: Uint8Array | string): Promise<void>
  /** Streams an object; rejects LantaiError('STORAGE_NOT_FOUND') when absent. */
  get (key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>
  stat (key: string): Promise<BlobStat | null>
  /** Every key under the prefix ('' = all), recursively, in no particular order. */
  list (prefix: string): AsyncIterable<string>
  /** Idempotent. */
  delete (key: string): Promise<void>
  /** Removes every key under the prefix (used to drop an uncommitted OCFL version). */
  deletePrefix (prefix: string): Promise<void>
  /**
   * The local file behind `key`, for the fast paths that need one (a hash worker reading it in place, a
   * rename, a hard link); absent on a store whose objects are not local files (S3), and callers then go
   * through get() and putFile(). The file need not exist.
   */
  localPath? (key: string, options?: LocalPathOptions): Promise<string>
}

/**
 * A key is '/'-separated, relative, and has no '', '.' or '..' segment, backslash or NUL: the same
 * rules hold for an S3 key, so a key that works locally works on every backend.
 */
export function checkKey (key: string): string[] {
  const segments = key.split('/')
  if (key === '' || key.includes('\\') || key.includes('\0') || segments.some(s => s === '' || s === '.' || s === '..')) {
    throw new LantaiError('STORAGE_KEY_INVALID', JSON.stringify(key), { key })
  }
  return segments
}

/** A prefix is '' or a key, optionally ending in '/'. */
export function checkPrefix (prefix: string): void {
  if (prefix === '') return
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix)
}

/** Reads a whole (small) object: inventories and declarations, never payload. */
export async function readAll (store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await store.get(key)) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks)
}
