import type { VersionRules } from './declaration.js'
import type { Findings } from './findings.js'
import { hexLength } from '../hashing/index.js'
import { checkBagPath, isUnderPayload, pathKey, percentDecode } from './paths.js'
import { readLines } from './text.js'

// RFC 8493 §2.1.3 and §2.2.1: a manifest line is "checksum 1*WSP filepath"; each file is listed once.
// Every manifest of a kind feeds one index keyed by the NFC form of the path (§6.1.1.3), holding one
// expected digest per manifest, so completeness and fixity are checked in one walk of the bag.

export type ManifestKind = 'payload' | 'tag'

export interface ManifestInfo {
  /** File name in the bag root: manifest-sha256.txt. */
  readonly name: string
  readonly algorithm: string
  /** False for algorithms we cannot compute: entries still count for completeness. */
  readonly computable: boolean
}

export interface IndexEntry {
  /** The path as first listed (after "./" removal and 1.0 percent-decoding). */
  readonly path: string
  /** Expected lowercase hex per manifest (same order as `ManifestIndex.manifests`); '' = malformed. */
  readonly digests: Array<string | undefined>
  /** Further, conflicting checksums for the same file in one manifest: each is checked too. */
  conflicts?: Array<{ manifest: number, digest: string, line: number }>
  /** Set when the walk found the file. */
  seen: boolean
}

/** Where readManifest puts what it reads: the in-memory index below, or the on-disk payload index. */
export interface ManifestSink {
  readonly kind: ManifestKind
  readonly manifests: readonly ManifestInfo[]
  /** One well-formed, safe line; reports duplicates, conflicts and normalization variants itself. */
  record (manifest: number, path: string, digest: string, line: number, ctx: ManifestContext): void
}

/** Algorithms that list this entry and can be computed. */
export function algorithmsFor (manifests: readonly ManifestInfo[], entry: IndexEntry): string[] {
  const algs: string[] = []
  entry.digests.forEach((d, i) => {
    const m = manifests[i]
    if (d !== undefined && d !== '' && m?.computable === true) algs.push(m.algorithm)
  })
  for (const c of entry.conflicts ?? []) {
    const m = manifests[c.manifest]
    if (m?.computable === true && !algs.includes(m.algorithm)) algs.push(m.algorithm)
  }
  return algs
}

/** The in-memory index, for tag manifests: a few lines each, bounded by the tag-file size limit. */
export class ManifestIndex implements ManifestSink {
  readonly manifests: ManifestInfo[] = []
  readonly entries = new Map<string, IndexEntry>()

  constructor (readonly kind: ManifestKind) {}

  addManifest (info: ManifestInfo): number {
    this.manifests.push(info)
    return this.manifests.length - 1
  }

  algorithmsFor (entry: IndexEntry): string[] { return algorithmsFor(this.manifests, entry) }

  record (manifest: number, path: string, digest: string, line: number, ctx: ManifestContext): void {
    record(this, manifest, path, digest, line, ctx)
  }
}

export interface ManifestContext {
  rules: VersionRules
  encoding: string
  maxLineBytes: number
  findings: Findings
}

const LINE = /^(\S+)[ \t]+(.*)$/
const HEX = /^[0-9a-fA-F]+$/
const TAG_MANIFEST = /^tagmanifest-[^/]*\.txt$/

/** Reads one manifest into `index`, reporting every malformed, unsafe or duplicate line. */
export async function readManifest (file: string, manifest: number, index: ManifestSink, ctx: ManifestContext): Promise<void> {
  const info = index.manifests[manifest]
  if (info === undefined) throw new RangeError(`no manifest ${manifest}`)
  const { rules, findings } = ctx
  const source = info.name
  const width = hexLength(info.algorithm)

  await readLines(file, { encoding: ctx.encoding, maxLineBytes: ctx.maxLineBytes, name: source, findings }, (text, line) => {
    if (text.trim() === '') return
    const m = LINE.exec(text)
    if (m === null || m[1] === undefined || m[2] === undefined || m[2] === '') {
      findings.add('BAG_MANIFEST_LINE_MALFORMED', { path: source, source, line, actual: text, detail: `${source} line ${line}: ${JSON.stringify(text)}` })
      return
    }
    let checksum = m[1]
    let raw = m[2]
    if (raw.startsWith('*')) {
      // §6.1.3: md5sum's binary marker MAY be ignored, but then the validator MUST warn.
      raw = raw.slice(1)
      findings.add('BAG_MANIFEST_BINARY_MARKER', { path: raw, source, line, detail: `${source} line ${line}: *${raw}` })
    }
    if (!HEX.test(checksum) || (width !== undefined && checksum.length !== width)) {
      findings.add('BAG_CHECKSUM_MALFORMED', { path: raw, source, line, algorithm: info.algorithm, actual: checksum, detail: `${source} line ${line}: ${JSON.stringify(checksum)} for ${raw}` })
      checksum = ''
    }
    const decoded = rules.strict ? percentDecode(raw) : raw
    const verdict = checkBagPath(decoded)
    for (const code of verdict.errors) findings.add(code, { path: raw, source, line, detail: `${source} line ${line}: ${raw}` })
    if (verdict.leadingDotSlash) findings.add('BAG_PATH_LEADING_DOT_SLASH', { path: raw, source, line, detail: `${source} line ${line}: ${raw}` })
    const path = verdict.path
    let unsafe = verdict.errors.length > 0
    if (index.kind === 'payload' && !isUnderPayload(path)) {
      findings.add('BAG_PATH_OUTSIDE_PAYLOAD', { path: raw, source, line, detail: `${source} line ${line}: ${raw}` })
      unsafe = true
    }
    if (index.kind === 'tag' && !unsafe) {
      if (path === 'data' || path.startsWith('data/')) {
        findings.add('BAG_TAGMANIFEST_LISTS_PAYLOAD', { path, source, line, detail: `${source} line ${line}: ${path}` })
        unsafe = true
      } else if (TAG_MANIFEST.test(path)) {
        findings.add('BAG_TAGMANIFEST_LISTS_TAGMANIFEST', { path, source, line, detail: `${source} line ${line}: ${path}` })
        unsafe = true
      }
    }
    // An unsafe path is reported and then left alone: nothing is ever looked up under it (§5.1).
    if (unsafe) return
    index.record(manifest, path, checksum.toLowerCase(), line, ctx)
  })
}

function record (index: ManifestIndex, manifest: number, path: string, digest: string, line: number, ctx: ManifestContext): void {
  const { findings, rules } = ctx
  const source = index.manifests[manifest]?.name ?? ''
  const key = pathKey(path)
  let entry = index.entries.get(key)
  if (entry === undefined) {
    entry = { path, digests: [], seen: false }
    index.entries.set(key, entry)
  } else if (entry.path !== path) {
    findings.add('BAG_NAME_NORMALIZATION_VARIANT', { path, source, line, detail: `${JSON.stringify(path)} and ${JSON.stringify(entry.path)}` })
  }
  const previous = entry.digests[manifest]
  if (previous === undefined) {
    entry.digests[manifest] = digest
  } else if (previous === digest || digest === '' || previous === '') {
    findings.add('BAG_MANIFEST_DUPLICATE_ENTRY', { path, source, line, severity: rules.strict ? 'error' : 'warning', detail: `${source} line ${line}: ${path}` })
  } else {
    findings.add('BAG_MANIFEST_DUPLICATE_CONFLICT', { path, source, line, expected: previous, actual: digest, detail: `${source} line ${line}: ${path}` })
    ;(entry.conflicts ??= []).push({ manifest, digest, line })
  }
}
