import { createHash } from 'node:crypto'
import { HashPool } from '../hashing/index.js'
import { readAll, type BlobStore } from '../storage/index.js'
import { OBJECT_DECLARATION, OBJECT_DECLARATION_TEXT, sidecarDigest } from './inventory.js'
import { LAYOUT_FILE, STORAGE_DECLARATION, STORAGE_DECLARATION_TEXT } from './layout.js'
import { conflictingPaths } from './paths.js'

// Lantai's own OCFL 1.1 validator, over a BlobStore. Findings carry the specification's codes
// (validation-codes.md) as OCFL_E040 / OCFL_W004, and every problem is reported: nothing stops at the
// first (STYLE.md "Errors"). Content files are read once each, every algorithm fed from the same read.

export type OcflSeverity = 'error' | 'warning'

export interface OcflFinding {
  /** `OCFL_` + the spec's code: OCFL_E040, OCFL_W004. */
  code: string
  severity: OcflSeverity
  /** Relative to the object root (or the storage root for validateStorageRoot). */
  path?: string
  message: string
}

export interface OcflReport { valid: boolean, errors: OcflFinding[], warnings: OcflFinding[] }

export interface OcflValidateOptions {
  /** Shared hash pool; one is made (and closed) per call otherwise. */
  pool?: HashPool
  signal?: AbortSignal
}

/** The spec's code inside a finding's code: 'OCFL_E040' → 'E040'. */
export const specCode = (code: string): string => code.replace(/^OCFL_/, '')

/** OCFL 1.1 §3.4 table plus extension 0009's table: name → hex digits. */
const DIGEST_HEX: Readonly<Record<string, number>> = {
  md5: 32, sha1: 40, sha256: 64, sha512: 128, 'blake2b-512': 128,
  'blake2b-160': 40, 'blake2b-256': 64, 'blake2b-384': 96, 'sha512/256': 64
}
/** OCFL name → HashPool name, for those Node computes; the rest are accepted but not checked (E028). */
const POOL_NAME: Readonly<Record<string, string>> = {
  md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512', 'blake2b-512': 'blake2b512', 'sha512/256': 'sha512256'
}

/** Extension names in the OCFL Extensions repository (https://ocfl.github.io/extensions/). */
export const REGISTERED_EXTENSIONS: ReadonlySet<string> = new Set([
  '0001-digest-algorithms', '0002-flat-direct-storage-layout', '0003-hash-and-id-n-tuple-storage-layout',
  '0004-hashed-n-tuple-storage-layout', '0005-mutable-head', '0006-flat-omit-prefix-storage-layout',
  '0007-n-tuple-omit-prefix-storage-layout', '0008-schema-registry', '0009-digest-algorithms',
  '0010-differential-ocfl-version', '0011-direct-clean-path-layout'
])

const SPEC_TYPES: Readonly<Record<string, string>> = {
  'https://ocfl.io/1.0/spec/#inventory': '1.0',
  'https://ocfl.io/1.1/spec/#inventory': '1.1'
}
const INVENTORY_KEYS = new Set(['id', 'type', 'digestAlgorithm', 'head', 'contentDirectory', 'manifest', 'versions', 'fixity'])
const URI = /^[a-z][a-z0-9+.-]*:.+/i
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i

class Sink {
  readonly errors: OcflFinding[] = []
  readonly warnings: OcflFinding[] = []
  constructor (readonly base = '') {}
  add (code: string, message: string, path?: string): void {
    const f: OcflFinding = { code: `OCFL_${code}`, severity: code.startsWith('W') ? 'warning' : 'error', message }
    if (path !== undefined) f.path = this.base === '' ? path : path === '' ? this.base : `${this.base}/${path}`
    ;(f.severity === 'error' ? this.errors : this.warnings).push(f)
  }

