// The child of the `catalogue` part of `npm run bench`: builds a synthetic catalogue through the real
// repositories, then times the lookups an archivist's screens make, in a process of its own so that the
// peak RSS it prints is the catalogue's (the PostgreSQL server's memory is its own, not counted).
// Usage: node --import tsx bench/catalogue-run.ts <sqlite file | postgres:// url> <packages> <files per package> <samples> <seed>
// Prints one JSON line: CatalogueRun (bench/catalogue.ts).
import { statSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { openCatalogue, type Catalogue, type PackageQuery } from '../src/catalogue/index.js'
import { buildCatalogue, pick, seeded, type BuiltCatalogue } from './catalogue-build.js'
import { isPostgresUrl } from './postgres.js'
import { percentile, progress } from './util.js'

export interface QueryFigures { name: string, samples: number, errors: number, p50: number, p95: number, p99: number, max: number }

export interface CatalogueRun {
  packages: number
  files: number
  buildMs: number
  /** peak RSS when the build ended, and at the end of the queries (MB) */
  buildRssMB: number
  maxRssMB: number
  /** the SQLite file and its WAL; null on PostgreSQL */
  fileBytes: number | null
  queries: QueryFigures[]
}

const [target, packagesArg, filesArg, samplesArg, seedArg] = process.argv.slice(2)
const packages = Number(packagesArg)
const filesPerPackage = Number(filesArg)
const samples = Number(samplesArg)
const seed = Number(seedArg)
if (target === undefined || process.argv.length !== 7 || !(packages >= 1) || !(filesPerPackage >= 100) || !(samples >= 1) || !Number.isInteger(seed)) {
  console.error('usage: node --import tsx bench/catalogue-run.ts <sqlite file | postgres:// url> <packages> <files per package ≥ 100> <samples> <seed>')
  process.exit(2)
}

const PAGE = 100
const SEARCH_PAGE = 20
const DAY_MS = 24 * 60 * 60 * 1000
let now = new Date()
const catalogue: Catalogue = await openCatalogue(target, () => now)
try {
  const started = performance.now()
  const built = await buildCatalogue(catalogue, { packages, filesPerPackage, seed }, at => { now = at }, done => {
    if (done % 10 === 0) progress(`catalogue: ${done} of ${packages} packages (${Math.round(done * filesPerPackage / ((performance.now() - started) / 1000))} files/s)`)
  })
  const buildMs = Math.round(performance.now() - started)
  const buildRssMB = maxRssMB()
  now = new Date()
  const queries = await timeQueries(catalogue, built)
  const fileBytes = isPostgresUrl(target) ? null : sizeOf(target) + sizeOf(`${target}-wal`)
  const run: CatalogueRun = { packages, files: packages * filesPerPackage, buildMs, buildRssMB, maxRssMB: maxRssMB(), fileBytes, queries }
  console.log(JSON.stringify(run))
} finally {
  await catalogue.close()
}

async function timeQueries (catalogue: Catalogue, built: BuiltCatalogue): Promise<QueryFigures[]> {
  const rand = seeded(seed + 1)
  const span = built.last.getTime() - built.first.getTime()
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
  // A window of one month to two years somewhere in the catalogue's life, as a date picker gives it.
  const window = (): { createdFrom: string, createdTo: string } => {
    const from = built.first.getTime() + rand() * span
    return { createdFrom: day(from), createdTo: day(from + (30 + rand() * 700) * DAY_MS) }
  }
  const searches: Array<() => PackageQuery> = [
    () => ({ projectCode: pick(rand, built.projectCodes), limit: SEARCH_PAGE, offset: 0 }),
    () => ({ unit: pick(rand, built.units), limit: SEARCH_PAGE, offset: SEARCH_PAGE * Math.floor(rand() * 3) }),
    () => ({ ...window(), limit: SEARCH_PAGE, offset: SEARCH_PAGE * Math.floor(rand() * 3) }),
    () => ({ unit: pick(rand, built.units), ...window(), limit: SEARCH_PAGE, offset: 0 })
  ]
  const lastPage = filesPerPackage - PAGE
  return [
    await time('package by id (packages.get)', async () => (await catalogue.packages.get(pick(rand, built.packageIds))) !== null),
    await time('package by project code (packages.getByProject)', async () => (await catalogue.packages.getByProject(pick(rand, built.projectCodes))) !== null),
    await time(`${PAGE} files of a package at a random offset (packages.files)`, async i => {
      // every fourth sample is the last page: the deepest offset a reader can ask for
      const offset = i % 4 === 0 ? lastPage : Math.floor(rand() * (lastPage + 1))
      const page = await catalogue.packages.files(pick(rand, built.packageIds), { limit: PAGE, offset })
      return page.items.length === PAGE && page.total === filesPerPackage
    }),
    await time(`search by project / unit / date range, ${SEARCH_PAGE} a page (packages.search)`, async i => {
      const query: PackageQuery = (searches[i % searches.length] ?? searches[0] ?? (() => ({ limit: SEARCH_PAGE, offset: 0 })))()
      const page = await catalogue.packages.search(query)
      return query.projectCode === undefined ? page.items.length <= SEARCH_PAGE : page.items.length === 1
    })
  ]
}

/** Warm (a tenth of the samples, not counted), then `samples` calls one after another; a wrong answer counts as an error. */
async function time (name: string, sample: (i: number) => Promise<boolean>): Promise<QueryFigures> {
  progress(`catalogue: ${name}`)
  for (let i = 0; i < Math.ceil(samples / 10); i++) await sample(i)
  const ms: number[] = []
  let errors = 0
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now()
    const ok = await sample(i)
    ms.push(performance.now() - t0)
    if (!ok) errors++
  }
  const [p50, p95, p99] = [50, 95, 99].map(p => percentile(ms, p))
  return { name, samples, errors, p50: p50 ?? 0, p95: p95 ?? 0, p99: p99 ?? 0, max: Math.max(...ms) }
}

function sizeOf (file: string): number { try { return statSync(file).size } catch { return 0 } }

// resourceUsage().maxRSS is in KiB.
function maxRssMB (): number { return Math.round(process.resourceUsage().maxRSS / 1024) }
