import { opendirSync, type Dirent } from 'node:fs'
import { lstat, opendir, readFile, readlink } from 'node:fs/promises'
import { join, sep } from 'node:path'
import type { Finding } from './findings.js'
import { Findings } from './findings.js'
import { HashPool, isSupportedAlgorithm, normalizeAlgorithmName, WEAK_ALGORITHMS, type Digests } from '../hashing/index.js'
import { declaredOxum, readBagInfo, type BagInfoElement } from './bag-info.js'
import { parseDeclaration, type Declaration } from './declaration.js'
import { readFetch, type FetchEntry } from './fetch.js'
import { resolveLimits, type BagLimits } from './limits.js'
import { algorithmsFor, ManifestIndex, readManifest, type IndexEntry, type ManifestInfo } from './manifest.js'
import { PayloadIndex } from './payload-index.js'
import { isJunkName, isNonPortableName, pathKey } from './paths.js'
import { checkProfile, type BagFacts, type BagitProfile } from './profile.js'

// The orchestrator of RFC 8493 §3 validation. notice (六): the report is the one-time rectification
// notice, so no stage stops the others; every finding of every stage ends up in one report.
// Only files found by walking the bag with lstat are ever opened; manifest paths are just strings.

export interface ValidationProgress {
  readonly filesDone: number
  readonly bytesDone: number
  /** From Payload-Oxum when it can be believed, else the number of manifest entries. */
  readonly filesTotal: number | null
  readonly bytesTotal: number | null
}

export interface ValidateOptions {
  /** A shared pool (the service keeps one); otherwise one is made and closed for this bag. */
  pool?: HashPool
  profile?: BagitProfile
  /** How the bag arrived, for the profile's Serialization rules. */
  serialization?: BagFacts['serialization']
  limits?: Partial<BagLimits>
  /** Treat files listed in fetch.txt but absent as warnings (a holey bag the center will complete). */
  allowMissingFetched?: boolean
  signal?: AbortSignal
  onProgress?: (p: ValidationProgress) => void
  /** Algorithms to compute for every listed payload file besides the manifests' (ingest adds sha512, sha256, md5 and sm3). */
  extraAlgorithms?: readonly string[]
  /**
   * What the caller measured while it wrote the file itself (ingest's staging): its size and digests.
   * Such a file is not stat'ed again; only algorithms missing from its digests are read.
   */
  precomputed?: (bagPath: string) => { size: number, digests: Digests } | undefined
  /**
   * Payload files that are not on disk: an archive's entries hashed as it was read (package.ts). Their
   * directories are on disk and walked as usual; these are checked as if the walk had found them.
   */
  listing?: PayloadListing
  /** Called once per listed payload file with every digest known for it (manifests' and extra). */
  onFile?: (bagPath: string, size: number, digests: Digests) => void
}

export interface PayloadListing {
  /** The bag root's path inside the archive ('' when bagit.txt is at its top). */
  readonly prefix: string
  /** Every payload entry by its archive path, with its size and digests. */
  files (): Iterable<{ readonly name: string, readonly size: number, readonly digests: Digests }>
}

export interface BagStats {
  readonly payloadFiles: number
  readonly payloadBytes: number
  readonly tagFiles: number
  readonly payloadAlgorithms: readonly string[]
  readonly tagAlgorithms: readonly string[]
  readonly ms: number
}

export interface BagReport {
  /** No error-level finding. Warnings are allowed. */
  readonly valid: boolean
  /** Every listed file present and every present file listed (RFC 8493 §3 "complete"). */
  readonly complete: boolean
  readonly version: string | null
  readonly findings: readonly Finding[]
  readonly errors: readonly Finding[]
  readonly warnings: readonly Finding[]
  readonly bagInfo: readonly BagInfoElement[] | null
  readonly stats: BagStats
}

const COMPLETENESS: ReadonlySet<string> = new Set([
  'BAG_DECLARATION_MISSING', 'BAG_PAYLOAD_DIR_MISSING', 'BAG_MANIFEST_MISSING', 'BAG_FILE_MISSING',
  'BAG_FILE_NOT_IN_MANIFEST', 'BAG_FETCH_PENDING', 'BAG_MANIFEST_NAMES_DIRECTORY', 'BAG_LIMIT_FILE_COUNT'
])
const MANIFEST = /^manifest-(.+)\.txt$/
const TAG_MANIFEST = /^tagmanifest-(.+)\.txt$/