  report (): OcflReport { return { valid: this.errors.length === 0, errors: this.errors, warnings: this.warnings } }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** What checkInventory learned, for the cross-checks that follow. */
interface Checked {
  spec: string | undefined
  id: string | undefined
  digestAlgorithm: string | undefined
  head: string | undefined
  contentDirectory: string
  /** Versions in sequence order. */
  versions: string[]
  raw: Record<string, unknown>
  /** content path → lowercased digest. */
  manifest: Map<string, string>
  /** algorithm → content path → lowercased digest. */
  fixity: Map<string, Map<string, string>>
  /** version → logical path → lowercased digest. */
  states: Map<string, Map<string, string>>
}

/** Version numbers in a consistent naming scheme, or undefined; W001 for zero padding, E009–E012. */
function versionSequence (names: string[], sink: Sink, where: string): string[] {
  if (names.length === 0) return []
  const parsed = names.map(n => ({ n, m: /^v(\d+)$/.exec(n) }))
  const bad = parsed.filter(p => p.m === null || Number(p.m[1]) === 0)
  for (const b of bad) sink.add('E046', `${where}: version key ${JSON.stringify(b.n)} is not a version directory name`, where)
  const good = parsed.filter(p => p.m !== null && Number(p.m[1]) > 0) as Array<{ n: string, m: RegExpExecArray }>
  const padded = good.filter(p => (p.m[1] as string).startsWith('0'))
  const widths = new Set(good.map(p => (p.m[1] as string).length))
  if (padded.length > 0) {
    if (widths.size > 1) sink.add('E012', `${where}: version names mix padded and unpadded forms or widths`, where)
    else sink.add('W001', `${where}: version names are zero-padded`, where)
  }
  const nums = good.map(p => Number(p.m[1])).sort((a, b) => a - b)
  if (nums[0] !== 1) sink.add('E009', `${where}: versions do not start at 1`, where)
  for (let i = 1; i < nums.length; i++) {
    if (nums[i] !== (nums[i - 1] as number) + 1) { sink.add('E010', `${where}: version ${nums[i - 1]} is followed by ${nums[i]}`, where); break }
  }
  if (padded.length > 0 && widths.size === 1) {
    const width = [...widths][0] as number
    if ((nums.at(-1) ?? 0) >= 10 ** (width - 1)) {
      sink.add('E011', `${where}: a zero-padded version name lacks the leading zero (v${nums.at(-1)})`, where)
      sink.add('E013', `${where}: a later version broke the naming convention of the earlier ones`, where)
    }
  }
  return good.sort((a, b) => Number(a.m[1]) - Number(b.m[1])).map(p => p.n)
}

function checkPath (path: unknown, sink: Sink, where: string, kind: 'content' | 'logical', version?: string): path is string {
  const codes = kind === 'content' ? { sep: 'E100', el: 'E099', type: 'E092' } : { sep: 'E053', el: 'E052', type: 'E051' }
  const label = kind === 'content' ? 'content path' : `logical path in ${version ?? ''}`
  if (typeof path !== 'string') { sink.add(codes.type, `${where}: ${label} ${JSON.stringify(path)} is not a string`, where); return false }
  if (path.startsWith('/') || path.endsWith('/')) { sink.add(codes.sep, `${where}: ${label} ${JSON.stringify(path)} begins or ends with /`, where); return false }
  if (path.split('/').some(s => s === '' || s === '.' || s === '..')) { sink.add(codes.el, `${where}: ${label} ${JSON.stringify(path)} has an empty, . or .. element`, where); return false }
  return true
}

/** Every structural and semantic rule of §3.5 that one inventory can be checked for on its own. */
function checkInventory (raw: unknown, sink: Sink, where: string, isRoot: boolean): Checked | undefined {
  if (!isObject(raw)) { sink.add('E033', `${where} is not a JSON object`, where); return undefined }
  const c: Checked = {
    spec: undefined, id: undefined, digestAlgorithm: undefined, head: undefined, contentDirectory: 'content',
    versions: [], raw, manifest: new Map(), fixity: new Map(), states: new Map()
  }
  for (const key of Object.keys(raw)) if (!INVENTORY_KEYS.has(key)) sink.add('E102', `${where}: unknown key ${JSON.stringify(key)}`, where)
  // id
  if (typeof raw.id !== 'string' || raw.id === '') sink.add('E036', `${where}: id is missing or not a string`, where)
  else {
    c.id = raw.id
    if (isRoot && !URI.test(raw.id)) sink.add('W005', `${where}: id ${JSON.stringify(raw.id)} is not a URI`, where)
  }
  // type
  if (typeof raw.type !== 'string') sink.add('E036', `${where}: type is missing`, where)
  else {
    c.spec = SPEC_TYPES[raw.type]
    if (isRoot ? c.spec !== '1.1' : c.spec === undefined) sink.add('E038', `${where}: type ${JSON.stringify(raw.type)} is not the OCFL 1.1 inventory type`, where)
  }
  // digestAlgorithm
  if (typeof raw.digestAlgorithm !== 'string') sink.add('E036', `${where}: digestAlgorithm is missing`, where)
  else if (raw.digestAlgorithm === 'sha512' || raw.digestAlgorithm === 'sha256') {
    c.digestAlgorithm = raw.digestAlgorithm
    if (raw.digestAlgorithm === 'sha256') sink.add('W004', `${where}: digestAlgorithm is sha256, should be sha512`, where)
  } else sink.add('E025', `${where}: digestAlgorithm ${JSON.stringify(raw.digestAlgorithm)} is neither sha512 nor sha256`, where)
  // contentDirectory
  if (raw.contentDirectory !== undefined) {
    const cd = raw.contentDirectory
    if (typeof cd !== 'string' || cd.includes('/')) sink.add('E017', `${where}: contentDirectory ${JSON.stringify(cd)} contains /`, where)
    else if (cd === '.' || cd === '..' || cd === '') sink.add('E018', `${where}: contentDirectory is ${JSON.stringify(cd)}`, where)
    else c.contentDirectory = cd
  }
  const hex = c.digestAlgorithm === undefined ? undefined : DIGEST_HEX[c.digestAlgorithm]
  const digestOk = (d: string): boolean => hex === undefined || new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(d)
  // manifest
  const manifestKeys = new Set<string>()
  if (raw.manifest === undefined) sink.add('E041', `${where}: manifest is missing`, where)
  else if (!isObject(raw.manifest)) sink.add('E106', `${where}: manifest is not a JSON object`, where)
  else {
    const seen = new Set<string>()
    for (const [digest, paths] of Object.entries(raw.manifest)) {
      manifestKeys.add(digest)
      if (!digestOk(digest)) sink.add('E025', `${where}: manifest key ${digest} is not a ${c.digestAlgorithm} digest`, where)
      const lower = digest.toLowerCase()
      if (seen.has(lower)) sink.add('E096', `${where}: manifest digest ${digest} occurs twice, ignoring case`, where)
      seen.add(lower)
      if (!Array.isArray(paths)) { sink.add('E092', `${where}: manifest value for ${digest} is not an array`, where); continue }
      for (const p of paths) {
        if (!checkPath(p, sink, where, 'content')) continue
        if (c.manifest.has(p)) sink.add('E101', `${where}: content path ${p} is listed twice`, where)
        c.manifest.set(p, lower)
      }
    }
    for (const [dir, p] of conflictingPaths(c.manifest.keys())) sink.add('E101', `${where}: content path ${dir} is also a directory of ${p}`, where)
  }
  // versions
  const usedDigests = new Set<string>()
  if (raw.versions === undefined) sink.add('E043', `${where}: versions is missing`, where)
  else if (!isObject(raw.versions)) sink.add('E044', `${where}: versions is not a JSON object`, where)
  else if (Object.keys(raw.versions).length === 0) sink.add('E008', `${where}: there are no versions`, where)
  else {
    c.versions = versionSequence(Object.keys(raw.versions), sink, where)
    for (const v of c.versions) {
      const version = raw.versions[v]
      if (!isObject(version)) { sink.add('E047', `${where}: version ${v} is not a JSON object`, where); continue }
      if (version.created === undefined) sink.add('E048', `${where}: version ${v} has no created`, where)
      else if (typeof version.created !== 'string' || !RFC3339.test(version.created) || Number.isNaN(Date.parse(version.created))) {
        sink.add('E049', `${where}: version ${v} created ${JSON.stringify(version.created)} is not RFC 3339 to the second with a zone`, where)
      }
      if (version.message === undefined) sink.add('W007', `${where}: version ${v} has no message`, where)
      else if (typeof version.message !== 'string') sink.add('E094', `${where}: version ${v} message is not a string`, where)
      if (version.user === undefined) sink.add('W007', `${where}: version ${v} has no user`, where)
      else if (!isObject(version.user) || typeof version.user.name !== 'string') sink.add('E054', `${where}: version ${v} user has no name`, where)
      else if (version.user.address === undefined) sink.add('W008', `${where}: version ${v} user has no address`, where)
      else if (typeof version.user.address !== 'string') sink.add('E054', `${where}: version ${v} user address is not a string`, where)
      else if (!URI.test(version.user.address)) sink.add('W009', `${where}: version ${v} user address ${JSON.stringify(version.user.address)} is not a URI`, where)
      const state = new Map<string, string>()
      c.states.set(v, state)
      if (version.state === undefined) { sink.add('E048', `${where}: version ${v} has no state`, where); continue }
      if (!isObject(version.state)) { sink.add('E050', `${where}: version ${v} state is not a JSON object`, where); continue }
      for (const [digest, paths] of Object.entries(version.state)) {
        // E050: the exact string, not just the same digest in another case.
        if (!manifestKeys.has(digest)) sink.add('E050', `${where}: version ${v} state digest ${digest} is not in the manifest`, where)
        if (!digestOk(digest)) sink.add('E050', `${where}: version ${v} state key ${digest} is not a ${c.digestAlgorithm} digest`, where)
        usedDigests.add(digest.toLowerCase())
        if (!Array.isArray(paths)) { sink.add('E050', `${where}: version ${v} state value for ${digest} is not an array`, where); continue }
        for (const p of paths) {
          if (!checkPath(p, sink, where, 'logical', v)) continue
          if (state.has(p)) sink.add('E095', `${where}: version ${v} lists logical path ${p} twice`, where)
          state.set(p, digest.toLowerCase())
        }
      }
      for (const [dir, p] of conflictingPaths(state.keys())) sink.add('E095', `${where}: version ${v} logical path ${dir} is also a directory of ${p}`, where)
    }
  }
  for (const [path, digest] of c.manifest) {
    if (!usedDigests.has(digest)) sink.add('E107', `${where}: manifest digest for ${path} is in no version state`, where)
    const first = path.split('/')[0] ?? ''
    if (c.versions.length > 0 && !c.versions.includes(first)) sink.add('E042', `${where}: content path ${path} is not in a version directory`, where)
  }
  // head
  if (raw.head === undefined) sink.add('E036', `${where}: head is missing`, where)
  else if (typeof raw.head !== 'string' || (c.versions.length > 0 && raw.head !== c.versions.at(-1))) {
    sink.add('E040', `${where}: head ${JSON.stringify(raw.head)} is not the highest version ${c.versions.at(-1) ?? ''}`, where)
  } else c.head = raw.head
  // fixity
  if (raw.fixity !== undefined) {
    if (!isObject(raw.fixity)) sink.add('E111', `${where}: fixity is not a JSON object`, where)
    else {
      for (const [alg, block] of Object.entries(raw.fixity)) {
        const len = DIGEST_HEX[alg]
        if (len === undefined) { sink.add('E056', `${where}: fixity algorithm ${JSON.stringify(alg)} is in neither the spec's table nor a registered extension`, where); continue }
        if (!isObject(block)) { sink.add('E057', `${where}: fixity ${alg} is not a JSON object`, where); continue }
        const map = new Map<string, string>()
        c.fixity.set(alg, map)
        const seen = new Set<string>()
        for (const [digest, paths] of Object.entries(block)) {
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digest)) sink.add('E057', `${where}: fixity ${alg} key ${digest} is not a ${alg} digest`, where)
          const lower = digest.toLowerCase()
          if (seen.has(lower)) sink.add('E097', `${where}: fixity ${alg} digest ${digest} occurs twice, ignoring case`, where)
          seen.add(lower)
          if (!Array.isArray(paths)) { sink.add('E057', `${where}: fixity ${alg} value for ${digest} is not an array`, where); continue }
          for (const p of paths) {
            if (!checkPath(p, sink, where, 'content')) continue
            if (!c.manifest.has(p)) sink.add('E057', `${where}: fixity ${alg} names ${p}, which is not in the manifest`, where)
            map.set(p, lower)
          }
        }
      }
    }
  }
  return c
}

