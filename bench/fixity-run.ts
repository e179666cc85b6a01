// The child of the fixity part of `npm run bench`: one full fixity pass over a data directory, opened the
// way `lantai fixity run` opens it (src/cli/commands/fixity.ts), but with the read-rate throttle lifted
// and no grace pause, and the policy's one digest (sha512 unless storage-policies/fixity.yaml says
// otherwise; LANTAI_BENCH_FIXITY_ALL=1: every kept digest), so the number is what the hashing and the catalogue can do, not the policy's pace.
// Usage: node --import tsx bench/fixity-run.ts <data-dir> [max-seconds]
// Prints one JSON line: { checked, total, bytes, ok, mismatches, missing, ms, maxRssMB }; exits 0 whatever
// it found (the parent reports mismatches). With max-seconds the pass is aborted at that deadline (between
// files, as a signal stops a manual run) and `checked` < `total` says it did not finish.
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { REPO } from './util.js'
import type * as Hashing from '../src/hashing/index.js'
import type * as Catalogue from '../src/catalogue/index.js'
import type * as Config from '../src/config.js'
import type * as Fixity from '../src/fixity/index.js'
import type * as Logger from '../src/logger.js'
import type * as Ocfl from '../src/ocfl/index.js'
import type * as Storage from '../src/storage/index.js'

// The compiled modules (dist/, built by the parent), as `lantai fixity run` loads them: through tsx the
// hash workers paid for compiling TypeScript in every thread, which the command does not.
const dist = async <T>(path: string): Promise<T> => await import(pathToFileURL(join(REPO, 'dist', path)).href) as T
const { HashPool } = await dist<typeof Hashing>('hashing/index.js')
const { openCatalogue } = await dist<typeof Catalogue>('catalogue/index.js')
const { loadConfig } = await dist<typeof Config>('config.js')
const { FixityService, loadFixityPolicy } = await dist<typeof Fixity>('fixity/index.js')
const { createLogger } = await dist<typeof Logger>('logger.js')
const { OcflObjectReader } = await dist<typeof Ocfl>('ocfl/index.js')
const { LocalBlobStore } = await dist<typeof Storage>('storage/index.js')

const dataDir = process.argv[2]
const maxSeconds = Number(process.argv[3] ?? Infinity)
if (dataDir === undefined || process.argv.length > 4 || !(maxSeconds > 0)) {
  console.error('usage: node --import tsx bench/fixity-run.ts <data-dir> [max-seconds]')
  process.exit(2)
}

const config = loadConfig({ LANTAI_DATA: dataDir }, REPO)
const policy = { ...await loadFixityPolicy(config.policiesDir), rateBytesPerSecond: Number.MAX_SAFE_INTEGER, graceSeconds: 0 }
const catalogue = await openCatalogue(join(config.dataDir, 'catalogue.sqlite'))
// Timed from before the pool exists, as `lantai fixity run` pays for starting its workers too.
const started = performance.now()
const pool = new HashPool()
try {
  const fixity = new FixityService({
    catalogue, pool, policy, reader: new OcflObjectReader(new LocalBlobStore(join(config.dataDir, 'store'))), log: createLogger('warn')
  })
  const total = (await catalogue.packages.fixitySummary()).contents
  const deadline = new AbortController()
  const timer = Number.isFinite(maxSeconds) ? setTimeout(() => { deadline.abort() }, maxSeconds * 1000) : undefined
  const result = await fixity.run({ mode: 'all', agent: 'bench', signal: deadline.signal, allDigests: process.env.LANTAI_BENCH_FIXITY_ALL === '1' })
  clearTimeout(timer)
  const ms = Math.round(performance.now() - started)
  // resourceUsage().maxRSS is in KiB.
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024)
  const { checked, bytes, ok, mismatches, missing, algorithm } = result
  console.log(JSON.stringify({ checked, total, bytes, ok, mismatches, missing, ms, maxRssMB, algorithm }))
} finally {
  await pool.close()
  await catalogue.close()
}
