import { createHash } from 'node:crypto'
import { LantaiError } from '../errors.js'
import { readAll, type BlobStore, type ByteRange, type LocalPathOptions } from '../storage/index.js'
import { INVENTORY, OBJECT_DECLARATION, parseInventory, sidecarDigest, type Inventory } from './inventory.js'
import { objectRootOf } from './layout.js'
import { readSm3Logs } from './sm3-log.js'

export interface LoadedInventory {
  inventory: Inventory
  /** The exact bytes, for byte-for-byte comparison with a version's copy. */
  bytes: Buffer
  /** The inventory's digest (its digestAlgorithm), which the sidecar states. */
  digest: string
}

/**
 * The root inventory of the object at `objectRoot`, its sidecar checked; undefined when there is no
 * root inventory (nothing committed). OCFL_INVENTORY_INVALID when it is unreadable or the sidecar
 * disagrees.
 */
export async function loadInventory (store: BlobStore, objectRoot: string, dir = ''): Promise<LoadedInventory | undefined> {
  const base = `${objectRoot}/${dir === '' ? '' : dir + '/'}`
  const key = base + INVENTORY
  if (await store.stat(key) === null) return undefined
  const bytes = await readAll(store, key)
  const inventory = parseInventory(bytes, key)
  const alg = inventory.digestAlgorithm
  if (alg !== 'sha512' && alg !== 'sha256') throw new LantaiError('OCFL_INVENTORY_INVALID', `${key}: digestAlgorithm ${alg}`)
  const digest = createHash(alg).update(bytes).digest('hex')
  const sidecarKey = `${key}.${alg}`
  if (await store.stat(sidecarKey) === null) throw new LantaiError('OCFL_INVENTORY_INVALID', `${sidecarKey} is missing`, { key: sidecarKey })
  const stated = sidecarDigest((await readAll(store, sidecarKey)).toString('utf8'))
  if (stated !== digest) throw new LantaiError('OCFL_INVENTORY_INVALID', `${sidecarKey} does not state the digest of ${key}`, { key: sidecarKey, expected: digest, found: stated })
  return { inventory, bytes, digest }
}

export interface ResolvedFile {
  version: string
  logicalPath: string
  contentPath: string
  /** sha512 from the manifest, whatever the fixity block holds (sha256, md5, sha1 … as kept), sm3 from the SM3 log (when recorded). */
  digests: Record<string, string>
}

export interface ListedObject { objectRoot: string, id?: string, problem?: string }

interface CachedInventory { sidecar: string, inventory: Inventory, contentPaths: Set<string> }

/** Parsed inventories kept per object: a package of 10,000 files has a 6 MB inventory. */
const CACHE_SIZE = 16

export class OcflObjectReader {
  readonly #store: BlobStore
  readonly #cache = new Map<string, CachedInventory>()