function childrenOf (keys: Iterable<string>, dir: string): { files: Set<string>, dirs: Set<string> } {
  const files = new Set<string>()
  const dirs = new Set<string>()
  const prefix = dir === '' ? '' : dir + '/'
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue
    const rest = k.slice(prefix.length)
    const slash = rest.indexOf('/')
    if (slash < 0) files.add(rest)
    else dirs.add(rest.slice(0, slash))
  }
  return { files, dirs }
}

const sha = (alg: string, bytes: Uint8Array): string => createHash(alg).update(bytes).digest('hex')

/** Reads an inventory file and its sidecar (E058, E060, E061); undefined when unreadable as JSON. */
async function readInventoryAt (store: BlobStore, prefix: string, rel: string, files: Set<string>, sink: Sink): Promise<{ raw: unknown, bytes: Buffer } | undefined> {
  const where = rel === '' ? 'inventory.json' : `${rel}/inventory.json`
  const bytes = await readAll(store, prefix + where)
  let raw: unknown
  try {
    raw = JSON.parse(bytes.toString('utf8'))
  } catch {
    sink.add('E033', `${where} is not JSON`, where)
    return undefined
  }
  const alg = isObject(raw) && typeof raw.digestAlgorithm === 'string' ? raw.digestAlgorithm : undefined
  const sidecars = [...files].filter(f => f.startsWith('inventory.json.'))
  const expected = alg === undefined ? undefined : `inventory.json.${alg}`
  const sidecar = expected !== undefined && files.has(expected) ? expected : undefined
  if (sidecar === undefined) {
    sink.add('E058', `${where} has no sidecar ${expected ?? 'inventory.json.<digestAlgorithm>'}`, where)
    return { raw, bytes }
  }
  for (const other of sidecars) if (other !== sidecar) sink.add('E001', `${rel === '' ? '' : rel + '/'}${other} does not belong`, rel === '' ? other : `${rel}/${other}`)
  const text = (await readAll(store, prefix + (rel === '' ? '' : rel + '/') + sidecar)).toString('utf8')
  const stated = sidecarDigest(text)
  const sidePath = rel === '' ? sidecar : `${rel}/${sidecar}`
  if (stated === undefined) sink.add('E061', `${sidePath} is not "DIGEST inventory.json"`, sidePath)
  else if (alg !== undefined && (alg === 'sha512' || alg === 'sha256') && stated !== sha(alg, bytes)) sink.add('E060', `${sidePath} does not match the digest of ${where}`, sidePath)
  return { raw, bytes }
}

