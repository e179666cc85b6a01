import { createHash, randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { isLantaiError } from '../errors.js'
import type { Throttle } from '../fixity/index.js'
import { readAll, type BlobStore } from '../storage/index.js'

// Reading a copy back: every byte streamed from the node through sha512, paced when a rate is given,
// never held whole in memory. A copy counts only once this digest equals the catalogue's (research-
// preservation.md §10 lesson 3): what the server said about its PUT (ETag, status) is not evidence.

export interface ReadBack { size: number, sha512: string }

/**
 * The digest of a sealed copy whose ciphertext does not authenticate (bit rot, truncation, another key):
 * it matches no catalogue digest, so the copy is judged damaged like any wrong bytes, not unreachable.
 */
export const UNDECRYPTABLE = 'undecryptable'

/** The bytes under `key` as the node returns them now; rejects as the store does (STORAGE_NOT_FOUND …). */
export async function readBack (store: BlobStore, key: string, options: { throttle?: Throttle, signal?: AbortSignal } = {}): Promise<ReadBack> {
  const hash = createHash('sha512')
  let size = 0
  const tap = new Transform({
    transform (chunk: Buffer, _enc, done) {
      size += chunk.length
      hash.update(chunk)
      if (options.throttle === undefined) { done(); return }
      options.throttle.take(chunk.length, options.signal).then(() => { done() }, done)
    }
  })
  try {
    await pipeline(await store.get(key), tap, options.signal === undefined ? {} : { signal: options.signal })
  } catch (err) {
    if (isLantaiError(err) && err.code === 'KEY_CIPHERTEXT_INVALID') return { size, sha512: UNDECRYPTABLE }
    throw err
  }
  return { size, sha512: hash.digest('hex') }
}

/** The sha512 of a small object (inventories, logs) and its bytes. */
export async function smallObject (store: BlobStore, key: string): Promise<{ bytes: Buffer, sha512: string }> {
  const bytes = await readAll(store, key)
  return { bytes, sha512: createHash('sha512').update(bytes).digest('hex') }
}

/** A local file of the object's bytes, for a store that puts from files; removed by `release`. */
export interface Staged extends ReadBack { path: string, release: () => Promise<void> }

/**
 * The bytes under `key` in a local file: the store's own file when it has one (a local primary, read in
 * place), else streamed into `scratchDir` and hashed on the way. `hash: false` skips hashing a local file.
 */
export async function stage (store: BlobStore, key: string, scratchDir: string, options: { signal?: AbortSignal, hash?: boolean } = {}): Promise<Staged> {
  if (store.localPath !== undefined && options.hash === false) {
    const path = await store.localPath(key)
    return { path, size: -1, sha512: '', release: async () => {} }
  }
  await mkdir(scratchDir, { recursive: true })
  const path = join(scratchDir, `stage-${randomUUID()}`)
  const hash = createHash('sha512')
  let size = 0
  const tap = new Transform({ transform (chunk: Buffer, _enc, done) { size += chunk.length; hash.update(chunk); done(null, chunk) } })
  try {
    await pipeline(await store.get(key), tap, createWriteStream(path, { flags: 'wx' }), options.signal === undefined ? {} : { signal: options.signal })
  } catch (err) {
    await rm(path, { force: true })
    throw err
  }
  return { path, size, sha512: hash.digest('hex'), release: async () => { await rm(path, { force: true }) } }
}
