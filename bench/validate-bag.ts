// The child of `npm run bench`: validates one bag in a process of its own, so the peak RSS it prints
// (worker threads included) is the validator's and nobody else's.
// Usage: node --import tsx bench/validate-bag.ts <bag-dir | tar | tar.gz | zip>
// Prints one JSON line: { valid, errors, ms, maxRssMB }. An archive goes through validatePackage, as
// `lantai validate` takes it: a tar or tar.gz read as a stream (payload hashed, never written), a zip
// unpacked into staging under the system temp directory, then validated.
import { performance } from 'node:perf_hooks'
import { HashPool } from '../src/hashing/hash.js'
import { validatePackage } from '../src/bagit/package.js'

const dir = process.argv[2]
if (dir === undefined || process.argv.length > 3) {
  console.error('usage: node --import tsx bench/validate-bag.ts <bag-dir | archive>')
  process.exit(2)
}

// Timed from before the pool exists, so starting the workers counts against the validator.
const started = performance.now()
const pool = new HashPool()
try {
  const report = await validatePackage(dir, { pool })
  const ms = Math.round(performance.now() - started)
  for (const f of report.errors.slice(0, 10)) console.error(`${f.code} ${f.path ?? ''}: ${f.message}`)
  // resourceUsage().maxRSS is in KiB.
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024)
  console.log(JSON.stringify({ valid: report.valid, errors: report.errors.length, ms, maxRssMB }))
} finally {
  await pool.close()
}