/** Checks one OCFL object: `objectRoot` is its key prefix in `store` ('' when the store is the object). */
export async function validateObject (store: BlobStore, objectRoot: string, options: OcflValidateOptions = {}): Promise<OcflReport> {
  const sink = new Sink()
  const pool = options.pool ?? new HashPool({ workers: 2 })
  try {
    await checkObject(store, objectRoot, sink, pool, options.signal)
  } finally {
    if (options.pool === undefined) await pool.close()
  }
  return sink.report()
}

async function checkObject (store: BlobStore, objectRoot: string, sink: Sink, pool: HashPool, signal?: AbortSignal): Promise<void> {
  const prefix = objectRoot === '' ? '' : objectRoot + '/'
  const keys = new Set<string>()
  for await (const k of store.list(prefix)) keys.add(k.slice(prefix.length))
  const root = childrenOf(keys, '')

  // §3.1 / §3.2: the declaration.
  const declarations = [...root.files].filter(f => f.startsWith('0='))
  if (declarations.length === 0) sink.add('E003', 'no object declaration 0=ocfl_object_1.1', '')
  else if (declarations.length > 1) sink.add('E003', `more than one declaration: ${declarations.join(', ')}`, '')
  for (const d of declarations) {
    if (d !== OBJECT_DECLARATION) { sink.add('E004', `declaration ${d} is not ${OBJECT_DECLARATION}`, d); continue }
    const text = (await readAll(store, prefix + d)).toString('utf8')
    if (text !== OBJECT_DECLARATION_TEXT) sink.add('E007', `${d} reads ${JSON.stringify(text)}, not ${JSON.stringify(OBJECT_DECLARATION_TEXT)}`, d)
  }

  // The root inventory.
  let inv: Checked | undefined
  let rootBytes: Buffer | undefined
  if (!root.files.has('inventory.json')) sink.add('E063', 'no root inventory.json', '')
  else {
    const read = await readInventoryAt(store, prefix, '', root.files, sink)
    if (read !== undefined) {
      rootBytes = read.bytes
      inv = checkInventory(read.raw, sink, 'inventory.json', true)
    }
  }
  const versions = inv?.versions ?? []

  // §3.1: nothing else in the object root.
  for (const f of root.files) {
    if (f === 'inventory.json' || f.startsWith('inventory.json.') || f.startsWith('0=')) continue
    sink.add('E001', `unexpected file ${f} in the object root`, f)
  }
  for (const d of root.dirs) {
    if (d === 'extensions' || d === 'logs' || versions.includes(d)) continue
    if (/^v\d+$/.test(d) && inv !== undefined) sink.add('E046', `version directory ${d} is not in the root inventory (whose head is ${inv.head ?? '?'})`, d)
    else sink.add('E001', `unexpected directory ${d} in the object root`, d)
  }

  // §3.9: extensions.
  if (root.dirs.has('extensions')) {
    const ext = childrenOf(keys, 'extensions')
    for (const f of ext.files) sink.add('E067', `extensions/${f} is a file, not an extension directory`, `extensions/${f}`)
    for (const d of ext.dirs) if (!REGISTERED_EXTENSIONS.has(d)) sink.add('W013', `extensions/${d} is not a registered extension name`, `extensions/${d}`)
  }

  if (inv === undefined) return

  // Expected digests of every content file: path → alg → [digest, code].
  const expect = new Map<string, Map<string, Array<{ digest: string, code: string, source: string }>>>()
  const want = (path: string, alg: string, digest: string, code: string, source: string): void => {
    let m = expect.get(path)
    if (m === undefined) expect.set(path, m = new Map())
    let list = m.get(alg)
    if (list === undefined) m.set(alg, list = [])
    list.push({ digest, code, source })
  }
  if (inv.digestAlgorithm !== undefined) for (const [p, d] of inv.manifest) want(p, inv.digestAlgorithm, d, 'E092', 'the manifest')
  for (const [alg, map] of inv.fixity) for (const [p, d] of map) if (inv.manifest.has(p)) want(p, alg, d, 'E093', `fixity ${alg}`)

  // §3.3: version directories.
  let lastSpec = '1.0'
  const contentFiles = new Set<string>()
  for (const v of versions) {
    const vd = childrenOf(keys, v)
    // A version with neither content nor inventory would be an empty directory, which a key store
    // cannot hold: no keys at all means the directory is missing from the sequence.
    if (vd.files.size === 0 && vd.dirs.size === 0) { sink.add('E010', `version directory ${v} is missing`, v); continue }
    for (const d of vd.dirs) {
      if (d === inv.contentDirectory) continue
      sink.add('W002', `${v}/${d} is a directory other than the content directory`, `${v}/${d}`)
    }
    for (const f of vd.files) {
      if (f === 'inventory.json' || f.startsWith('inventory.json.')) continue
      sink.add('E015', `${v}/${f} is a file beside the inventory`, `${v}/${f}`)
    }
    for (const k of keys) {
      if (k.startsWith(`${v}/${inv.contentDirectory}/`)) contentFiles.add(k)
    }
    if (!vd.files.has('inventory.json')) {
      sink.add('W010', `${v} has no inventory.json`, v)
      continue
    }
    const read = await readInventoryAt(store, prefix, v, vd.files, sink)
    if (read === undefined) continue
    const isHead = v === inv.head
    if (isHead && rootBytes !== undefined && !read.bytes.equals(rootBytes)) sink.add('E064', `${v}/inventory.json differs from the root inventory`, `${v}/inventory.json`)
    if (isHead && rootBytes !== undefined && read.bytes.equals(rootBytes)) {
      lastSpec = inv.spec ?? lastSpec
      continue // identical bytes: everything checked already
    }
    const quiet = new Sink()
    const vinv = checkInventory(read.raw, isHead ? sink : quiet, `${v}/inventory.json`, false)
    // A prior inventory's own problems are errors too, but its warnings would repeat the root's,
    // except W004: a version that addressed content with sha256 though the root uses sha512.
    for (const e of quiet.errors) sink.errors.push(e)
    for (const w of quiet.warnings) if (w.code === 'OCFL_W004') sink.warnings.push(w)
    if (vinv === undefined) continue
    if (vinv.spec !== undefined) {
      if (vinv.spec < lastSpec) sink.add('E103', `${v}/inventory.json is OCFL ${vinv.spec}, older than a preceding version's ${lastSpec}`, `${v}/inventory.json`)
      else lastSpec = vinv.spec
    }
    if (vinv.head !== undefined && vinv.head !== v) sink.add('E040', `${v}/inventory.json has head ${vinv.head}, not ${v}`, `${v}/inventory.json`)
    if (vinv.id !== undefined && inv.id !== undefined && vinv.id !== inv.id) sink.add('E037', `${v}/inventory.json has id ${vinv.id}, not ${inv.id}`, `${v}/inventory.json`)
    const cd = isObject(read.raw) ? read.raw.contentDirectory : undefined
    if (cd !== inv.raw.contentDirectory) sink.add('E019', `${v}/inventory.json has contentDirectory ${JSON.stringify(cd)}, the root ${JSON.stringify(inv.raw.contentDirectory)}`, `${v}/inventory.json`)
    compareVersions(inv, vinv, v, sink)
    // Its manifest must agree with the files: checked with the files' digests below (E092).
    if (vinv.digestAlgorithm !== undefined) {
      for (const [p, d] of vinv.manifest) {
        if (!inv.manifest.has(p)) sink.add('E066', `${v}/inventory.json lists content ${p}, which the root manifest does not`, `${v}/inventory.json`)
        else want(p, vinv.digestAlgorithm, d, 'E092', `${v}/inventory.json`)
      }
      // E023: every file in this version's content directory and earlier ones is in its manifest.
      const upTo = versions.slice(0, versions.indexOf(v) + 1)
      for (const k of keys) {
        const first = k.split('/')[0] ?? ''
        if (upTo.includes(first) && k.startsWith(`${first}/${inv.contentDirectory}/`) && !vinv.manifest.has(k)) {
          sink.add('E023', `${k} is not in the manifest of ${v}/inventory.json`, k)
        }
      }
    }
  }

  // §3.3.1 (E023) and §3.5.2 (E092): content files and the manifest.
  for (const k of contentFiles) if (!inv.manifest.has(k)) sink.add('E023', `${k} is not in the manifest`, k)
  const present = new Set<string>()
  for (const p of inv.manifest.keys()) {
    if (keys.has(p)) { present.add(p); continue }
    sink.add('E092', `content path ${p} does not exist`, p)
    if ([...inv.fixity.values()].some(m => m.has(p))) sink.add('E093', `content path ${p}, which fixity lists, does not exist`, p)
    const [v, cd] = p.split('/')
    if (v !== undefined && versions.includes(v) && cd !== inv.contentDirectory) sink.add('E015', `content path ${p} is not in the content directory`, p)
  }

  // Every content file read once, with every algorithm it has an expected digest for.
  const jobs: Array<Promise<void>> = []
  for (const [path, byAlg] of expect) {
    if (!present.has(path)) continue
    const algs = [...byAlg.keys()].filter(a => POOL_NAME[a] !== undefined)
    if (algs.length === 0) continue
    jobs.push(digestOf(store, prefix + path, algs.map(a => POOL_NAME[a] as string), pool, signal).then(found => {
      for (const alg of algs) {
        const actual = found[POOL_NAME[alg] as string]
        for (const e of byAlg.get(alg) ?? []) {
          if (actual !== e.digest) sink.add(e.code, `${alg} expected ${e.digest} (${e.source}) found ${actual ?? '?'}`, path)
        }
      }
    }, (err: Error) => { sink.add('E092', `${path} cannot be read: ${err.message}`, path) }))
  }
  await Promise.all(jobs)
}

