import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { unpackArchive, type EntryFile, type UnpackResult } from '../archive/index.js'
import { HashPool, isSupportedAlgorithm, normalizeAlgorithmName } from '../hashing/index.js'
import { ArchiveListing } from './archive-listing.js'
import type { PackageOptions, PackageReport } from './package.js'
import { archiveOnlyReport, withArchiveFindings } from './package.js'
import { validateBag } from './validate.js'

// A tar or tar.gz validated as a stream (issue 13): each payload entry is hashed as it is read and only
// its (path, size, digests) row is kept, on disk (archive-listing.ts); the payload's bytes are never
// written. Tag files (small, limited by maxTagFileBytes) and directories are unpacked into a scratch
// directory as before, so every check of validateBag runs unchanged: the 200,000-file bag took longer
// to create on disk than to hash (bench/README.md part 1).
//
// Which digests: those of the payload manifests the archive has brought so far, or sha512 and sha256
// (the two RFC 8493 names) before any; a manifest that comes after its files costs a second read of the
// archive for the algorithms still missing, never a wrong answer.

/** An entry in data/ of a bag at the archive's top or in its one top-level directory. */
const PAYLOAD = /^(?:[^/]+\/)?data\/./
const MANIFEST = /^(?:[^/]+\/)?manifest-([^/]+)\.txt$/
const FIRST_GUESS = ['sha512', 'sha256']

/**
 * Null when the archive is not one this path can take whole (an entry it held back as payload lies
 * outside the bag's data/, say in a tag directory named data): the caller unpacks it instead.
 */
export async function validateArchiveAsStream (path: string, kind: 'tar' | 'tar.gz', options: PackageOptions): Promise<PackageReport | null> {
  const ownPool = options.pool === undefined
  const pool = options.pool ?? new HashPool()
  const listing = new ArchiveListing()
  const scratch: string[] = []
  const unpack = async (onFile: (name: string, size?: number) => EntryFile | undefined): Promise<{ dir: string, unpacked: UnpackResult }> => {
    const dir = await mkdtemp(join(options.stagingRoot ?? tmpdir(), 'lantai-staging-'))
    scratch.push(dir)
    const unpacked = await unpackArchive(path, dir, {
      kind, limits: options.limits, signal: options.signal, nameEncoding: options.nameEncoding ?? 'gb18030', onFile: (name, _target, size) => onFile(name, size)
    })
    return { dir: await realpath(dir), unpacked }
  }
  try {
    const extra = options.extraAlgorithms ?? []
    const declared = new Set<string>()
    const first = await unpack((name, size) => {
      const m = MANIFEST.exec(name)
      const alg = m?.[1] === undefined ? undefined : normalizeAlgorithmName(m[1])
      if (alg !== undefined && isSupportedAlgorithm(alg)) declared.add(alg)
      if (!PAYLOAD.test(name)) return undefined
      return hashInFlight(pool, name, [...(declared.size > 0 ? declared : FIRST_GUESS), ...extra], size, listing)
    })
    const { unpacked } = first
    if (unpacked.root === null) return archiveOnlyReport(unpacked.findings, kind)
    const prefix = relative(first.dir, unpacked.root).split(sep).join('/')
    const data = prefix === '' ? 'data/' : `${prefix}/data/`
    for (const f of listing.files()) if (!f.name.startsWith(data)) return null

    const needed = [...new Set([...(await manifestAlgorithms(unpacked.root)), ...extra])]
    if (listing.lacksAny(needed)) {
      // A manifest came after files it lists: read the archive again for what is missing, and only that.
      await unpack((name, size) => {
        if (!PAYLOAD.test(name)) return undefined
        const have = listing.digestsOf(name) ?? {}
        const missing = needed.filter(a => have[a] === undefined)
        return missing.length === 0 ? DISCARD : hashInFlight(pool, name, missing, size, listing)
      })
    }
    const report = await validateBag(unpacked.root, { ...options, pool, serialization: kind, listing: { prefix, files: () => listing.files() } })
    return withArchiveFindings(unpacked.findings, report, kind)
  } finally {
    listing.close()
    if (ownPool) await pool.close()
    for (const dir of scratch) await rm(dir, { recursive: true, force: true })
  }
}

function hashInFlight (pool: HashPool, name: string, algorithms: readonly string[], size: number | undefined, listing: ArchiveListing): EntryFile {
  const hasher = pool.createHasher([...new Set(algorithms)], size === undefined ? {} : { size })
  return {
    update: chunk => hasher.update(chunk),
    end: async n => {
      const { digests } = await hasher.digest()
      listing.put(name, n, digests)
    },
    abort: reason => hasher.abort(reason)
  }
}

/** An entry whose digests are all known already: read past, kept nowhere. */
const DISCARD: EntryFile = { update: () => {}, end: async () => {}, abort: async () => {} }

async function manifestAlgorithms (root: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await readdir(root)) {
    const m = /^manifest-(.+)\.txt$/.exec(name)
    const alg = m?.[1] === undefined ? undefined : normalizeAlgorithmName(m[1])
    if (alg !== undefined && isSupportedAlgorithm(alg)) out.push(alg)
  }
  return out
}
