import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { isLantaiError, LantaiError } from '../errors.js'
import { hexLength } from '../hashing/index.js'
import { readAll, type BlobStore } from '../storage/index.js'
import {
  CONTENT_DIRECTORY, DIGEST_ALGORITHM, FIXITY_ALGORITHMS, INVENTORY, INVENTORY_TYPE, OBJECT_DECLARATION, OBJECT_DECLARATION_TEXT, SIDECAR,
  parseInventory, serializeInventory, sidecarDigest, sidecarText, stateByPath, versionName, versionNumber,
  type DigestMap, type Inventory
} from './inventory.js'
import { checkObjectId, objectRootOf } from './layout.js'
import { loadInventory } from './object-reader.js'
import { checkLogicalPath, conflictingPaths } from './paths.js'
import { serializeSm3Log, sm3LogKey } from './sm3-log.js'


export interface NewVersionFile {
  logicalPath: string
  localPath: string
  size: number
  /**
   * BagIt algorithm name → hex: sha512 (the content address) and sm3 always; any other kept digest
   * goes into the fixity block when OCFL has a name for it (FIXITY_ALGORITHMS).
   */
  digests: { sha512: string, sm3: string } & Record<string, string>
}

export interface VersionMeta {
  created: Date
  message: string
  /** Give `address` (a mailto: or https: URI): without it the version carries W008, with a non-URI W009. */
  user: { name: string, address?: string }
}

export interface WrittenVersion {
  objectId: string
  /** 1-based. */
  version: number
  /** v1, v2, … */
  versionName: string
  objectRoot: string
  added: Array<{ logicalPath: string, contentPath: string, deduplicated: boolean }>
  /** logical path → sha512 of the new head. */
  state: Map<string, string>
  /** logical path → content path, for every path of the new head (carried over, deduplicated or new). */
  paths: Map<string, string>
}

/** Where a quarantined content file went, and whether there was anything to repair. */
export interface RepairedContent {
  contentPath: string
  /** The key the bad bytes were moved to (under the object's logs/quarantine/), null when nothing was there. */
  quarantineKey: string | null
  /** The bytes at the content path were already the right ones (a repair resumed after a crash). */
  alreadyWhole: boolean
}

export interface AddVersionOptions {
  signal?: AbortSignal
  /** Optimistic check: OCFL_HEAD_MOVED unless the committed head is this version number (0: no object yet). */
  expectedHead?: number
  /** Rename the local files into the store when it can, instead of copying them. */
  move?: boolean
  /**
   * Hard-link the local files into the store when it can: the bytes are written once, and the local
   * files stay (a transfer resumed after a crash finds them still in staging). They must never change.
   */
  link?: boolean
  /**
   * Logical paths of the previous head that the new version no longer has (a replacement, or a
   * supplement's explicit removals). Each must be in the previous head; a path also in `files` is
   * replaced rather than removed.
   */
  remove?: readonly string[]
}

const HEX_DIGEST = /^[0-9a-fA-F]+$/

/**
 * Writes OCFL objects, one version per accepted transfer. Crash safety rests on order (README.md
 * "Crash safety"): content, then the version inventory, then the root inventory — the commit point —
 * then its sidecar. Nothing committed is ever rewritten. One writer per object at a time: the
 * caller holds the lock (the catalogue); expectedHead catches a caller that lost track.
 */
export class OcflObjectWriter {
  readonly #store: BlobStore

