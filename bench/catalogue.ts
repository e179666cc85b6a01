// The `catalogue` part of `npm run bench` (issue 12 item 5): per engine, a catalogue of 1,000,000 files
// in 1,000 packages built by a child (bench/catalogue-run.ts) through the real repositories, then package
// lookups, pages of a package's files and package searches timed one after another. SQLite gets a fresh
// file under the bench's temp dir; PostgreSQL, when an admin URL is given, a fresh database, dropped after.
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { CatalogueRun } from './catalogue-run.js'
import { createScratchDatabase } from './postgres.js'
import { REPO, run } from './util.js'

export const CATALOGUE_P99_TARGET_MS = 20

export type Engine = 'sqlite' | 'postgres'

export interface CatalogueOptions {
  packages: number
  filesPerPackage: number
  samples: number
  seed: number
  /** An admin URL of a PostgreSQL server (CREATE DATABASE allowed); null: SQLite only. */
  postgresUrl: string | null
}

export interface CatalogueOutcome { engine: Engine, run: CatalogueRun | null, error: string | null }

export async function benchCatalogue (root: string, options: CatalogueOptions): Promise<CatalogueOutcome[]> {
  const outcomes: CatalogueOutcome[] = []
  const dir = join(root, 'catalogue')
  await mkdir(dir, { recursive: true })
  try {
    outcomes.push(await side('sqlite', join(dir, 'catalogue.sqlite'), options))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  if (options.postgresUrl !== null) {
    const db = await createScratchDatabase(options.postgresUrl, 'catalogue')
    try {
      outcomes.push(await side('postgres', db.url, options))
    } finally {
      await db.drop()
    }
  }
  return outcomes
}

/** One engine; a child that fails (e.g. an engine the catalogue cannot open) is reported, not fatal. */
async function side (engine: Engine, target: string, o: CatalogueOptions): Promise<CatalogueOutcome> {
  try {
    const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'catalogue-run.ts'),
      target, String(o.packages), String(o.filesPerPackage), String(o.samples), String(o.seed)], REPO)
    const line = out.trim().split('\n').pop() ?? ''
    return { engine, run: JSON.parse(line) as CatalogueRun, error: null }
  } catch (err) {
    return { engine, run: null, error: err instanceof Error ? err.message : String(err) }
  }
}

export function catalogueFailed (outcomes: readonly CatalogueOutcome[]): boolean {
  return outcomes.some(o => o.run === null || o.run.queries.some(q => q.errors > 0))
}

/** The build of each engine: rows written through the repositories, and the memory it took. */
export function catalogueBuildRows (outcomes: readonly CatalogueOutcome[]): string[][] {
  return outcomes.map(({ engine, run, error }) => run === null
    ? [engine, '-', '-', '-', '-', `FAILED: ${error ?? ''}`.slice(0, 200)]
    : [
        engine, `${run.files.toLocaleString('en')} in ${run.packages.toLocaleString('en')}`, (run.buildMs / 1000).toFixed(1),
        Math.round(run.files / (run.buildMs / 1000)).toLocaleString('en'), `${run.buildRssMB} / ${run.maxRssMB}`,
        run.fileBytes === null ? '(server)' : `${(run.fileBytes / 1024 / 1024).toFixed(0)} MiB`
      ])
}

export function catalogueQueryRows (outcomes: readonly CatalogueOutcome[]): string[][] {
  return outcomes.flatMap(({ engine, run }) => (run?.queries ?? []).map(q => [
    engine, q.name, String(q.samples), String(q.errors), q.p50.toFixed(2), q.p95.toFixed(2),
    `${q.p99.toFixed(2)} ${q.p99 < CATALOGUE_P99_TARGET_MS ? 'PASS' : 'FAIL'}`, q.max.toFixed(1)
  ]))
}
