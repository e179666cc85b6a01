import { createRequire } from 'node:module'

// A dependency that most runs never call (legacy code pages, zip archives) is loaded on first use,
// not at import: `lantai validate` of a plain UTF-8 directory bag otherwise paid for iconv-lite's
// tables and yauzl in resident memory (issue 13 holds validation under 100 MB). CommonJS modules
// only: require() is synchronous, so callers stay as they were.
const require = createRequire(import.meta.url)

/** A getter that requires `id` the first time it is called and returns the same module after. */
export function lazyModule<T> (id: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= require(id) as T)
}
