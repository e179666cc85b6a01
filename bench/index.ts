// npm run bench [-- --big] [-- --runs=N] [-- --parts=validate,ingest,fixity,latency,seals,catalogue,replicate] [-- --requests=N --concurrency=C]
//   [-- --fixity-seconds=S] [-- --database-url=postgres://…] [-- --catalogue-packages=P --catalogue-files=F --samples=N --seed=S]
// Builds a synthetic 1 GiB BagIt 1.0 bag in a temp dir, then measures, each against what an archivist
// would otherwise run (see README.md for targets and how to read the tables):
//   1. validate: our validator (child process, honest peak RSS) vs bagit-python (`bagit.py --validate
//      --processes 2`) and coreutils (`sha256sum -c` then `sha512sum -c`), and the hashing limit;
//   2. ingest: the bag's tar POSTed to `lantai serve` until `stored` vs `tar -xf` + bagit-python (and
//      + `sha256sum -c`), upload→202 vs the hashing limit of the kept digests, on SQLite and, given a
//      PostgreSQL admin URL, on PostgreSQL too (PostgreSQL/SQLite ratio); --big also sends 200,000 files;
//   3. fixity: a full pass over the stored package vs `sha512sum` over the same content files;
//   4. latency: API p50/p95/p99 with fixity idle and with a fixity run going in the service;
//   5. seals: checkSeals over 1,000 signed PDFs (child process) vs `openssl cms -verify` per signature;
//   6. catalogue: 1,000,000 files in 1,000 packages built through the repositories, then package lookups,
//      file pages and searches timed (p99 < 20 ms), per engine (no bag needed);
//   7. replicate: the bag's stored version copied to one Ceph RGW node and read back (queue → verified)
//      vs `rclone copy` + `rclone check --download` of the same storage root to the same server.
import { createHash, randomFillSync, type Hash } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { benchCatalogue, CATALOGUE_P99_TARGET_MS, catalogueBuildRows, catalogueFailed, catalogueQueryRows } from './catalogue.js'
import { benchFixity, fixityRows } from './fixity.js'
import { benchIngest, canKeepRuns, engineRatioNote, INGEST_HEADER, ingestRows, type IngestOutcome } from './ingest.js'
import { benchLatency, fixityInServiceNote, latencyRows } from './latency.js'
import { dropAllScratch, isPostgresUrl } from './postgres.js'
import { benchReplicate, replicateRows } from './replicate.js'
import { benchSeals, SEAL_FILES, sealsRows, sealsWrong } from './seals.js'
import { ensureBuilt } from './service.js'
import { fmtBytes, killAll, median, MiB, printTable, progress, REPO, run, sh, warm } from './util.js'

/** Issue 13 goal 1: bagit-python's time over ours, ours over the hashing limit, and peak RSS. */
const RATIO_TARGET = 1.3
const LIMIT_TARGET = 1.3
const RSS_TARGET_MB = 100
const PARTS = ['validate', 'ingest', 'fixity', 'latency', 'seals', 'catalogue', 'replicate'] as const
type Part = typeof PARTS[number]

interface BagSpec {
  readonly name: string
  /** Bytes of data/big.bin; 0 for none. */
  readonly bigBytes: number
  readonly smallFiles: number
  readonly smallBytes: number
  readonly filesPerDir: number
}

const CASES: readonly BagSpec[] = [
  { name: '1 GiB: 512 MiB file + 10,000 files', bigBytes: 512 * MiB, smallFiles: 10_000, smallBytes: 512 * MiB, filesPerDir: 100 }
]
const BIG_CASE: BagSpec = { name: '200,000 files of ~1 KiB', bigBytes: 0, smallFiles: 200_000, smallBytes: 200_000 * 1024, filesPerDir: 200 }

