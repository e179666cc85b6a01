import { setTimeout as sleep } from 'node:timers/promises'
import type { Digests, HashPool } from '../hashing/index.js'
import { isLantaiError, LantaiError } from '../errors.js'
import type { OcflObjectReader } from '../ocfl/index.js'

// One fixity check: the bytes are read again and three values compared (research-preservation.md §10,
// lesson 5): the catalogue's digests, the OCFL inventory's, and the digests of the bytes read now.
// Bit damage is the bytes disagreeing with the inventory; the catalogue disagreeing with an inventory
// that the bytes still match is metadata drift, reported apart, and does not damage the package.
// A round compares the algorithms it was asked for (issue 13: one per round, all on demand), not every
// digest kept: one sha512 is the limit of what a core can re-read, four cost it four times over.

export interface ContentToCheck {
  objectId: string
  contentPath: string
  size: number
  /** What the catalogue recorded at ingest: every kept algorithm → hex. */
  catalogue: Digests
  /** The algorithms this check computes and compares. */
  algorithms: readonly string[]
}

/**
 * What a round checks of one content: every kept algorithm (`all`), or the policy's one; a content that
 * does not keep the policy's algorithm (a bag that declared no md5) is checked by sha512, which every
 * content keeps.
 */
export function algorithmsFor (kept: Digests, algorithm: string | 'all'): string[] {
  if (algorithm === 'all') return Object.keys(kept)
  return [kept[algorithm] === undefined ? 'sha512' : algorithm]
}

export type CheckResult =
  | { outcome: 'ok', computed: Digests }
  | { outcome: 'mismatch', kind: 'damage' | 'drift', disagreements: string[], computed: Digests }
  | { outcome: 'missing', detail: string }

/** Paces reads to a byte rate across a whole batch. */
export class Throttle {
  #bytes = 0
  readonly #started = Date.now()
  constructor (readonly bytesPerSecond: number) {}
  async take (n: number, signal?: AbortSignal): Promise<void> {
    this.#bytes += n
    const due = this.#started + (this.#bytes / this.bytesPerSecond) * 1000
    const wait = due - Date.now()
    if (wait > 5) await sleep(wait, undefined, { signal })
  }
}

/** Errors of opening a local content file that mean it is not there as a regular file. */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EFTYPE', 'EISDIR'])

/**
 * The bytes' digests now. From a local store a hash worker reads the file itself (a 50 KB file cost
 * ~2.7 ms streamed through the main thread, most of it waiting); paced per file, since a worker's read
 * cannot be paused, so a big file is read at full speed once the rate allows it to start.
 */
export async function computeDigests (reader: OcflObjectReader, pool: HashPool, objectId: string, contentPath: string, algorithms: readonly string[], throttle: Throttle, signal?: AbortSignal, size?: number, confined?: ConfinedDirectories): Promise<{ size: number, digests: Digests }> {
  const local = await localFileOf(reader, objectId, contentPath, confined)
  if (local !== null) {
    if (size !== undefined) await throttle.take(size, signal)
    try {
      return await pool.hashFile(local, algorithms, signal === undefined ? {} : { signal })
    } catch (err) {
      if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) throw new LantaiError('STORAGE_NOT_FOUND', `${objectId} ${contentPath}`, { objectId, contentPath }, { cause: err })
      throw err
    }
  }
  const hasher = pool.createHasher(algorithms)
  try {
    const stream = await reader.openContent(objectId, contentPath)
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      await hasher.update(chunk)
      await throttle.take(chunk.length, signal)
    }
    return await hasher.digest()
  } catch (err) {
    await hasher.abort(err as Error)
    throw err
  }
}

/**
 * The directories of a round already found inside the store, each as its first file's path was checked.
 * The store resolves every directory of a path to refuse one linked outside it; per file that was a
 * tenth of a round's main thread (a realpath each), for the few hundred directories a store has.
 */
export type ConfinedDirectories = Map<string, Promise<unknown>>

async function localFileOf (reader: OcflObjectReader, objectId: string, contentPath: string, confined: ConfinedDirectories | undefined): Promise<string | null> {
  if (confined === undefined) return await reader.localFile(objectId, contentPath)
  const dir = `${objectId}\u0000${contentPath.slice(0, contentPath.lastIndexOf('/') + 1)}`
  const checking = confined.get(dir)
  if (checking === undefined) {
    const first = reader.localFile(objectId, contentPath)
    // A refused directory is not remembered: each of its files is refused on its own.
    confined.set(dir, first.catch(() => { confined.delete(dir) }))
    if (confined.size > 4096) confined.delete(confined.keys().next().value as string)
    return await first
  }
  await checking
  if (!confined.has(dir)) return await reader.localFile(objectId, contentPath)
  return await reader.localFile(objectId, contentPath, { confine: false })
}