interface TagFile { readonly path: string, readonly abs: string }

export async function validateBag (root: string, options: ValidateOptions = {}): Promise<BagReport> {
  const started = Date.now()
  const ownPool = options.pool === undefined
  const pool = options.pool ?? new HashPool()
  const validation = new BagValidation(root, pool, options)
  try {
    return await validation.run(started)
  } finally {
    validation.payload.close()
    if (ownPool) await pool.close()
  }
}

class BagValidation {
  readonly findings = new Findings()
  readonly limits: BagLimits
  // On disk: per-file state must not grow the validator's memory with the file count (issue 13).
  readonly payload = new PayloadIndex()
  readonly tags = new ManifestIndex('tag')
  readonly tagFiles = new Map<string, TagFile>()
  readonly payloadDirs = new Set<string>()
  readonly payloadPaths: string[] | null
  decl!: Declaration
  bagInfo: BagInfoElement[] | null = null
  fetch: FetchEntry[] = []
  files = 0
  bytes = 0
  bytesHashed = 0
  filesHashed = 0
  walked = 0
  stopWalk = false

  constructor (readonly root: string, readonly pool: HashPool, readonly options: ValidateOptions) {
    this.limits = resolveLimits(options.limits)
    this.payloadPaths = options.profile === undefined ? null : []
  }

  async run (started: number): Promise<BagReport> {
    const { findings } = this
    const rootStat = await lstat(this.root)
    if (!rootStat.isDirectory()) {
      findings.add('BAG_NOT_A_DIRECTORY', { path: '.' })
      return this.report(started)
    }

    this.decl = parseDeclaration(await this.readDeclaration(), findings)
    const hasData = await this.scanRoot()
    const ctx = { rules: this.decl.rules, encoding: this.decl.encoding, maxLineBytes: this.limits.maxLineBytes, findings }

    // bag-info first: its Payload-Oxum gives the progress totals and is compared after the walk.
    const infoName = this.decl.rules.bagInfoNames.find(n => this.tagFiles.has(n))
    const info = infoName === undefined ? undefined : this.tagFiles.get(infoName)
    if (info !== undefined && infoName !== undefined && await this.tagFileFits(info)) {
      this.bagInfo = await readBagInfo(info.abs, infoName, ctx)
    }
    const oxum = this.bagInfo === null || infoName === undefined ? null : declaredOxum(this.bagInfo, infoName, findings)

    await this.readManifests(ctx)
    const fetchFile = this.tagFiles.get('fetch.txt')
    if (fetchFile !== undefined && await this.tagFileFits(fetchFile)) this.fetch = await readFetch(fetchFile.abs, ctx)
    this.checkFetchListed()
    this.checkCaseCollisions()

    if (hasData) {
      // Many files in flight: the pool queues them, and cross-thread latency is hidden (bench/README.md).
      const gate = new Gate(256)
      const progressTotal = {
        filesTotal: oxum !== null ? Number(oxum.streams) : this.payload.count(),
        bytesTotal: oxum !== null ? Number(oxum.octets) : null
      }
      const report = (): void => this.options.onProgress?.({ filesDone: this.filesHashed, bytesDone: this.bytesHashed, ...progressTotal })
      await this.walkPayload(join(this.root, 'data'), 'data', 1, gate, report)
      if (this.options.listing !== undefined) await this.visitListing(this.options.listing, gate, report)
      await gate.idle()
      report()
    }
    this.checkMissing()
    await this.checkTagManifests()

    if (oxum !== null && infoName !== undefined && (oxum.octets !== BigInt(this.bytes) || oxum.streams !== BigInt(this.files))) {
      findings.add('BAG_INFO_OXUM_MISMATCH', {
        path: infoName, source: infoName, expected: `${oxum.octets}.${oxum.streams}`, actual: `${this.bytes}.${this.files}`,
        detail: `declared ${oxum.octets}.${oxum.streams}, found ${this.bytes}.${this.files}`
      })
    }
    if (this.options.profile !== undefined) findings.push(...checkProfile(this.options.profile, this.facts()))
    return this.report(started)
  }

