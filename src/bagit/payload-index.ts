import Database from 'better-sqlite3'
import type { IndexEntry, ManifestContext, ManifestInfo, ManifestSink } from './manifest.js'
import { pathKey } from './paths.js'

// The payload manifests' index, kept on disk: one row per manifest line in an anonymous SQLite
// database (deleted when closed), so the validator's memory does not grow with the file count. A Map
// of 200,000 entries held ~300 MB of the 466 MB the validator peaked at on bench/README.md's --big bag.
//
// Why SQLite and not a sorted file: the walk meets files in directory order, not in manifest order, so
// a sorted file would need an external sort of the walk as well and a merge at the end; SQLite's B-tree
// gives point lookups in a few microseconds, synchronously (no thread-pool round trip), with its page
// cache as the only memory (CACHE_KIB). Nothing is ever committed or synced: the file is scratch, one
// transaction from open to close, with no journal. This is not the catalogue (which keeps its SQL in
// src/catalogue repositories over Kysely): a private, throwaway index of one validation.

/** The page cache: what the index may hold in memory before it spills to its file. */
const CACHE_KIB = 8 * 1024

export interface VisitedEntry {
  readonly entry: IndexEntry
  /** The walk met this name before: two files on disk whose names normalize alike (§6.1.1.3). */
  readonly again: boolean
}

type LineRow = [m: number, n: number, digest: string, path: string, line: number, seen: number]

export class PayloadIndex implements ManifestSink {
  readonly kind = 'payload' as const
  readonly manifests: ManifestInfo[] = []
  readonly #db: Database.Database
  readonly #insert: Database.Statement<[string, number, number, string, string, number]>
  readonly #first: Database.Statement<[string]>
  readonly #digestOf: Database.Statement<[string, number]>
  readonly #lastConflict: Database.Statement<[string, number]>
  readonly #lookup: Database.Statement<[string]>
  readonly #visit: Database.Statement<[string]>
  /** Some listed path is not in NFC: only then can two lines' paths differ under one key. */
  #denormal = false
  /** Some key has an upper-case letter: only then can two keys collide by case. */
  #mixedCase = false