interface Entry { readonly path: string, readonly sha256: string, readonly sha512: string }
interface Built { readonly dir: string, readonly bytes: number, readonly files: number }
interface ValidatorRun { valid: boolean, errors: number, ms: number, maxRssMB: number, wallMs: number }
/** bagit-python, the peer archivists run (see ../shared/tools/bagit-python/README.md): used in place, never copied. */
const BAGIT_PYTHON = [join(REPO, '..', 'shared'), join(REPO, '..', '..', 'shared')]
  .map(d => join(d, 'tools', 'bagit-python', 'bagit.py')).find(f => existsSync(f)) ?? null

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => args.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const runs = Number(option('runs', '3'))
const requests = Number(option('requests', '2000'))
const concurrency = Number(option('concurrency', '8'))
const fixitySeconds = Number(option('fixity-seconds', '120'))
const parts = new Set(option('parts', PARTS.join(',')).split(',') as Part[])
// An admin URL (CREATE DATABASE allowed): every PostgreSQL side gets a fresh database of its own, dropped
// after. Not LANTAI_DATABASE_URL: the bench must never build its catalogue in an operator's database.
const postgresUrl = option('database-url', process.env.LANTAI_BENCH_PG_URL ?? '') || null
const cataloguePackages = Number(option('catalogue-packages', '1000'))
const catalogueFiles = Number(option('catalogue-files', '1000'))
const samples = Number(option('samples', '2000'))
const seed = Number(option('seed', '1'))
const unknown = [...parts].filter(p => !PARTS.includes(p))
if (unknown.length > 0 || !(runs >= 1) || !(requests >= 1) || !(concurrency >= 1) || !(fixitySeconds > 0) ||
  (postgresUrl !== null && !isPostgresUrl(postgresUrl)) || !(cataloguePackages >= 1) || !(catalogueFiles >= 100) || !(samples >= 1) || !Number.isInteger(seed)) {
  console.error(`usage: npm run bench -- [--big] [--runs=N] [--parts=${PARTS.join(',')}] [--requests=N] [--concurrency=C] [--fixity-seconds=S]\n` +
    '  [--database-url=postgres://user@host:port/db (or LANTAI_BENCH_PG_URL)] [--catalogue-packages=P] [--catalogue-files=F (≥ 100)] [--samples=N] [--seed=S]')
  process.exit(2)
}
// Fixity and latency need a finished ingest's data directory; replicate needs the bag's tar.
const ingesting = parts.has('ingest') || parts.has('fixity') || parts.has('latency')
const needsTar = ingesting || parts.has('replicate')
const cases = args.includes('--big') ? [...CASES, BIG_CASE] : CASES
const root = await mkdtemp(join(tmpdir(), 'lantai-bench-'))

// Gigabytes of bags, tars and data directories, and a listening service, must not outlive the bench,
// whether it ends, fails or is interrupted.
const cleanUp = (): void => {
  killAll()
  rmSync(root, { recursive: true, force: true })
}
process.on('exit', cleanUp)
// Scratch databases need a connection to drop, which the synchronous exit handler cannot make.
process.on('SIGINT', () => { void dropAllScratch().finally(() => process.exit(130)) })
process.on('SIGTERM', () => { void dropAllScratch().finally(() => process.exit(143)) })

const benchStarted = performance.now()
const fmtLoad = (l: readonly number[]): string => l.map(x => x.toFixed(2)).join(' ')
console.log(`${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; load average ${fmtLoad(loadavg())} at start`)
// Each table is printed as soon as its part ends, so a later part failing loses nothing.
const section = (title: string, table: readonly string[][], note?: string): void => {
  process.stderr.write('\r\x1b[K')
  console.log(`\n${title}`)
  printTable(table)
  if (note !== undefined) console.log(note)
}