  async readDeclaration (): Promise<Buffer | null> {
    const file = join(this.root, 'bagit.txt')
    const st = await lstat(file).catch(() => null)
    if (st === null) return null
    if (!st.isFile()) {
      this.findings.add(st.isSymbolicLink() ? 'BAG_SYMLINK' : 'BAG_SPECIAL_FILE', { path: 'bagit.txt', detail: 'bagit.txt' })
      return null
    }
    if (st.size > this.limits.maxTagFileBytes) {
      this.findings.add('BAG_LIMIT_TAGFILE_SIZE', { path: 'bagit.txt', detail: `bagit.txt is ${st.size} bytes` })
      return null
    }
    return await readFile(file)
  }

  async tagFileFits (file: TagFile): Promise<boolean> {
    const st = await lstat(file.abs)
    if (st.size <= this.limits.maxTagFileBytes) return true
    this.findings.add('BAG_LIMIT_TAGFILE_SIZE', { path: file.path, detail: `${file.path} is ${st.size} bytes` })
    return false
  }

  /** Lists everything outside data/ (tag files and tag directories, §2.2.4); returns whether data/ is a directory. */
  async scanRoot (): Promise<boolean> {
    let hasData = false
    const visit = async (abs: string, rel: string, depth: number): Promise<void> => {
      for await (const d of await opendir(abs)) {
        const path = rel === '' ? d.name : `${rel}/${d.name}`
        const full = abs + sep + d.name
        if (rel === '' && d.name === 'data') {
          if (d.isDirectory()) hasData = true
          else if (d.isSymbolicLink()) this.findings.add('BAG_SYMLINK', { path: 'data', detail: `data -> ${await readlink(full).catch(() => '?')}` })
          continue
        }
        if (d.isSymbolicLink()) this.findings.add('BAG_SYMLINK', { path, detail: `${path} -> ${await readlink(full).catch(() => '?')}` })
        else if (d.isDirectory()) {
          if (depth + 1 > this.limits.maxPathDepth) this.findings.add('BAG_LIMIT_PATH_DEPTH', { path, detail: path })
          else await visit(full, path, depth + 1)
        } else if (d.isFile()) this.tagFiles.set(path, { path, abs: full })
        else this.findings.add('BAG_SPECIAL_FILE', { path, detail: path })
      }
    }
    await visit(this.root, '', 0)
    if (!hasData) this.findings.add('BAG_PAYLOAD_DIR_MISSING', { path: 'data', detail: 'data/' })
    return hasData
  }

  async readManifests (ctx: Parameters<typeof readManifest>[3]): Promise<void> {
    const names = [...this.tagFiles.keys()].filter(p => !p.includes('/')).sort()
    for (const name of names) {
      const isTag = TAG_MANIFEST.exec(name)
      const isPayload = isTag === null ? MANIFEST.exec(name) : null
      const m = isTag ?? isPayload
      if (m?.[1] === undefined) continue
      const algorithm = normalizeAlgorithmName(m[1])
      if (algorithm !== m[1]) this.findings.add('BAG_ALGORITHM_NAME_INVALID', { path: name, detail: `${name} (expected ${isTag !== null ? 'tag' : ''}manifest-${algorithm}.txt)` })
      const computable = isSupportedAlgorithm(algorithm)
      if (!computable) this.findings.add('BAG_ALGORITHM_UNSUPPORTED', { path: name, algorithm, detail: `${name}: ${algorithm}` })
      const index = isTag !== null ? this.tags : this.payload
      const n = index.addManifest({ name, algorithm, computable })
      const file = this.tagFiles.get(name)
      if (file !== undefined) await readManifest(file.abs, n, index, ctx)
    }
    if (this.payload.manifests.length === 0) this.findings.add('BAG_MANIFEST_MISSING', { path: '.' })
    const algs = this.payload.manifests.map(m => m.algorithm)
    if (algs.length > 0 && algs.every(a => WEAK_ALGORITHMS.has(a))) this.findings.add('BAG_ALGORITHM_WEAK', { detail: algs.join(', ') })
    if (this.tags.manifests.length === 0) this.findings.add('BAG_TAGMANIFEST_MISSING', {})
  }

  /** §2.2.3: every fetch path is listed in every payload manifest. */
  checkFetchListed (): void {
    for (const f of this.fetch) {
      const entry = this.payload.get(f.key)
      const missingFrom = this.payload.manifests.filter((_, i) => entry?.digests[i] === undefined)
      for (const m of missingFrom) {
        this.findings.add('BAG_FETCH_NOT_IN_MANIFEST', { path: f.path, source: 'fetch.txt', line: f.line, detail: `${f.path} is not in ${m.name}` })
      }
    }
  }