  constructor () {
    this.#db = new Database('')
    this.#db.pragma('journal_mode = OFF')
    this.#db.pragma('synchronous = OFF')
    this.#db.pragma(`cache_size = -${CACHE_KIB}`)
    this.#db.exec(`CREATE TABLE line (
      key TEXT NOT NULL, m INTEGER NOT NULL, n INTEGER NOT NULL, digest TEXT NOT NULL, path TEXT NOT NULL,
      line INTEGER NOT NULL, seen INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (key, m, n)) WITHOUT ROWID`)
    this.#db.exec('BEGIN')
    this.#insert = this.#db.prepare('INSERT INTO line (key, m, n, digest, path, line) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
    this.#first = this.#db.prepare('SELECT path FROM line WHERE key = ? ORDER BY m, n LIMIT 1').pluck()
    this.#digestOf = this.#db.prepare('SELECT digest FROM line WHERE key = ? AND m = ? AND n = 0').pluck()
    this.#lastConflict = this.#db.prepare('SELECT max(n) FROM line WHERE key = ? AND m = ?').pluck()
    this.#lookup = this.#db.prepare('SELECT m, n, digest, path, line, seen FROM line WHERE key = ?').raw()
    // One statement finds the entry and marks it found: the walk's only cost here per file.
    this.#visit = this.#db.prepare('UPDATE line SET seen = seen + 1 WHERE key = ? RETURNING m, n, digest, path, line, seen').raw()
  }

  addManifest (info: ManifestInfo): number {
    this.manifests.push(info)
    return this.manifests.length - 1
  }

  /** The same rules as the in-memory index (manifest.ts), with the same findings in the same order. */
  record (manifest: number, path: string, digest: string, line: number, ctx: ManifestContext): void {
    const { findings, rules } = ctx
    const source = this.manifests[manifest]?.name ?? ''
    const key = pathKey(path)
    if (key !== path) this.#denormal = true
    if (!this.#mixedCase && key.toLowerCase() !== key) this.#mixedCase = true
    if (this.#denormal) {
      const first = this.#first.get(key) as string | undefined
      if (first !== undefined && first !== path) {
        findings.add('BAG_NAME_NORMALIZATION_VARIANT', { path, source, line, detail: `${JSON.stringify(path)} and ${JSON.stringify(first)}` })
      }
    }
    if (this.#insert.run(key, manifest, 0, digest, path, line).changes === 1) return
    const previous = this.#digestOf.get(key, manifest) as string
    if (previous === digest || digest === '' || previous === '') {
      findings.add('BAG_MANIFEST_DUPLICATE_ENTRY', { path, source, line, severity: rules.strict ? 'error' : 'warning', detail: `${source} line ${line}: ${path}` })
    } else {
      findings.add('BAG_MANIFEST_DUPLICATE_CONFLICT', { path, source, line, expected: previous, actual: digest, detail: `${source} line ${line}: ${path}` })
      const n = (this.#lastConflict.get(key, manifest) as number) + 1
      this.#insert.run(key, manifest, n, digest, path, line)
    }
  }

  /** Listed names (after normalization); a count over the index, so ask once. */
  count (): number {
    return this.#db.prepare('SELECT count(DISTINCT key) FROM line').pluck().get() as number
  }

  get (key: string): IndexEntry | undefined {
    return toEntry(this.#lookup.all(key) as LineRow[])
  }

  /** Looks a name up and marks it found, in one step. */
  visit (key: string): VisitedEntry | undefined {
    const rows = this.#visit.all(key) as LineRow[]
    const entry = toEntry(rows)
    return entry === undefined ? undefined : { entry, again: rows.some(r => r[5] > 1) }
  }

  /** Listed but never found by the walk, with the manifest that first listed each. */
  * unseen (): Generator<{ key: string, entry: IndexEntry, manifest: number }> {
    const rows = this.#db.prepare('SELECT key, path, min(m) FROM line WHERE n = 0 AND seen = 0 GROUP BY key').raw().iterate() as IterableIterator<[string, string, number]>
    for (const [key, path, manifest] of rows) yield { key, entry: { path, digests: [], seen: false }, manifest }
  }

  /** §6.1.1.1: every listed name that equals an earlier one but for case, with that earlier one. */
  * caseCollisions (): Generator<{ path: string, other: string }> {
    if (!this.#mixedCase) return
    this.#db.function('lantai_lower', { deterministic: true }, (s: unknown) => String(s).toLowerCase())
    // A bare column beside min() comes from the row holding the minimum (SQLite's documented rule).
    const rows = this.#db.prepare(`SELECT lantai_lower(key) AS lower, key, path, min(m) AS first, line FROM line WHERE n = 0
      GROUP BY key ORDER BY lower, first, line`).raw().iterate() as IterableIterator<[string, string, string]>
    let lower: string | undefined
    let other = ''
    for (const [l, key, path] of rows) {
      if (l === lower) yield { path, other }
      else { lower = l; other = key }
    }
  }

  close (): void {
    if (this.#db.open) this.#db.close()
  }
}

/** Rows of one key, back into the in-memory shape: the first line's path, a digest per manifest, conflicts. */
function toEntry (rows: readonly LineRow[]): IndexEntry | undefined {
  if (rows.length === 0) return undefined
  const digests: Array<string | undefined> = []
  let conflicts: IndexEntry['conflicts']
  let first: LineRow | undefined
  for (const row of rows) {
    const [m, n, digest, , line] = row
    if (first === undefined || m < first[0] || (m === first[0] && n < first[1])) first = row
    if (n === 0) digests[m] = digest
    else (conflicts ??= []).push({ manifest: m, digest, line })
  }
  return { path: first?.[3] ?? '', digests, ...(conflicts === undefined ? {} : { conflicts }), seen: true }
}