const rows: string[][] = []
let failed = false
let tarFile: string | null = null
/** --big with the ingest part: the 200,000-file bag as a tar, sent over HTTP once (issue 13 goal 2's memory bound). */
let bigTarFile: string | null = null
for (const [i, spec] of cases.entries()) {
  const bigIngest = spec === BIG_CASE && parts.has('ingest')
  if (!parts.has('validate') && !(needsTar && i === 0) && !bigIngest) continue
  const bag = await buildBag(join(root, `bag${i}`), spec)
  progress(`warming the page cache for ${spec.name}`)
  await warm(bag.dir)
  if (parts.has('validate')) {
    rows.push(await benchValidate(spec.name, bag, bag.dir))
    // The 200,000-file bag also as a builder would send it: one tar.gz, unpacked by the validator.
    if (spec === BIG_CASE) {
      progress(`tar -czf (${spec.name})`)
      const tgz = join(root, `bag${i}.tar.gz`)
      await run('tar', ['-czf', tgz, '-C', bag.dir, '.'], root, true)
      rows.push(await benchValidate(`${spec.name}, tar.gz`, bag, tgz))
      await rm(tgz, { force: true })
    }
  }
  if (needsTar && i === 0) {
    // The system tar, as a builder would make it; entries are ./bagit.txt, ./data/… (as test/fixtures/service.ts).
    progress(`tar -cf bag.tar (${spec.name})`)
    tarFile = join(root, 'bag.tar')
    await run('tar', ['-cf', tarFile, '-C', bag.dir, '.'], root, true)
  }
  if (bigIngest) {
    progress(`tar -cf big.tar (${spec.name})`)
    bigTarFile = join(root, 'big.tar')
    await run('tar', ['-cf', bigTarFile, '-C', bag.dir, '.'], root, true)
  }
  // Kept for the ingest part when there is room (see canKeepRuns): removed at the end with the rest.
  if (!(needsTar && i === 0 && tarFile !== null && await canKeepRuns(root, (await stat(tarFile)).size, runs + 1))) await rm(bag.dir, { recursive: true, force: true })
}

if (rows.length > 0) {
  section(`1. validate: median of ${runs} runs; limit = the same bytes through createHash on every core, no I/O; bagit-python = bagit.py --validate --processes 2` +
    ' (a tar.gz: tar -xzf first, timed with it); coreutils = sha256sum -c manifest-sha256.txt, then sha512sum -c manifest-sha512.txt', [
    ['bag', 'bytes', 'files', 'validator ms', 'child wall ms', 'limit ms', `validator/limit (≤${LIMIT_TARGET})`, 'bagit-python ms', `bagit-python/validator (≥${RATIO_TARGET})`,
      'coreutils ms', 'coreutils/validator', `peak RSS MB (<${RSS_TARGET_MB})`, 'valid'],
    ...rows
  ], BAGIT_PYTHON === null ? '(bagit-python not found at ../shared/tools/bagit-python/bagit.py: its columns are empty)' : undefined)
}