  /** §6.1.1.1: names that differ only in case collide on the file systems many builders use. */
  checkCaseCollisions (): void {
    for (const { path, other } of this.payload.caseCollisions()) {
      this.findings.add('BAG_NAME_CASE_COLLISION', { path, detail: `${path} and ${other}` })
    }
  }

  async walkPayload (abs: string, rel: string, depth: number, gate: Gate, progress: () => void): Promise<void> {
    // Read synchronously, a block of entries per system call: `for await` over a Dir costs a promise per
    // entry, which was the walk's largest main-thread cost on the 1 GiB bag (bench/README.md).
    const dir = opendirSync(abs, { bufferSize: 256 })
    try {
      for (let d = dir.readSync(); d !== null && !this.walkOver(); d = dir.readSync()) await this.walkEntry(d, abs, rel, depth, gate, progress)
    } finally {
      dir.closeSync()
    }
  }

  /** The checks every payload entry gets, found on disk or listed from an archive; false: skip it. */
  admitEntry (path: string, name: string, depth: number): boolean {
    const { findings, limits } = this
    if (++this.walked > limits.maxFiles) {
      findings.add('BAG_LIMIT_FILE_COUNT', { path, detail: `more than ${limits.maxFiles} entries; the rest was not checked` })
      this.stopWalk = true
      return false
    }
    if (depth > limits.maxPathDepth) { findings.add('BAG_LIMIT_PATH_DEPTH', { path, detail: path }); return false }
    if (Buffer.byteLength(path) > limits.maxPathBytes) { findings.add('BAG_LIMIT_PATH_LENGTH', { path, detail: `${Buffer.byteLength(path)} bytes` }); return false }
    if (isJunkName(name)) findings.add('BAG_JUNK_FILE', { path, detail: path })
    else if (isNonPortableName(name)) findings.add('BAG_NAME_NOT_PORTABLE', { path, detail: path })
    return true
  }

  /**
   * The payload files of an archive read as a stream (package.ts): hashed in flight, never written, so
   * not found by the walk (which still meets their directories). Each gets what a file found on disk gets.
   */
  async visitListing (listing: PayloadListing, gate: Gate, progress: () => void): Promise<void> {
    const cut = listing.prefix === '' ? 0 : listing.prefix.length + 1
    for (const f of listing.files()) {
      if (this.walkOver()) return
      const path = f.name.slice(cut)
      const segments = path.split('/')
      if (!this.admitEntry(path, segments[segments.length - 1] ?? path, segments.length)) continue
      await this.visitFile(this.root + sep + path, path, gate, progress, { size: f.size, digests: f.digests })
    }
  }

  walkOver (): boolean {
    return this.stopWalk || this.options.signal?.aborted === true
  }

  async walkEntry (d: Dirent, abs: string, rel: string, depth: number, gate: Gate, progress: () => void): Promise<void> {
    const path = `${rel}/${d.name}`
    // A directory entry's name has no separator: no path.join (and its normalizing) per file.
    const full = abs + sep + d.name
    if (!this.admitEntry(path, d.name, depth + 1)) return
    const { findings } = this
    if (d.isSymbolicLink()) {
      findings.add('BAG_SYMLINK', { path, detail: `${path} -> ${await readlink(full).catch(() => '?')}` })
    } else if (d.isDirectory()) {
      this.payloadDirs.add(pathKey(path))
      await this.walkPayload(full, path, depth + 1, gate, progress)
    } else if (d.isFile()) {
      await this.visitFile(full, path, gate, progress)
    } else {
      findings.add('BAG_SPECIAL_FILE', { path, detail: path })
    }
  }