  constructor (store: BlobStore) { this.#store = store }

  /**
   * Adds a version whose state is the previous head's with `files` added; a file at an existing
   * logical path replaces it there (a correction adds a version, it never overwrites bytes). Bytes
   * already in the manifest, from any version, are not stored again.
   */
  async addVersion (objectId: string, files: readonly NewVersionFile[], meta: VersionMeta, options: AddVersionOptions = {}): Promise<WrittenVersion> {
    const { signal } = options
    checkObjectId(objectId)
    checkFiles(files)
    const store = this.#store
    const root = objectRootOf(objectId)
    const loaded = await loadInventory(store, root)
    const previous = loaded?.inventory
    if (previous !== undefined && previous.id !== objectId) {
      throw new LantaiError('OCFL_INVENTORY_INVALID', `${root} holds ${previous.id}, not ${objectId}`)
    }
    const head = previous === undefined ? 0 : versionNumber(previous.head)
    if (head === undefined) throw new LantaiError('OCFL_INVENTORY_INVALID', `${root}: head ${previous?.head} is not a version Lantai extends`)
    if (options.expectedHead !== undefined && options.expectedHead !== head) {
      throw new LantaiError('OCFL_HEAD_MOVED', `${objectId} is at v${head}, not v${options.expectedHead}`, { objectId, head, expectedHead: options.expectedHead })
    }
    const n = head + 1
    const vName = versionName(n)
    if (await hasAny(store, previous === undefined ? `${root}/` : `${root}/${vName}/`)) {
      throw new LantaiError('OCFL_UNCOMMITTED_VERSION', `${objectId} ${previous === undefined ? '(no committed version)' : vName}`, { objectId, version: vName })
    }

    // The new state, checked before a byte is written.
    const state = previous === undefined ? new Map<string, string>() : stateByPath(previous.versions[previous.head] ?? { created: '', state: {} })
    for (const path of options.remove ?? []) {
      if (!state.delete(path)) throw new LantaiError('OCFL_PATH_INVALID', `${path} cannot be removed: it is not in ${objectId} ${previous?.head ?? '(no version)'}`, { path })
    }
    for (const f of files) state.set(f.logicalPath, lower(f.digests.sha512))
    const clash = conflictingPaths(state.keys())[0]
    if (clash !== undefined) throw new LantaiError('OCFL_PATH_INVALID', `${clash[0]} is a file and also a directory of ${clash[1]} (E095)`, { path: clash[1] })

    const manifest: DigestMap = structuredClone(previous?.manifest ?? {})
    const byDigest = new Map(Object.keys(manifest).map(d => [d.toLowerCase(), d]))
    const fixity: Record<string, DigestMap> = structuredClone(previous?.fixity ?? {})
    const sm3: DigestMap = {}
    const added: WrittenVersion['added'] = []

    if (previous === undefined) await store.putBytes(`${root}/${OBJECT_DECLARATION}`, OBJECT_DECLARATION_TEXT)
    // First decide every file's content path (dedup included), then publish the new bytes as one batch
    // (each put atomic, the batch durable at the end). Nothing is visible to readers until the root
    // inventory is written after all of them.
    const puts: Array<{ f: NewVersionFile, key: string }> = []
    for (const f of files) {
      const digest = lower(f.digests.sha512)
      const existing = byDigest.get(digest)
      const existingPath = existing === undefined ? undefined : manifest[existing]?.[0]
      if (existingPath !== undefined) {
        added.push({ logicalPath: f.logicalPath, contentPath: existingPath, deduplicated: true })
        continue
      }
      // OCFL §3.3: content path = version dir + content dir + logical path.
      const contentPath = `${vName}/${CONTENT_DIRECTORY}/${f.logicalPath}`
      puts.push({ f, key: `${root}/${contentPath}` })
      manifest[digest] = [contentPath]
      byDigest.set(digest, digest)
      for (const [alg, value] of Object.entries(f.digests)) {
        const name = FIXITY_ALGORITHMS[alg]
        if (name !== undefined) ((fixity[name] ??= {})[lower(value)] ??= []).push(contentPath)
      }
      ;(sm3[lower(f.digests.sm3)] ??= []).push(contentPath)
      added.push({ logicalPath: f.logicalPath, contentPath, deduplicated: false })
    }
    // A file that changed since it was hashed would be stored under a digest it does not have: the
    // store checks each source's size as it takes it (one lstat, where a stat pass of our own cost
    // 0.4 s for 10,000 files), and refuses the batch before anything is visible.
    try {
      await store.putFiles(puts.map(p => ({ key: p.key, localPath: p.f.localPath, size: p.f.size, digests: p.f.digests })), {
        move: options.move === true, link: options.link === true, ...(signal === undefined ? {} : { signal })
      })
    } catch (err) {
      if (isLantaiError(err) && err.code === 'STORAGE_SOURCE_CHANGED') throw new LantaiError('OCFL_FILE_CHANGED', err.message, err.details, { cause: err })
      throw err
    }
    if (signal?.aborted === true) throw aborted(signal)

    const stateMap: DigestMap = {}
    for (const [path, digest] of state) (stateMap[digest] ??= []).push(path)
    const user = meta.user.address === undefined ? { name: meta.user.name } : { name: meta.user.name, address: meta.user.address }
    const inventory: Inventory = {
      id: objectId,
      type: INVENTORY_TYPE,
      digestAlgorithm: DIGEST_ALGORITHM,
      head: vName,
      manifest,
      versions: {
        ...(previous?.versions ?? {}),
        [vName]: { created: rfc3339(meta.created), message: meta.message, user, state: stateMap }
      },
      ...(Object.keys(fixity).length > 0 ? { fixity } : {})
    }
    // Encoded once: the text was turned into bytes again by the digest and by each of the two puts,
    // three transient copies of what is 200 bytes a file per map (tens of MB at 100,000 files).
    const text = Buffer.from(serializeInventory(inventory), 'utf8')
    const sidecar = sidecarText(text)
    // Everything before the commit point may be written at once: each put is durable by itself, and
    // none is visible to a reader until the root inventory names this version.
    // allSettled: a failed put must not leave the others writing while the caller recovers.
    const written = await Promise.allSettled([
      Object.keys(sm3).length > 0 ? store.putBytes(sm3LogKey(root, vName), serializeSm3Log(vName, sm3)) : undefined,
      store.putBytes(`${root}/${vName}/${INVENTORY}`, text),
      store.putBytes(`${root}/${vName}/${SIDECAR}`, sidecar)
    ])
    for (const w of written) if (w.status === 'rejected') throw w.reason
    // The commit point: from here on the object's head is vName.
    await store.putBytes(`${root}/${INVENTORY}`, text)
    // E062: the sidecar is the last write. recover() repairs it if a crash falls in between.
    await store.putBytes(`${root}/${SIDECAR}`, sidecar)
    const paths = new Map<string, string>()
    for (const [path, digest] of state) {
      const contentPath = manifest[byDigest.get(digest) ?? digest]?.[0]
      if (contentPath === undefined) throw new LantaiError('OCFL_INVENTORY_INVALID', `${objectId}: ${digest} of ${path} is not in the manifest`)
      paths.set(path, contentPath)
    }
    return { objectId, version: n, versionName: vName, objectRoot: root, added, state, paths }
  }

  /**
   * Puts the right bytes back at a content path found damaged or missing, outside any version (a
   * content file is the one record of its digest; every version naming the digest reads it). The bytes
   * there go first to `logs/quarantine/<tag>/<content path>` in the object root, never deleted (OCFL
   * 1.1 §3.1 leaves logs/ to the implementation, and validators pass over it); then the good file is
   * published and read back. A crash anywhere is resumed by calling it again: bytes already right are
   * left alone, and a quarantine key is never overwritten. The caller holds the object's lease.
   */
  async repairContent (objectId: string, contentPath: string, good: Pick<NewVersionFile, 'localPath' | 'size' | 'digests'>, tag: string): Promise<RepairedContent> {
    checkObjectId(objectId)
    const store = this.#store
    const root = objectRootOf(objectId)
    const loaded = await loadInventory(store, root)
    const digest = lower(good.digests.sha512)
    const listed = Object.entries(loaded?.inventory.manifest ?? {}).find(([d]) => d.toLowerCase() === digest)?.[1]
    if (listed?.includes(contentPath) !== true) {
      throw new LantaiError('OCFL_CONTENT_NOT_FOUND', `${objectId} ${contentPath} is not the manifest's content for ${digest}`, { objectId, contentPath })
    }
    const key = `${root}/${contentPath}`
    const quarantineBase = `${root}/logs/quarantine/${tag}/${contentPath}`
    const kept = await store.stat(quarantineBase) === null ? null : quarantineBase
    if (await sha512Of(store, key) === digest) return { contentPath, quarantineKey: kept, alreadyWhole: true }
    let quarantineKey: string | null = null
    if (await this.#present(key)) {
      quarantineKey = quarantineBase
      for (let n = 2; await store.stat(quarantineKey) !== null; n++) quarantineKey = `${quarantineBase}~${n}`
      await this.#moveAside(key, quarantineKey)
    }
    await store.putFile(key, good.localPath, { link: true })
    const now = await sha512Of(store, key)
    if (now !== digest) throw new LantaiError('OCFL_FILE_CHANGED', `${contentPath}: the repair wrote bytes of sha512 ${now ?? '(none)'}, not ${digest}`, { path: contentPath })
    return { contentPath, quarantineKey: quarantineKey ?? kept, alreadyWhole: false }
  }

  /** Anything at the key, a link or a directory included: it is what a repair moves aside. */
  async #present (key: string): Promise<boolean> {
    const store = this.#store
    if (store.localPath !== undefined) return await lstat(await store.localPath(key, { confine: false })).then(() => true, () => false)
    return await store.stat(key) !== null
  }