/** E066 / W011: a prior inventory's versions describe the same states as the root's. */
function compareVersions (inv: Checked, prior: Checked, where: string, sink: Sink): void {
  const path = `${where}/inventory.json`
  for (const v of prior.versions) {
    if (!inv.versions.includes(v)) { sink.add('E066', `${path} has version ${v}, the root inventory does not`, path); continue }
    const a = inv.states.get(v) ?? new Map<string, string>()
    const b = prior.states.get(v) ?? new Map<string, string>()
    const paths = new Set([...a.keys(), ...b.keys()])
    for (const p of paths) {
      if (!a.has(p) || !b.has(p)) { sink.add('E066', `${v} logical path ${p} is in only one of the root and ${path}`, path); continue }
      if (inv.digestAlgorithm === prior.digestAlgorithm) {
        if (a.get(p) !== b.get(p)) sink.add('E066', `${v} logical path ${p} has another digest in ${path}`, path)
      } else {
        // Different algorithms: compare where the logical path is stored instead.
        const ca = contentPathsOf(inv, a.get(p) as string)
        const cb = contentPathsOf(prior, b.get(p) as string)
        if (!cb.some(x => ca.includes(x))) sink.add('E066', `${v} logical path ${p} maps to other content in ${path}`, path)
      }
    }
    const ra = inv.raw.versions as Record<string, Record<string, unknown>>
    const rb = prior.raw.versions as Record<string, Record<string, unknown>>
    for (const key of ['created', 'message', 'user'] as const) {
      if (JSON.stringify(ra[v]?.[key]) !== JSON.stringify(rb[v]?.[key])) sink.add('W011', `${v} ${key} differs between the root and ${path}`, path)
    }
  }
}