type InventoryLike = { manifest: Record<string, string[]>, fixity?: Record<string, Record<string, string[]>> }

/** What the object itself records of its content: its inventory, and its SM3 log when a round checks sm3. */
export interface ObjectRecord { inventory: InventoryLike, sm3?: ReadonlyMap<string, string> }

/**
 * content path → digest, per algorithm, built once per parsed inventory and only for the algorithms a
 * round compares: scanning a 10,000-entry manifest per file made a pass quadratic, and indexing the
 * fixity block's sha256 and md5 for a sha512 round was a tenth of its main thread.
 */
const byContentPath = new WeakMap<InventoryLike, Map<string, Map<string, string>>>()

function indexOf (inventory: InventoryLike, alg: string): Map<string, string> {
  let indexes = byContentPath.get(inventory)
  if (indexes === undefined) { indexes = new Map(); byContentPath.set(inventory, indexes) }
  let index = indexes.get(alg)
  if (index === undefined) {
    index = new Map()
    if (alg === 'sha512') {
      for (const [digest, paths] of Object.entries(inventory.manifest)) for (const p of paths) if (!index.has(p)) index.set(p, digest)
    } else {
      for (const [name, table] of Object.entries(inventory.fixity ?? {})) {
        if (name.replace(/[^a-z0-9]/g, '') !== alg) continue
        for (const [digest, paths] of Object.entries(table)) for (const p of paths) if (!index.has(p)) index.set(p, digest)
      }
    }
    indexes.set(alg, index)
  }
  return index
}

/** The inventory's own record of a content path: the manifest's sha512, and the fixity block's values (of `algorithms`, default all). */
export function inventoryDigests (inventory: InventoryLike, contentPath: string, algorithms?: readonly string[]): Digests {
  const algs = algorithms ?? ['sha512', ...Object.keys(inventory.fixity ?? {}).map(a => a.replace(/[^a-z0-9]/g, ''))]
  const out: Digests = {}
  for (const alg of new Set(['sha512', ...algs])) {
    const digest = indexOf(inventory, alg).get(contentPath)
    if (digest !== undefined) out[alg] = digest
  }
  return out
}

export function compareThree (catalogue: Digests, inventory: Digests, computed: Digests, algorithms: readonly string[] = Object.keys(computed)): CheckResult {
  const damage: string[] = []
  const drift: string[] = []
  for (const alg of algorithms) {
    const now = computed[alg]
    const inv = inventory[alg]
    const cat = catalogue[alg]
    if (inv !== undefined && now !== inv) damage.push(`${alg}: inventory ${inv}, read ${now ?? '?'}`)
    else if (inv === undefined && now !== cat) damage.push(`${alg}: catalogue ${cat}, read ${now ?? '?'}`)
    if (inv !== undefined && cat !== inv && now === inv) drift.push(`${alg}: catalogue ${cat}, inventory ${inv}`)
  }
  if (damage.length > 0) return { outcome: 'mismatch', kind: 'damage', disagreements: damage, computed }
  if (drift.length > 0) return { outcome: 'mismatch', kind: 'drift', disagreements: drift, computed }
  return { outcome: 'ok', computed }
}

export interface CheckDeps {
  reader: OcflObjectReader
  pool: HashPool
  throttle: Throttle
  /** Pause before the one re-read of a mismatch (a cable or cache glitch is not damage). */
  graceMs: number
  signal?: AbortSignal
  confined?: ConfinedDirectories
}

export async function checkContent (item: ContentToCheck, object: ObjectRecord, deps: CheckDeps): Promise<CheckResult> {
  const expected = inventoryDigests(object.inventory, item.contentPath, item.algorithms)
  // The catalogue names a content file the object's inventory does not list: nothing to read it as.
  if (expected.sha512 === undefined) return { outcome: 'missing', detail: `${item.contentPath} is not in the inventory of ${item.objectId}` }
  const sm3 = object.sm3?.get(item.contentPath)
  if (sm3 !== undefined) expected.sm3 = sm3
  const read = async (): Promise<CheckResult> => {
    try {
      const { digests } = await computeDigests(deps.reader, deps.pool, item.objectId, item.contentPath, item.algorithms, deps.throttle, deps.signal, item.size, deps.confined)
      return compareThree(item.catalogue, expected, digests, item.algorithms)
    } catch (err) {
      if (deps.signal?.aborted === true) throw err
      if ((isLantaiError(err) && err.code === 'STORAGE_NOT_FOUND') || (err as NodeJS.ErrnoException).code === 'ENOENT') {
        return { outcome: 'missing', detail: `${item.contentPath} is not in the store` }
      }
      throw err
    }
  }
  const first = await read()
  if (first.outcome === 'ok' || (first.outcome === 'mismatch' && first.kind === 'drift')) return first
  if (deps.graceMs > 0) await sleep(deps.graceMs, undefined, { signal: deps.signal })
  return await read()
}