if (ingesting && tarFile !== null) {
  await ensureBuilt()
  const tarBytes = fmtBytes((await stat(tarFile)).size)
  const ingestRuns = parts.has('ingest') ? runs : 1
  // PostgreSQL's ingest only when the part is asked for: fixity and latency read the SQLite side's data directory.
  const onPostgres = parts.has('ingest') && postgresUrl !== null
  const keep = await canKeepRuns(root, (await stat(tarFile)).size, ingestRuns * (onPostgres ? 2 : 1))
  if (!keep) console.log('(too little free disk to keep every run until the end: each run starts after the last one\'s files were deleted, which slows both sides here)')
  const ingest = await benchIngest(root, tarFile, ingestRuns, keep)
  if (ingest.runs.some(r => r.state !== 'stored')) failed = true
  let pgIngest: IngestOutcome | null = null
  let pgError: string | null = null
  if (onPostgres) {
    try {
      pgIngest = await benchIngest(root, tarFile, ingestRuns, keep, postgresUrl)
      if (pgIngest.runs.some(r => r.state !== 'stored')) failed = true
    } catch (err) {
      failed = true
      pgError = err instanceof Error ? err.message : String(err)
    }
  }
  section(`2. ingest over HTTP (POST start → stored): median of ${ingestRuns} runs per engine; peer = tar -xf bag.tar + bagit.py --validate --processes 2; coreutils = tar -xf + sha256sum -c; hash limit = sha512+sm3+sha256 over the same bytes on ${cpus().length} cores, no I/O`, [
    INGEST_HEADER,
    ...ingestRows(ingest, tarBytes),
    ...(pgIngest === null ? [] : ingestRows(pgIngest, tarBytes))
  ], pgIngest !== null ? engineRatioNote(ingest, pgIngest) : pgError !== null ? `postgres: FAILED: ${pgError}` : undefined)
  if (!parts.has('replicate')) await rm(tarFile, { force: true })
  if (bigTarFile !== null) {
    const big = await benchIngest(root, bigTarFile, 1, false)
    if (big.runs.some(r => r.state !== 'stored')) failed = true
    section('2b. ingest over HTTP of the 200,000-file bag as a tar (--big): one run, as part 2', [INGEST_HEADER, ...ingestRows(big, fmtBytes((await stat(bigTarFile)).size))])
    await rm(bigTarFile, { force: true })
  }
  if (parts.has('fixity')) {
    const fixity = await benchFixity(ingest.dataDir, runs, fixitySeconds)
    if (fixity.runs.some(r => r.mismatches + r.missing > 0)) failed = true
    section(`3. fixity, one round over the stored package (the policy's one digest, sha512; throttle off; child process): median of ${fixity.runs.length} run(s); limit = sha512 through createHash on every core, no I/O, same bytes; peers over the same content files`,
      [['side', 'files checked', 'MB', 'ms', 'MB/s', 'files/s', 'peak RSS MB', 'outcome'], ...fixityRows(fixity)])
  }
  if (parts.has('latency')) {
    const latency = await benchLatency(root, ingest.dataDir, ingest.token, ingest.submissionId, requests, concurrency)
    if (latency.idle.errors + latency.busy.errors > 0) failed = true
    section(`4. API latency, GET /v1/packages?limit=10 and GET /v1/submissions/:id alternately, ${requests} requests, ${concurrency} at a time, 1 run each`,
      [['fixity', 'requests counted / sent', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'req/s'], ...latencyRows(latency)], fixityInServiceNote(latency))
  }
}
if (parts.has('replicate') && tarFile !== null) {
  await ensureBuilt()
  try {
    const replicate = await benchReplicate(root, tarFile)
    if (replicate.wrong) failed = true
    section(`7. replicate: the bag's stored version (${fmtBytes((await stat(tarFile)).size)} tar) to one Ceph RGW node at ${replicate.endpoint} (loopback, scripts/s3-test-servers.ts), one run each; ` +
      'lantai = a child turning the node on and running the queue until the copy is verified (every file read back from the node, sha512 compared); peer = rclone copy, then rclone check --download, of the same storage root to another bucket',
    [['side', 'files', 'bytes', 'ms', 'MB/s', 'peak RSS MB', 'outcome', 'goal: rclone copy+check / lantai ≥ 1'], ...replicateRows(replicate)])
  } catch (err) {
    failed = true
    console.log(`\n7. replicate: FAILED: ${err instanceof Error ? err.message : String(err)}`)
  }
  await rm(tarFile, { force: true })
}
if (parts.has('seals')) {
  // Independent of the bag and the service: its own PDFs and PKI under root/seals.
  const seals = await benchSeals(root, runs, SEAL_FILES)
  if (sealsWrong(seals)) failed = true
  section(`5. seals: checkSeals over ${seals.files} signed PDFs (${fmtBytes(seals.bytes)}, ${seals.signatures} signatures, ${seals.timestamped} PAdES-T), child process: median of ${seals.runs.length} runs; peer = openssl cms -verify once per signature`,
    [['side', 'ms', 'child wall ms', 'seals/s', 'files/s', 'peak RSS MB', 'main thread busy', 'time vs checkSeals', 'outcome'], ...sealsRows(seals)],
    `(PKI and PDFs made in ${(seals.buildMs / 1000).toFixed(0)} s, not timed)`)
}
if (parts.has('catalogue')) {
  // Independent of the bag and the service: a catalogue per engine, built and queried by a child.
  const catalogue = await benchCatalogue(root, { packages: cataloguePackages, filesPerPackage: catalogueFiles, samples, seed, postgresUrl })
  if (catalogueFailed(catalogue)) failed = true
  section(`6. catalogue: ${(cataloguePackages * catalogueFiles).toLocaleString('en')} files in ${cataloguePackages.toLocaleString('en')} packages written through the repositories (one version per package), child process`,
    [['engine', 'files', 'build s', 'files/s', 'peak RSS MB (build / end)', 'catalogue size'], ...catalogueBuildRows(catalogue)],
    postgresUrl === null ? '(SQLite only: give --database-url=postgres://… or LANTAI_BENCH_PG_URL for PostgreSQL)' : undefined)
  section(`   queries, one at a time after ${Math.ceil(samples / 10)} warm-up calls each, seeded choices (--seed=${seed}); ms`,
    [['engine', 'query', 'samples', 'errors', 'p50', 'p95', `p99 (<${CATALOGUE_P99_TARGET_MS})`, 'max'], ...catalogueQueryRows(catalogue)])
}
process.stderr.write('\r\x1b[K')
console.log(`\nload average ${fmtLoad(loadavg())} at end; ${Math.round((performance.now() - benchStarted) / 1000)} s in all`)
process.exitCode = failed ? 1 : 0

