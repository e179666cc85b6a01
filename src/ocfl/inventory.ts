import { createHash } from 'node:crypto'
import { LantaiError } from '../errors.js'

// OCFL 1.1 §3.5: the inventory. Lantai writes sha512 content addressing and a fixity block with the
// other kept digests the spec can name (the bag's declared md5, sha1, sha256 …); SM3 lives beside it
// (sm3-log.ts; README.md says why).

export const OCFL_VERSION = '1.1'
export const INVENTORY_TYPE = 'https://ocfl.io/1.1/spec/#inventory'
export const OBJECT_DECLARATION = '0=ocfl_object_1.1'
export const OBJECT_DECLARATION_TEXT = 'ocfl_object_1.1\n'
export const INVENTORY = 'inventory.json'
export const DIGEST_ALGORITHM = 'sha512'
export const SIDECAR = `${INVENTORY}.${DIGEST_ALGORITHM}`
export const CONTENT_DIRECTORY = 'content'
/**
 * BagIt algorithm name → OCFL fixity name, for the kept digests an inventory's fixity block can carry:
 * OCFL 1.1 §3.5.1's table and extension 0009's (https://ocfl.github.io/extensions/0009-digest-algorithms).
 * Others a bag declares (sha224, sha384, sha3-…) are in neither, and validators reject an unknown fixity
 * algorithm (E056): those stay in the catalogue only, beside the bag's own manifests kept with the version.
 */
export const FIXITY_ALGORITHMS: Readonly<Record<string, string>> = {
  md5: 'md5', sha1: 'sha1', sha256: 'sha256', blake2b512: 'blake2b-512', sha512256: 'sha512/256'
}

/** digest → content paths (manifest, fixity) or logical paths (state). */
export type DigestMap = Record<string, string[]>

export interface InventoryUser { name: string, address?: string }

export interface InventoryVersion {
  created: string
  message?: string
  user?: InventoryUser
  state: DigestMap
}

export interface Inventory {
  id: string
  type: string
  digestAlgorithm: string
  head: string
  contentDirectory?: string
  manifest: DigestMap
  versions: Record<string, InventoryVersion>
  fixity?: Record<string, DigestMap>
}

/** 'v3' → 3, for the unpadded names Lantai writes (W001: no zero padding). */
export function versionNumber (name: string): number | undefined {
  const m = /^v([1-9]\d*)$/.exec(name)
  return m === null ? undefined : Number(m[1])
}

export const versionName = (n: number): string => `v${n}`

const sortedMap = (m: DigestMap): DigestMap => {
  const out: DigestMap = {}
  for (const k of Object.keys(m).sort()) out[k] = [...(m[k] ?? [])].sort()
  return out
}

/**
 * Stable bytes: keys in a fixed order, path lists sorted, 2-space JSON, '\n' at the end. The same
 * inventory always serializes to the same bytes, so version and root copies compare byte for byte.
 */
export function serializeInventory (inv: Inventory): string {
  const versions: Record<string, InventoryVersion> = {}
  const names = Object.keys(inv.versions).sort((a, b) => (versionNumber(a) ?? 0) - (versionNumber(b) ?? 0) || a.localeCompare(b))
  for (const name of names) {
    const v = inv.versions[name] as InventoryVersion
    versions[name] = {
      created: v.created,
      ...(v.message === undefined ? {} : { message: v.message }),
      ...(v.user === undefined ? {} : { user: { name: v.user.name, ...(v.user.address === undefined ? {} : { address: v.user.address }) } }),
      state: sortedMap(v.state)
    }
  }
  let fixity: Record<string, DigestMap> | undefined
  if (inv.fixity !== undefined) {
    fixity = {}
    for (const alg of Object.keys(inv.fixity).sort()) fixity[alg] = sortedMap(inv.fixity[alg] ?? {})
  }
  const out = {
    digestAlgorithm: inv.digestAlgorithm,
    ...(fixity === undefined ? {} : { fixity }),
    head: inv.head,
    id: inv.id,
    ...(inv.contentDirectory === undefined ? {} : { contentDirectory: inv.contentDirectory }),
    manifest: sortedMap(inv.manifest),
    type: inv.type,
    versions
  }
  return JSON.stringify(out, null, 2) + '\n'
}

/** The sidecar's text: `DIGEST inventory.json` (§3.5.6, E061). */
export const sidecarText = (inventoryBytes: Uint8Array | string): string =>
  `${createHash(DIGEST_ALGORITHM).update(inventoryBytes).digest('hex')} ${INVENTORY}\n`

/** The digest a sidecar states, or undefined when it is not `DIGEST inventory.json`. */
export function sidecarDigest (text: string): string | undefined {
  const m = /^([0-9a-fA-F]+)[ \t]+inventory\.json\n?$/.exec(text)
  return m?.[1]?.toLowerCase()
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
const isDigestMap = (x: unknown): x is DigestMap =>
  isObject(x) && Object.values(x).every(v => Array.isArray(v) && v.every(p => typeof p === 'string'))

/**
 * Parses an inventory Lantai is about to build on. A shape check only, enough to use the result
 * safely; validator.ts judges an inventory against the whole specification.
 */
export function parseInventory (bytes: Uint8Array | string, where = INVENTORY): Inventory {
  let raw: unknown
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'))
  } catch (e) {
    throw new LantaiError('OCFL_INVENTORY_INVALID', `${where} is not JSON`, { where }, { cause: e })
  }
  const bad = (why: string): LantaiError => new LantaiError('OCFL_INVENTORY_INVALID', `${where}: ${why}`, { where })
  if (!isObject(raw)) throw bad('not a JSON object')
  for (const key of ['id', 'type', 'digestAlgorithm', 'head'] as const) if (typeof raw[key] !== 'string') throw bad(`${key} is missing`)
  if (!isDigestMap(raw.manifest)) throw bad('manifest is not digest → paths')
  if (!isObject(raw.versions)) throw bad('versions is not an object')
  for (const [name, v] of Object.entries(raw.versions)) {
    if (!isObject(v) || typeof v.created !== 'string' || !isDigestMap(v.state)) throw bad(`version ${name} lacks created or state`)
  }
  if (raw.fixity !== undefined && !(isObject(raw.fixity) && Object.values(raw.fixity).every(isDigestMap))) throw bad('fixity is malformed')
  if (raw.versions[raw.head as string] === undefined) throw bad('head names no version')
  return raw as unknown as Inventory
}

/** logical path → digest for one version. */
export function stateByPath (version: InventoryVersion): Map<string, string> {
  const out = new Map<string, string>()
  for (const [digest, paths] of Object.entries(version.state)) for (const p of paths) out.set(p, digest)
  return out
}