const contentPathsOf = (c: Checked, digest: string): string[] => [...c.manifest].filter(([, d]) => d === digest).map(([p]) => p)

async function digestOf (store: BlobStore, key: string, algs: string[], pool: HashPool, signal?: AbortSignal): Promise<Record<string, string>> {
  if (store.localPath !== undefined) return (await pool.hashFile(await store.localPath(key, { confine: false }), algs, { signal })).digests
  const hasher = pool.createHasher(algs)
  try {
    for await (const chunk of await store.get(key)) {
      await hasher.update(typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Uint8Array)
    }
  } catch (e) {
    await hasher.abort(e as Error)
    throw e
  }
  return (await hasher.digest()).digests
}

/**
 * Checks an OCFL storage root (§4): its declaration and layout file, its extensions, that the
 * hierarchy holds only objects, and every object in it.
 */
export async function validateStorageRoot (store: BlobStore, options: OcflValidateOptions = {}): Promise<OcflReport & { objects: number }> {
  const sink = new Sink()
  const pool = options.pool ?? new HashPool({ workers: 2 })
  let objects = 0
  try {
    const keys: string[] = []
    for await (const k of store.list('')) keys.push(k)
    const root = childrenOf(keys, '')
    const declarations = [...root.files].filter(f => f.startsWith('0='))
    if (!root.files.has(STORAGE_DECLARATION)) sink.add('E069', `no storage root declaration ${STORAGE_DECLARATION}`, '')
    else {
      const text = (await readAll(store, STORAGE_DECLARATION)).toString('utf8')
      if (text !== STORAGE_DECLARATION_TEXT) sink.add('E080', `${STORAGE_DECLARATION} reads ${JSON.stringify(text)}`, STORAGE_DECLARATION)
    }
    if (declarations.length > 1) sink.add('E076', `more than one declaration: ${declarations.join(', ')}`, '')
    if (root.files.has(LAYOUT_FILE)) {
      let layout: unknown
      try { layout = JSON.parse((await readAll(store, LAYOUT_FILE)).toString('utf8')) } catch { layout = undefined }
      if (!isObject(layout) || typeof layout.extension !== 'string' || typeof layout.description !== 'string') {
        sink.add('E070', `${LAYOUT_FILE} lacks extension or description`, LAYOUT_FILE)
      } else if (!REGISTERED_EXTENSIONS.has(layout.extension)) sink.add('E071', `${LAYOUT_FILE} names unregistered extension ${layout.extension}`, LAYOUT_FILE)
    }
    if (root.dirs.has('extensions')) {
      const ext = childrenOf(keys, 'extensions')
      for (const f of ext.files) sink.add('E112', `extensions/${f} is a file, not an extension directory`, `extensions/${f}`)
      for (const d of ext.dirs) if (!REGISTERED_EXTENSIONS.has(d)) sink.add('W016', `extensions/${d} is not a registered extension name`, `extensions/${d}`)
    }
    const objectRoots = keys.filter(k => k.endsWith('/' + OBJECT_DECLARATION)).map(k => k.slice(0, -OBJECT_DECLARATION.length - 1)).sort()
    // E084 / E072: a file in the hierarchy belongs to exactly one object; E084 also forbids nesting.
    for (const k of keys) {
      if (!k.includes('/') || k.startsWith('extensions/')) continue
      const owners = objectRoots.filter(r => k.startsWith(r + '/'))
      if (owners.length === 0) sink.add('E072', `${k} is in the storage hierarchy but in no object`, k)
      else if (owners.length > 1) sink.add('E084', `${k} lies in nested objects ${owners.join(', ')}`, k)
    }
    for (const r of objectRoots) {
      objects++
      const sub = new Sink(r)
      await checkObject(store, r, sub, pool, options.signal)
      sink.errors.push(...sub.errors)
      sink.warnings.push(...sub.warnings)
    }
  } finally {
    if (options.pool === undefined) await pool.close()
  }
  return { ...sink.report(), objects }
}