async function buildBag (dir: string, spec: BagSpec): Promise<Built> {
  const entries: Entry[] = []
  await mkdir(join(dir, 'data'), { recursive: true })
  if (spec.bigBytes > 0) entries.push(await writeBig(join(dir, 'data', 'big.bin'), 'data/big.bin', spec.bigBytes))

  // Sizes vary ±80% around the mean, scaled so they add up to smallBytes.
  const weights = Array.from({ length: spec.smallFiles }, () => 0.2 + Math.random() * 1.6)
  const scale = spec.smallBytes / weights.reduce((a, b) => a + b, 0)
  const sizes = weights.map(w => Math.floor(w * scale))
  // reduce, not Math.max(...sizes): 200,000 arguments overflow the stack (--big).
  const buffer = Buffer.allocUnsafe(sizes.reduce((a, b) => Math.max(a, b), 1))
  for (let i = 0; i < spec.smallFiles; i++) {
    const sub = `d${String(Math.floor(i / spec.filesPerDir)).padStart(4, '0')}`
    if (i % spec.filesPerDir === 0) await mkdir(join(dir, 'data', sub))
    const path = `data/${sub}/f${String(i).padStart(6, '0')}.bin`
    const bytes = randomFillSync(buffer, 0, sizes[i] ?? 0).subarray(0, sizes[i] ?? 0)
    await writeFile(join(dir, path), bytes)
    entries.push({ path, sha256: hex('sha256', bytes), sha512: hex('sha512', bytes) })
    if ((i + 1) % 1000 === 0) progress(`${spec.name}: ${i + 1} of ${spec.smallFiles} small files`)
  }

  const bytes = spec.bigBytes + sizes.reduce((a, b) => a + b, 0)
  const files = entries.length
  // RFC 8493 §2.1.3: "<checksum> <filepath>" with any whitespace between; two spaces as coreutils writes.
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const tags: Record<string, string> = {
    'bagit.txt': 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
    'bag-info.txt': `Bag-Software-Agent: lantai bench\nBagging-Date: ${new Date().toISOString().slice(0, 10)}\nPayload-Oxum: ${bytes}.${files}\n`,
    'manifest-sha256.txt': entries.map(e => `${e.sha256}  ${e.path}\n`).join(''),
    'manifest-sha512.txt': entries.map(e => `${e.sha512}  ${e.path}\n`).join('')
  }
  for (const [name, text] of Object.entries(tags)) await writeFile(join(dir, name), text)
  const tagManifest = Object.entries(tags).map(([name, text]) => `${hex('sha256', Buffer.from(text))}  ${name}\n`).sort().join('')
  await writeFile(join(dir, 'tagmanifest-sha256.txt'), tagManifest)
  return { dir, bytes, files }
}

/** Random bytes written chunk by chunk, hashed as they go: the file never sits in memory whole. */
async function writeBig (abs: string, path: string, size: number): Promise<Entry> {
  const fh = await open(abs, 'wx')
  const sha256 = createHash('sha256')
  const sha512 = createHash('sha512')
  const chunk = Buffer.allocUnsafe(4 * MiB)
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(chunk.length, size - done)
      const bytes = randomFillSync(chunk, 0, n).subarray(0, n)
      sha256.update(bytes)
      sha512.update(bytes)
      await fh.write(bytes)
      done += n
      if (done % (64 * MiB) === 0 || done === size) progress(`${path}: ${done / MiB} of ${size / MiB} MiB`)
    }
  } finally {
    await fh.close()
  }
  return { path, sha256: digest(sha256), sha512: digest(sha512) }
}

