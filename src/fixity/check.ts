import { setTimeout as sleep } from 'node:timers/promises'
import { STORED_ALGORITHMS, type Digests, type HashPool, type StoredAlgorithm } from '../hashing/index.js'
import { isLantaiError, LantaiError } from '../errors.js'
import type { OcflObjectReader } from '../ocfl/index.js'

// One fixity check: the bytes are read again and three values compared (research-preservation.md §10,
// lesson 5): the catalogue's digests, the OCFL inventory's, and the digests of the bytes read now.
// Bit damage is the bytes disagreeing with the inventory; the catalogue disagreeing with an inventory
// that the bytes still match is metadata drift, reported apart, and does not damage the package.

export interface ContentToCheck {
  objectId: string
  contentPath: string
  size: number
  /** What the catalogue recorded at ingest. */
  catalogue: Record<StoredAlgorithm, string>
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
export async function computeDigests (reader: OcflObjectReader, pool: HashPool, objectId: string, contentPath: string, throttle: Throttle, signal?: AbortSignal, size?: number): Promise<{ size: number, digests: Digests }> {
  const local = await reader.localFile(objectId, contentPath)
  if (local !== null) {
    if (size !== undefined) await throttle.take(size, signal)
    try {
      return await pool.hashFile(local, STORED_ALGORITHMS, signal === undefined ? {} : { signal })
    } catch (err) {
      if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) throw new LantaiError('STORAGE_NOT_FOUND', `${objectId} ${contentPath}`, { objectId, contentPath }, { cause: err })
      throw err
    }
  }
  const hasher = pool.createHasher(STORED_ALGORITHMS)
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

type InventoryLike = { manifest: Record<string, string[]>, fixity?: Record<string, Record<string, string[]>> }

/** content path → digests, built once per parsed inventory: scanning a 10,000-entry manifest per file made a pass quadratic. */
const byContentPath = new WeakMap<InventoryLike, Map<string, Digests>>()

/** The inventory's own record of a content path: the manifest's sha512, and the fixity block's values. */
export function inventoryDigests (inventory: InventoryLike, contentPath: string): Digests {
  let index = byContentPath.get(inventory)
  if (index === undefined) {
    index = new Map()
    const entry = (path: string): Digests => {
      let d = index?.get(path)
      if (d === undefined) { d = {}; index?.set(path, d) }
      return d
    }
    for (const [digest, paths] of Object.entries(inventory.manifest)) for (const p of paths) entry(p).sha512 ??= digest
    for (const [alg, table] of Object.entries(inventory.fixity ?? {})) {
      const name = alg.replace(/[^a-z0-9]/g, '')
      for (const [digest, paths] of Object.entries(table)) for (const p of paths) entry(p)[name] ??= digest
    }
    byContentPath.set(inventory, index)
  }
  return { ...index.get(contentPath) }
}

export function compareThree (catalogue: ContentToCheck['catalogue'], inventory: Digests, computed: Digests): CheckResult {
  const damage: string[] = []
  const drift: string[] = []
  for (const alg of STORED_ALGORITHMS) {
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
}

export async function checkContent (item: ContentToCheck, inventory: Parameters<typeof inventoryDigests>[0], deps: CheckDeps): Promise<CheckResult> {
  const expected = inventoryDigests(inventory, item.contentPath)
  // The catalogue names a content file the object's inventory does not list: nothing to read it as.
  if (expected.sha512 === undefined) return { outcome: 'missing', detail: `${item.contentPath} is not in the inventory of ${item.objectId}` }
  const read = async (): Promise<CheckResult> => {
    try {
      const { digests } = await computeDigests(deps.reader, deps.pool, item.objectId, item.contentPath, deps.throttle, deps.signal, item.size)
      return compareThree(item.catalogue, expected, digests)
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