  /**
   * Look up, hash and account one payload file inside the gate, so files overlap. The hash worker's own
   * fstat gives the size and link count: a stat here as well was the main thread's largest cost (6.7 of
   * 22 CPU-s on the 200,000-file bag), so only a file nothing is computed for is stat'ed.
   */
  async visitFile (abs: string, path: string, gate: Gate, progress: () => void, listed?: { size: number, digests: Digests }): Promise<void> {
    await gate.run(async () => {
      const { findings, payload } = this
      const known = listed ?? this.options.precomputed?.(path)
      const found = payload.visit(pathKey(path))
      const wanted = found === undefined ? [] : [...new Set([...algorithmsFor(payload.manifests, found.entry), ...(this.options.extraAlgorithms ?? [])])]
      const usable = known?.digests ?? {}
      const missing = wanted.filter(a => usable[a] === undefined)
      let size = known?.size
      let links = 1
      let digests: Digests | undefined = wanted.length > 0 && missing.length === 0 ? usable : undefined
      let unreadable: unknown
      if (missing.length > 0) {
        try {
          const r = await this.pool.hashFile(abs, missing, { signal: this.options.signal, links: true })
          size = r.size
          links = r.links ?? 1
          digests = { ...usable, ...r.digests }
        } catch (err) {
          if (this.options.signal?.aborted === true) throw err
          unreadable = err
        }
      }
      if (size === undefined) {
        // 10,000 lstat calls were a third of ingest's check stage, for files the caller had just written.
        const st = await lstat(abs).catch(() => null)
        if (st !== null && !st.isFile()) { findings.add('BAG_SPECIAL_FILE', { path, detail: path }); return }
        size = st?.size ?? 0
        links = st?.nlink ?? 1
      }
      if (links > 1) findings.add('BAG_HARDLINK', { path, detail: `${path} has ${links} links` })
      this.files++
      this.bytes += size
      this.payloadPaths?.push(path)
      if (this.bytes > this.limits.maxTotalBytes) {
        if (!this.stopWalk) findings.add('BAG_LIMIT_TOTAL_SIZE', { path, detail: `more than ${this.limits.maxTotalBytes} bytes; the rest was not checked` })
        this.stopWalk = true
        return
      }

      if (found === undefined) {
        findings.add('BAG_FILE_NOT_IN_MANIFEST', { path, detail: `${path} is in no payload manifest` })
        return
      }
      const { entry } = found
      if (found.again) findings.add('BAG_NAME_NORMALIZATION_VARIANT', { path, detail: `${path} and ${entry.path} are the same name on disk twice` })
      payload.manifests.forEach((m, i) => {
        if (entry.digests[i] === undefined) {
          findings.add('BAG_FILE_NOT_IN_MANIFEST', { path, source: m.name, severity: this.decl.rules.strict ? 'error' : 'warning', detail: `${path} is not in ${m.name}` })
        }
      })
      if (wanted.length === 0) return
      if (unreadable !== undefined || digests === undefined) {
        findings.add('BAG_FILE_UNREADABLE', { path, detail: `${path}: ${(unreadable as NodeJS.ErrnoException | undefined)?.code ?? String(unreadable)}` })
      } else {
        this.compare(payload.manifests, entry, digests)
        this.options.onFile?.(path, size, digests)
      }
      this.filesHashed++
      this.bytesHashed += size
      progress()
    })
  }

  compare (manifests: readonly ManifestInfo[], entry: IndexEntry, digests: Record<string, string>): void {
    const check = (manifest: number, expected: string | undefined): void => {
      const m = manifests[manifest]
      if (m === undefined || expected === undefined || expected === '' || !m.computable) return
      const actual = digests[m.algorithm]
      if (actual !== undefined && actual !== expected) {
        this.findings.add('BAG_CHECKSUM_MISMATCH', {
          path: entry.path, source: m.name, algorithm: m.algorithm, expected, actual,
          detail: `${entry.path}: ${m.algorithm} expected ${expected} found ${actual}`
        })
      }
    }
    entry.digests.forEach((d, i) => check(i, d))
    for (const c of entry.conflicts ?? []) check(c.manifest, c.digest)
  }

  /** After the walk: listed but absent (or a directory, or still to be fetched). */
  checkMissing (): void {
    if (this.stopWalk) return
    const fetched = new Set(this.fetch.map(f => f.key))
    for (const { key, entry, manifest } of this.payload.unseen()) {
      const source = this.payload.manifests[manifest]?.name
      if (this.payloadDirs.has(key)) this.findings.add('BAG_MANIFEST_NAMES_DIRECTORY', { path: entry.path, source, detail: entry.path })
      else if (fetched.has(key)) this.findings.add('BAG_FETCH_PENDING', { path: entry.path, source: 'fetch.txt', severity: this.options.allowMissingFetched === true ? 'warning' : 'error', detail: entry.path })
      else this.findings.add('BAG_FILE_MISSING', { path: entry.path, source, detail: `${entry.path} (listed in ${source})` })
    }
  }