/** One row of part 1: `target` is the bag directory or an archive of it; every side runs `runs` times. */
async function benchValidate (name: string, bag: Built, target: string): Promise<string[]> {
  const archive = target !== bag.dir
  const ours: ValidatorRun[] = []
  const limit: number[] = []
  const python: number[] = []
  const coreutils: number[] = []
  for (let r = 1; r <= runs; r++) {
    progress(`validate ${name}: run ${r} of ${runs}`)
    if (archive) await sh(`cat ${JSON.stringify(target)} > /dev/null`, root)
    const v = await validate(target)
    if (!v.valid) failed = true
    ours.push(v)
    progress(`validate ${name}: run ${r} of ${runs}, the hashing limit`)
    limit.push(await hashingLimit(bag.dir))
    if (BAGIT_PYTHON !== null) {
      progress(`validate ${name}: run ${r} of ${runs}, bagit-python`)
      python.push(await bagitPython(BAGIT_PYTHON, archive ? target : bag.dir, archive))
    }
    if (!archive) coreutils.push(await peerCheck(bag.dir))
  }
  const ms = median(ours.map(v => v.ms))
  const limitMs = median(limit)
  const rss = Math.max(...ours.map(v => v.maxRssMB))
  const overLimit = ms / limitMs
  const pyMs = python.length > 0 ? median(python) : null
  const cuMs = coreutils.length > 0 ? median(coreutils) : null
  return [
    name, fmtBytes(bag.bytes), String(bag.files), String(ms), String(median(ours.map(v => v.wallMs))), String(limitMs),
    `${overLimit.toFixed(2)} ${overLimit <= LIMIT_TARGET ? 'PASS' : 'FAIL'}`,
    pyMs === null ? '—' : String(pyMs), pyMs === null ? '—' : `${(pyMs / ms).toFixed(2)} ${pyMs / ms >= RATIO_TARGET ? 'PASS' : 'FAIL'}`,
    cuMs === null ? '—' : String(cuMs), cuMs === null ? '—' : (cuMs / ms).toFixed(2),
    `${rss} ${rss < RSS_TARGET_MB ? 'PASS' : 'FAIL'}`,
    ours.every(v => v.valid) ? 'yes' : `NO (${Math.max(...ours.map(v => v.errors))} errors)`
  ]
}

async function hashingLimit (dir: string): Promise<number> {
  const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'validate-limit.ts'), dir], REPO)
  return (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number }).ms
}

/** bagit.py over a directory; over an archive, `tar -xzf` into a fresh directory first, timed together. */
async function bagitPython (script: string, target: string, archive: boolean): Promise<number> {
  const started = performance.now()
  let dir = target
  if (archive) {
    dir = await mkdtemp(join(root, 'py-'))
    await run('tar', ['-xzf', target, '-C', dir], root, true)
  }
  try {
    await run('python3', [script, '--validate', '--processes', '2', '--quiet', dir], root, true)
    return Math.round(performance.now() - started)
  } finally {
    if (archive) await rm(dir, { recursive: true, force: true })
  }
}

async function validate (dir: string): Promise<ValidatorRun> {
  const started = performance.now()
  const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'validate-bag.ts'), dir], REPO)
  const wallMs = Math.round(performance.now() - started)
  const line = out.trim().split('\n').pop() ?? ''
  return { ...(JSON.parse(line) as Omit<ValidatorRun, 'wallMs'>), wallMs }
}

/** Both manifests, one coreutils call each, as the same cache state allows. */
async function peerCheck (dir: string): Promise<number> {
  const started = performance.now()
  await run('sha256sum', ['-c', 'manifest-sha256.txt'], dir, true)
  await run('sha512sum', ['-c', 'manifest-sha512.txt'], dir, true)
  return Math.round(performance.now() - started)
}

// Function declarations, not arrows: the top-level loop above runs before a `const` here would exist.
function hex (alg: string, bytes: Uint8Array): string { return createHash(alg).update(bytes).digest('hex') }
function digest (h: Hash): string { return h.digest('hex') }
