import Database from 'better-sqlite3'
import type { Digests } from '../hashing/index.js'

// The payload of an archive validated as a stream: one row (archive path, size, digests) per payload
// entry, hashed in flight and never written out. Kept in an anonymous SQLite database (deleted when
// closed), as the payload index is (payload-index.ts), so the validator's memory does not grow with the
// file count; a scratch file, one transaction from open to close, no journal.

const CACHE_KIB = 4 * 1024

export interface ListedFile { readonly name: string, readonly size: number, readonly digests: Digests }

export class ArchiveListing {
  readonly #db: Database.Database
  readonly #put: Database.Statement<[string, number, string]>
  readonly #get: Database.Statement<[string]>
  #rows = 0

  constructor () {
    this.#db = new Database('')
    this.#db.pragma('journal_mode = OFF')
    this.#db.pragma('synchronous = OFF')
    this.#db.pragma(`cache_size = -${CACHE_KIB}`)
    this.#db.exec('CREATE TABLE entry (name TEXT PRIMARY KEY, size INTEGER NOT NULL, digests TEXT NOT NULL) WITHOUT ROWID')
    this.#db.exec('BEGIN')
    this.#put = this.#db.prepare('INSERT INTO entry (name, size, digests) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET size = excluded.size, digests = excluded.digests')
    this.#get = this.#db.prepare('SELECT digests FROM entry WHERE name = ?').pluck()
  }

  get size (): number { return this.#rows }

  /** Records an entry, or adds digests to one recorded before (a second pass for algorithms found late). */
  put (name: string, size: number, digests: Digests): void {
    const before = this.digestsOf(name)
    if (before === undefined) this.#rows++
    this.#put.run(name, size, JSON.stringify({ ...before, ...digests }))
  }

  digestsOf (name: string): Digests | undefined {
    const json = this.#get.get(name) as string | undefined
    return json === undefined ? undefined : JSON.parse(json) as Digests
  }

  /** Whether some entry lacks one of `algorithms`: then the archive must be read a second time. */
  lacksAny (algorithms: readonly string[]): boolean {
    if (algorithms.length === 0 || this.#rows === 0) return false
    const where = algorithms.map(() => 'json_extract(digests, ?) IS NULL').join(' OR ')
    return this.#db.prepare(`SELECT 1 FROM entry WHERE ${where} LIMIT 1`).get(...algorithms.map(a => `$.${a}`)) !== undefined
  }

  /** Every entry, in name order; do not call put() while iterating. */
  * files (): Generator<ListedFile> {
    const rows = this.#db.prepare('SELECT name, size, digests FROM entry ORDER BY name').raw().iterate() as IterableIterator<[string, number, string]>
    for (const [name, size, digests] of rows) yield { name, size, digests: JSON.parse(digests) as Digests }
  }

  close (): void {
    if (this.#db.open) this.#db.close()
  }
}
