import type { PackageFileInput, ContentInput } from '../catalogue/index.js'
import { FIXITY_ALGORITHMS, versionNumber, type Inventory } from '../ocfl/index.js'

// What the catalogue records of an OCFL object, read back from the object alone (docs/recovery.md,
// "What a rebuild recovers"). The object is self-describing: every version's state and message, the
// sha512 manifest, the fixity block (sha256, md5 … as kept) and the SM3 logs; the bag's own manifests,
// kept with each version under submissions/<id>/, give the declared algorithms OCFL cannot name.

const BY_OCFL_NAME = new Map(Object.entries(FIXITY_ALGORITHMS).map(([bagit, ocfl]) => [ocfl, bagit]))

export interface VersionRecord {
  number: number
  created: string
  message: string
  submissionId: string
  mode: string | undefined
  createdBy: string | null
  files: PackageFileInput[]
  /** content first stored by this version */
  contents: ContentInput[]
}

/** `submission <id> (<mode>; removed: …)` as ingest writes it; other messages make up an id from the object and version. */
export function parseMessage (message: string, fallback: string): { submissionId: string, mode: string | undefined } {
  const m = /^submission (\S+)(?: \(([^;)]*))?/.exec(message)
  if (m === null) return { submissionId: fallback, mode: undefined }
  return { submissionId: m[1] as string, mode: m[2] === 'supplement' || m[2] === 'replace' ? m[2] : undefined }
}

/**
 * Every version of the object as catalogue input, oldest first. `sizes` and `sm3` are per content path;
 * `declared(version, logicalPath)` gives digests the version's kept bag manifests declare for a payload file.
 */
export function versionRecords (inventory: Inventory, sizes: ReadonlyMap<string, number>, sm3: ReadonlyMap<string, string>,
  declared: (version: string) => ReadonlyMap<string, Record<string, string>>, fallbackId: (version: number) => string): VersionRecord[] {
  const contentOf = new Map<string, string>()
  for (const [digest, paths] of Object.entries(inventory.manifest)) for (const p of paths) contentOf.set(p, digest.toLowerCase())
  const fixityOf = new Map<string, Record<string, string>>()
  for (const [alg, block] of Object.entries(inventory.fixity ?? {})) {
    const name = BY_OCFL_NAME.get(alg) ?? alg
    for (const [digest, paths] of Object.entries(block)) for (const p of paths) fixityOf.set(p, { ...fixityOf.get(p), [name]: digest.toLowerCase() })
  }
  const pathBySha = new Map(Object.entries(inventory.manifest).map(([d, paths]) => [d.toLowerCase(), paths[0] as string]))
  const seen = new Set<string>()
  const out: VersionRecord[] = []
  const names = Object.keys(inventory.versions).sort((a, b) => (versionNumber(a) ?? 0) - (versionNumber(b) ?? 0))
  for (const name of names) {
    const v = inventory.versions[name]
    const number = versionNumber(name)
    if (v === undefined || number === undefined) continue
    const message = v.message ?? ''
    const { submissionId, mode } = parseMessage(message, fallbackId(number))
    const extra = declared(name)
    const files: PackageFileInput[] = []
    const contents: ContentInput[] = []
    for (const [digest, logicalPaths] of Object.entries(v.state)) {
      const contentPath = pathBySha.get(digest.toLowerCase())
      if (contentPath === undefined) continue
      for (const logicalPath of logicalPaths) {
        files.push({ logicalPath, contentPath })
        if (seen.has(contentPath)) continue
        seen.add(contentPath)
        const kept: Record<string, string> = { ...extra.get(logicalPath), ...fixityOf.get(contentPath) }
        const { sha256, md5, sha512: _declared512, ...otherDigests } = kept
        contents.push({
          contentPath,
          size: sizes.get(contentPath) ?? 0,
          sha512: contentOf.get(contentPath) ?? digest.toLowerCase(),
          sm3: sm3.get(contentPath) ?? '',
          sha256: sha256 ?? null,
          md5: md5 ?? null,
          otherDigests
        })
      }
    }
    const user = v.user?.name
    out.push({ number, created: v.created, message, submissionId, mode, createdBy: user === undefined || user === 'lantai' ? null : user, files, contents })
  }
  return out
}

/** `digest  data/path` lines of a BagIt manifest (RFC 8493 §2.1.3), as path → digest. */
export function parseManifest (text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]+)[ \t]+\*?(.+)$/.exec(line)
    // §2.1.3: CR, LF and % in a path are written %0D, %0A and %25
    if (m !== null) out.set((m[2] as string).replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%'), (m[1] as string).toLowerCase())
  }
  return out
}
