// The child of the seals part of `npm run bench`: the seal stage of ingest (checkSeals,
// src/ingest/seals-stage.ts) over one submission directory, with the trust store loaded the way the
// service loads certs/ (loadTrustStore), in a process of its own so the peak RSS it prints is its own.
// Usage: node --import tsx bench/seals-run.ts <submission-dir> <trust-dir>
// Prints one JSON line: { files, signatures, passed, paperWaived, ms, mainThreadBusy, maxRssMB, problems },
// where `ms` is checkSeals alone (the trust store and the verifier pool are set up once per service, not
// per submission), `mainThreadBusy` the main thread's event-loop utilization meanwhile, and `problems`
// names up to ten signatures that did not pass.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { checkSeals } from '../src/ingest/seals-stage.js'
import { loadTrustStore, SealVerifierPool } from '../src/seals/index.js'

const [dir, trustDir] = process.argv.slice(2)
if (dir === undefined || trustDir === undefined || process.argv.length > 4) {
  console.error('usage: node --import tsx bench/seals-run.ts <submission-dir> <trust-dir>')
  process.exit(2)
}

const trust = await loadTrustStore(trustDir)
const paths: string[] = []
for (const p of (await readdir(dir, { recursive: true })).sort()) if ((await stat(join(dir, p))).isFile()) paths.push(p)
// As ingest does it: off the main thread, in the service's SealVerifierPool, here with one worker, so
// that verification has one core as the peer has. The service starts its pool once, so the worker is
// started (its modules loaded, the trust store sent) before the clock: a certificate in the store is an
// unsigned file to it.
const pool = new SealVerifierPool({ workers: 1 })
const someCertificate = (await readdir(join(trustDir, 'roots')))[0]
if (someCertificate !== undefined) await pool.verify(join(trustDir, 'roots', someCertificate), { trust })
const started = performance.now()
const elu = performance.eventLoopUtilization()
const result = await checkSeals(dir, paths, trust, { verifier: pool })
const ms = Math.round(performance.now() - started)
// how busy the main thread was meanwhile (the API's thread in the service): 0 is idle, 1 is saturated
const mainThreadBusy = Number(performance.eventLoopUtilization(elu).utilization.toFixed(3))
await pool.close()
const signatures = result.files.flatMap(f => f.signatures.map(s => ({ path: f.path, ...s })))
const failing = signatures.filter(s => s.indication !== 'TOTAL_PASSED')
// resourceUsage().maxRSS is in KiB.
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024)
console.log(JSON.stringify({
  files: result.summary.files,
  signatures: signatures.length,
  passed: signatures.length - failing.length,
  paperWaived: result.summary.paperWaived,
  ms,
  mainThreadBusy,
  maxRssMB,
  problems: failing.slice(0, 10).map(s => `${s.path} ${s.id}: ${s.indication}/${s.subIndication ?? ''} ${s.reasons.join('; ')}`)
}))