  /** §2.2.1 and §3: tag manifests list tag files only, list every payload manifest, and match. */
  async checkTagManifests (): Promise<void> {
    const { findings, tags } = this
    const strict = this.decl.rules.strict
    tags.manifests.forEach((tm, i) => {
      for (const pm of this.payload.manifests) {
        const entry = tags.entries.get(pathKey(pm.name))
        if (entry?.digests[i] === undefined) {
          // A MUST of RFC 8493 (1.0); the drafts before it said nothing, so only warn there.
          findings.add('BAG_TAGMANIFEST_OMITS_MANIFEST', { path: pm.name, source: tm.name, severity: strict ? 'error' : 'warning', detail: `${tm.name} does not list ${pm.name}` })
        }
      }
      for (const name of ['bagit.txt', ...this.decl.rules.bagInfoNames, 'fetch.txt']) {
        if (this.tagFiles.has(name) && tags.entries.get(pathKey(name))?.digests[i] === undefined) {
          findings.add('BAG_TAGMANIFEST_OMITS_TAGFILE', { path: name, source: tm.name, detail: `${tm.name} does not list ${name}` })
        }
      }
    })
    const gate = new Gate(64)
    for (const [key, entry] of tags.entries) {
      const file = this.tagFiles.get(key) ?? this.tagFiles.get(entry.path)
      if (file === undefined) {
        const source = tags.manifests[entry.digests.findIndex(d => d !== undefined)]?.name
        findings.add('BAG_FILE_MISSING', { path: entry.path, source, detail: `${entry.path} (listed in ${source})` })
        continue
      }
      entry.seen = true
      const algorithms = tags.algorithmsFor(entry)
      if (algorithms.length === 0) continue
      await gate.run(async () => {
        try {
          this.compare(tags.manifests, entry, (await this.pool.hashFile(file.abs, algorithms, { signal: this.options.signal })).digests)
        } catch (err) {
          if (this.options.signal?.aborted === true) throw err
          findings.add('BAG_FILE_UNREADABLE', { path: entry.path, detail: `${entry.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` })
        }
      })
    }
    await gate.idle()
  }

  facts (): BagFacts {
    return {
      version: this.decl.rules.version,
      bagInfo: this.bagInfo,
      payloadAlgorithms: this.payload.manifests.map(m => m.algorithm),
      tagAlgorithms: this.tags.manifests.map(m => m.algorithm),
      hasFetch: this.tagFiles.has('fetch.txt'),
      tagFiles: [...this.tagFiles.keys()],
      payloadFiles: this.payloadPaths ?? [],
      payloadDirs: this.payloadDirs,
      payloadOctets: this.bytes,
      serialization: this.options.serialization ?? 'directory'
    }
  }

  report (started: number): BagReport {
    const { findings } = this
    const errors = findings.errors
    return {
      valid: errors.length === 0,
      complete: !errors.some(f => COMPLETENESS.has(f.code)),
      version: this.decl?.rules.version ?? null,
      findings: findings.all,
      errors,
      warnings: findings.warnings,
      bagInfo: this.bagInfo,
      stats: {
        payloadFiles: this.files,
        payloadBytes: this.bytes,
        tagFiles: this.tagFiles.size,
        payloadAlgorithms: this.payload.manifests.map(m => m.algorithm),
        tagAlgorithms: this.tags.manifests.map(m => m.algorithm),
        ms: Date.now() - started
      }
    }
  }
}

/** Bounds work in flight: the walk waits here, so memory stays flat however many files a bag holds. */
class Gate {
  #running = 0
  readonly #waiters: Array<() => void> = []
  readonly #all = new Set<Promise<void>>()
  #error: unknown = null

  constructor (readonly limit: number) {}

  async run (task: () => Promise<void>): Promise<void> {
    if (this.#error !== null) throw this.#error
    while (this.#running >= this.limit) await new Promise<void>(resolve => this.#waiters.push(resolve))
    this.#running++
    const p = task().catch(err => { this.#error ??= err }).finally(() => {
      this.#running--
      this.#all.delete(p)
      this.#waiters.shift()?.()
    })
    this.#all.add(p)
  }

  async idle (): Promise<void> {
    while (this.#all.size > 0) await Promise.all(this.#all)
    if (this.#error !== null) throw this.#error
  }
}
