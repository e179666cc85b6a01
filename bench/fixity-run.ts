// The child of the fixity part of `npm run bench`: one full fixity pass over a data directory, opened the
// way `lantai fixity run` opens it (src/cli/commands/fixity.ts), but with the read-rate throttle lifted
// and no grace pause, so the number is what the hashing and the catalogue can do, not the policy's pace.
// Usage: node --import tsx bench/fixity-run.ts <data-dir> [max-seconds]
// Prints one JSON line: { checked, total, bytes, ok, mismatches, missing, ms, maxRssMB }; exits 0 whatever
// it found (the parent reports mismatches). With max-seconds the pass is aborted at that deadline (between
// files, as a signal stops a manual run) and `checked` < `total` says it did not finish.
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { HashPool } from '../src/hashing/index.js'
import { openCatalogue } from '../src/catalogue/index.js'
import { loadConfig } from '../src/config.js'
import { FixityService, loadFixityPolicy } from '../src/fixity/index.js'
import { createLogger } from '../src/logger.js'
import { OcflObjectReader } from '../src/ocfl/index.js'
import { LocalBlobStore } from '../src/storage/index.js'
import { REPO } from './util.js'

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
  const result = await fixity.run({ mode: 'all', agent: 'bench', signal: deadline.signal })
  clearTimeout(timer)
  const ms = Math.round(performance.now() - started)
  // resourceUsage().maxRSS is in KiB.
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024)
  const { checked, bytes, ok, mismatches, missing } = result
  console.log(JSON.stringify({ checked, total, bytes, ok, mismatches, missing, ms, maxRssMB }))
} finally {
  await pool.close()
  await catalogue.close()
}