  /** Moves the bytes at `from` to `to` in the store: a rename where the store is a directory. */
  async #moveAside (from: string, to: string): Promise<void> {
    const store = this.#store
    if (store.localPath !== undefined) {
      const target = await store.localPath(to)
      await mkdir(dirname(target), { recursive: true })
      await rename(await store.localPath(from), target)
      return
    }
    const dir = await mkdtemp(join(tmpdir(), 'lantai-quarantine-'))
    try {
      const local = join(dir, 'bytes')
      await pipeline(await store.get(from), createWriteStream(local, { flags: 'wx' }))
      await store.putFile(to, local, { move: true })
      await store.delete(from)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  /**
   * Crash recovery, safe to run at every start: removes what a crashed addVersion left above the
   * committed head (version directories, SM3 logs; the whole object root when nothing was ever
   * committed), and rewrites a root sidecar left stale by a crash between the root inventory and its
   * sidecar. Returns the keys and prefixes it removed or rewrote.
   */
  async recover (objectId: string): Promise<string[]> {
    const store = this.#store
    const root = objectRootOf(objectId)
    const done: string[] = []
    const rootKey = `${root}/${INVENTORY}`
    if (await store.stat(rootKey) === null) {
      if (await hasAny(store, `${root}/`)) {
        await store.deletePrefix(`${root}/`)
        done.push(`${root}/`)
      }
      return done
    }
    const bytes = await readAll(store, rootKey)
    const inventory = parseInventory(bytes, rootKey)
    const head = versionNumber(inventory.head)
    if (head === undefined) throw new LantaiError('OCFL_INVENTORY_INVALID', `${rootKey}: head ${inventory.head}`)
    const sidecarKey = `${root}/${SIDECAR}`
    const digest = createHash(DIGEST_ALGORITHM).update(bytes).digest('hex')
    const stated = await store.stat(sidecarKey) === null ? undefined : sidecarDigest((await readAll(store, sidecarKey)).toString('utf8'))
    if (stated !== digest) {
      // Only a copy of the head's own inventory may be re-sealed: anything else is damage, not a crash.
      const versionKey = `${root}/${inventory.head}/${INVENTORY}`
      const same = await store.stat(versionKey) !== null && (await readAll(store, versionKey)).equals(bytes)
      if (!same) throw new LantaiError('OCFL_INVENTORY_INVALID', `${sidecarKey} does not match ${rootKey}, which is not the head's inventory`)
      await store.putBytes(sidecarKey, sidecarText(bytes))
      done.push(sidecarKey)
    }
    for (let n = head + 1; ; n++) {
      const v = versionName(n)
      const log = sm3LogKey(root, v)
      const logged = await store.stat(log) !== null
      if (logged) {
        await store.delete(log)
        done.push(log)
      }
      if (!(await hasAny(store, `${root}/${v}/`))) {
        if (!logged) break
        continue
      }
      await store.deletePrefix(`${root}/${v}/`)
      done.push(`${root}/${v}/`)
    }
    return done
  }
}

/** Hex as the inventory keeps it; digests from Lantai's own hashing are lowercase already and are not copied. */
const lower = (hex: string): string => /[A-F]/.test(hex) ? hex.toLowerCase() : hex

const aborted = (signal: AbortSignal): LantaiError =>
  new LantaiError('ABORTED', 'adding the version was aborted; recover() removes what was written', {}, { cause: signal.reason })

/** RFC 3339 to the second, in UTC (E049). */
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The sha512 of what is stored at `key`, null when nothing readable is there. */
async function sha512Of (store: BlobStore, key: string): Promise<string | null> {
  let stream: NodeJS.ReadableStream
  try {
    stream = await store.get(key)
  } catch (err) {
    if (isLantaiError(err) && err.code === 'STORAGE_NOT_FOUND') return null
    throw err
  }
  const hash = createHash('sha512')
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk)
  return hash.digest('hex')
}

async function hasAny (store: BlobStore, prefix: string): Promise<boolean> {
  for await (const _ of store.list(prefix)) return true
  return false
}

function checkFiles (files: readonly NewVersionFile[]): void {
  const seen = new Set<string>()
  for (const f of files) {
    checkLogicalPath(f.logicalPath)
    if (seen.has(f.logicalPath)) throw new LantaiError('OCFL_PATH_INVALID', `${f.logicalPath} is given twice`, { path: f.logicalPath })
    seen.add(f.logicalPath)
    for (const alg of ['sha512', 'sm3', ...Object.keys(f.digests)]) {
      const d = f.digests[alg]
      const len = hexLength(alg)
      if (typeof d !== 'string' || len === undefined || d.length !== len || !HEX_DIGEST.test(d)) {
        throw new LantaiError('OCFL_FILE_CHANGED', `${f.logicalPath}: ${alg} is not ${len} hex digits`, { path: f.logicalPath, algorithm: alg })
      }
    }
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new LantaiError('OCFL_FILE_CHANGED', `${f.logicalPath}: size ${f.size}`, { path: f.logicalPath })
  }
}