  constructor (store: BlobStore) { this.#store = store }

  /** The root inventory, sidecar verified. OCFL_OBJECT_NOT_FOUND when the object has no committed version. */
  async readInventory (objectId: string): Promise<Inventory> {
    return (await this.#cached(objectId)).inventory
  }

  /**
   * Reading, parsing and hashing a large inventory for every file made fixity and downloads slow with
   * package size; the sidecar (a few bytes) is read every time instead, and while it is unchanged the
   * inventory it vouches for is the one already parsed. The sidecar is written after the inventory, so
   * an unchanged sidecar means an unchanged commit.
   */
  async #cached (objectId: string): Promise<CachedInventory> {
    const root = objectRootOf(objectId)
    const hit = this.#cache.get(objectId)
    if (hit !== undefined) {
      const sidecarKey = `${root}/${INVENTORY}.${hit.inventory.digestAlgorithm}`
      const sidecar = await readAll(this.#store, sidecarKey).then(b => b.toString('utf8'), () => null)
      if (sidecar === hit.sidecar) return hit
    }
    const loaded = await loadInventory(this.#store, root)
    if (loaded === undefined) throw new LantaiError('OCFL_OBJECT_NOT_FOUND', objectId, { objectId })
    if (loaded.inventory.id !== objectId) {
      throw new LantaiError('OCFL_INVENTORY_INVALID', `${root} holds ${loaded.inventory.id}, not ${objectId}`)
    }
    const sidecar = (await readAll(this.#store, `${root}/${INVENTORY}.${loaded.inventory.digestAlgorithm}`)).toString('utf8')
    const entry = { sidecar, inventory: loaded.inventory, contentPaths: new Set(Object.values(loaded.inventory.manifest).flat()) }
    this.#cache.delete(objectId)
    this.#cache.set(objectId, entry)
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string)
    return entry
  }

  /**
   * Every object root in the store (found by its declaration), with its id; an object whose root
   * inventory cannot be read is listed with the problem rather than left out. Walks every key, which
   * is slow on a big S3 bucket: the catalogue is the index, this is for rebuilding it.
   */
  async * listObjects (): AsyncIterable<ListedObject> {
    for await (const key of this.#store.list('')) {
      if (!key.endsWith('/' + OBJECT_DECLARATION)) continue
      const objectRoot = key.slice(0, -OBJECT_DECLARATION.length - 1)
      try {
        const loaded = await loadInventory(this.#store, objectRoot)
        yield loaded === undefined ? { objectRoot, problem: 'no root inventory (nothing committed)' } : { objectRoot, id: loaded.inventory.id }
      } catch (e) {
        yield { objectRoot, problem: (e as Error).message }
      }
    }
  }

  /** Streams one content file, named by its content path in the manifest (v2/content/plan.pdf). */
  async openContent (objectId: string, contentPath: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const { contentPaths } = await this.#cached(objectId)
    if (!contentPaths.has(contentPath)) throw new LantaiError('OCFL_CONTENT_NOT_FOUND', `${objectId} ${contentPath}`, { objectId, contentPath })
    return this.#store.get(`${objectRootOf(objectId)}/${contentPath}`, range)
  }

  /**
   * The file of a content path when the store is a local directory (null for any other store), for
   * hashing in place. Unlike openContent it does not look the path up in the inventory, which costs a
   * sidecar read per call: the caller holds the inventory it checks the path against (fixity).
   */
  async localFile (objectId: string, contentPath: string, options: LocalPathOptions = {}): Promise<string | null> {
    return await this.#store.localPath?.(`${objectRootOf(objectId)}/${contentPath}`, options) ?? null
  }

  /** Content path → sm3, from the object's SM3 logs (every version's); what a fixity round by sm3 compares with. */
  async sm3Digests (objectId: string): Promise<Map<string, string>> {
    const inventory = await this.readInventory(objectId)
    return await readSm3Logs(this.#store, objectRootOf(objectId), Object.keys(inventory.versions))
  }

  /** Where a logical path of a version (default: head) is stored, and every digest known for it. */
  async resolve (objectId: string, logicalPath: string, version?: string): Promise<ResolvedFile> {
    const inventory = await this.readInventory(objectId)
    const v = version ?? inventory.head
    const state = inventory.versions[v]?.state
    const digest = state === undefined ? undefined : Object.keys(state).find(d => state[d]?.includes(logicalPath))
    if (digest === undefined) throw new LantaiError('OCFL_CONTENT_NOT_FOUND', `${objectId} ${v} ${logicalPath}`, { objectId, version: v, logicalPath })
    const manifestKey = Object.keys(inventory.manifest).find(d => d.toLowerCase() === digest.toLowerCase())
    const contentPath = manifestKey === undefined ? undefined : inventory.manifest[manifestKey]?.[0]
    if (contentPath === undefined) throw new LantaiError('OCFL_INVENTORY_INVALID', `${objectId}: ${digest} is not in the manifest`)
    const digests: Record<string, string> = { [inventory.digestAlgorithm]: digest.toLowerCase() }
    for (const [alg, block] of Object.entries(inventory.fixity ?? {})) {
      const found = Object.entries(block).find(([, paths]) => paths.includes(contentPath))
      if (found !== undefined) digests[alg] = found[0].toLowerCase()
    }
    const sm3 = (await readSm3Logs(this.#store, objectRootOf(objectId), Object.keys(inventory.versions))).get(contentPath)
    if (sm3 !== undefined) digests.sm3 = sm3
    return { version: v, logicalPath, contentPath, digests }
  }
}
