import { link, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createBag } from '../bagit/index.js'
import type { CheckpointSigner } from '../audit/index.js'
import type { Catalogue, Drill, DrillCandidate } from '../catalogue/index.js'
import type { HashPool } from '../hashing/index.js'
import { loadInventory, objectRootOf, validateObject } from '../ocfl/index.js'
import { copyObject } from '../recovery/copy-object.js'
import { LocalBlobStore, type BlobStore } from '../storage/index.js'
import { REPORT_FORMAT, signReport } from './report.js'

// A restore drill (issue 16 item 8, research-preservation.md §10 lesson 10: a copy never restored is a
// hope, not a backup): a sample of packages, least recently drilled first, restored from one node into
// a clean temporary location, each object validated and checked against the catalogue's digests, its
// head exported as a BagIt bag and validated; RTO is the time that took, RPO the node's replication lag.
// The report is signed and kept as a drill row and an event.

export interface DrillOptions {
  catalogue: Catalogue
  /** the node's storage root */
  source: BlobStore
  node: string
  /** packages to restore; default 3 */
  sample?: number
  /** where the clean restore location is made (and removed afterwards) */
  scratch: string
  pool: HashPool
  signer: CheckpointSigner | null
  agent?: string
  /** for the sample draw; Math.random by default */
  random?: () => number
  signal?: AbortSignal
  onPackage?: (p: DrilledPackage) => void
}

export interface DrilledPackage {
  packageId: string
  projectCode: string
  ocflId: string
  /** the catalogue's head */
  head: number
  /** the head the node held; null when the node does not hold the object */
  restoredHead: number | null
  files: number
  bytes: number
  ocflErrors: string[]
  /** content paths whose sha512 on the node is not the catalogue's */
  digestMismatches: string[]
  bag: { valid: boolean, files: number, errors: string[] }
  outcome: 'passed' | 'failed'
  ms: number
}

export interface DrillReport {
  format: typeof REPORT_FORMAT
  id: string
  node: string
  source: string
  startedAt: string
  finishedAt: string
  sample: number
  rtoMs: number
  rpoMs: number | null
  outcome: 'passed' | 'failed'
  packages: DrilledPackage[]
}

/** `n` of the candidates, drawn with weights falling with staleness rank: the least recently drilled most likely, none starved. */
export function drawSample (candidates: readonly DrillCandidate[], n: number, random: () => number = Math.random): DrillCandidate[] {
  const pool = [...candidates]
  const out: DrillCandidate[] = []
  while (out.length < n && pool.length > 0) {
    const weights = pool.map((_, i) => pool.length - i)
    let r = random() * weights.reduce((a, b) => a + b, 0)
    let i = 0
    while (i < pool.length - 1 && r >= (weights[i] ?? 0)) r -= weights[i++] ?? 0
    out.push(...pool.splice(i, 1))
  }
  return out
}

export async function runDrill (o: DrillOptions): Promise<{ drill: Drill, report: DrillReport }> {
  const sample = o.sample ?? 3
  const id = o.catalogue.drills.newId()
  const startedAt = new Date()
  const t0 = performance.now()
  // RPO is the node's lag when the drill starts: what a restore from it now would lose
  const rpoMs = await o.catalogue.drills.lag(o.node)
  const chosen = drawSample(await o.catalogue.drills.candidates(Math.max(sample * 2, sample)), sample, o.random)
  await mkdir(o.scratch, { recursive: true })
  const clean = await mkdtemp(join(o.scratch, `drill-${id}-`))
  const packages: DrilledPackage[] = []
  try {
    for (const c of chosen) {
      o.signal?.throwIfAborted()
      const drilled = await drillPackage(o, c, join(clean, c.packageId))
      packages.push(drilled)
      o.onPackage?.(drilled)
    }
  } finally {
    await rm(clean, { recursive: true, force: true })
  }
  const rtoMs = Math.round(performance.now() - t0)
  const finishedAt = new Date(startedAt.getTime() + rtoMs)
  const outcome = packages.every(p => p.outcome === 'passed') ? 'passed' : 'failed'
  const report: DrillReport = {
    format: REPORT_FORMAT, id, node: o.node, source: o.source.description, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(),
    sample: packages.length, rtoMs, rpoMs, outcome, packages
  }
  const json = JSON.stringify(report)
  const signed = signReport(json, o.signer)
  const drill = await o.catalogue.drills.record({
    id, nodeId: o.node, outcome, sampleSize: packages.length, rtoMs, rpoMs, report: json, ...signed, agent: o.agent ?? 'system', startedAt: report.startedAt, finishedAt: report.finishedAt
  }, packages.map(p => ({ packageId: p.packageId, outcome: p.outcome })))
  return { drill, report }
}

async function drillPackage (o: DrillOptions, c: DrillCandidate, dir: string): Promise<DrilledPackage> {
  const t0 = performance.now()
  const result: DrilledPackage = {
    packageId: c.packageId, projectCode: c.projectCode, ocflId: c.ocflId, head: c.headVersion, restoredHead: null, files: 0, bytes: 0,
    ocflErrors: [], digestMismatches: [], bag: { valid: false, files: 0, errors: [] }, outcome: 'failed', ms: 0
  }
  const done = (): DrilledPackage => {
    result.ms = Math.round(performance.now() - t0)
    result.outcome = result.restoredHead !== null && result.ocflErrors.length === 0 && result.digestMismatches.length === 0 && result.bag.valid ? 'passed' : 'failed'
    return result
  }
  const objectRoot = objectRootOf(c.ocflId)
  const store = new LocalBlobStore(join(dir, 'store'))
  await mkdir(store.root, { recursive: true })
  const copied = await copyObject(o.source, store, objectRoot, dir, o.signal)
  result.files = copied.files
  result.bytes = copied.bytes
  if (copied.files === 0) { result.ocflErrors.push('NOT_ON_NODE'); return done() }
  const validation = await validateObject(store, objectRoot, { pool: o.pool, signal: o.signal })
  result.ocflErrors = validation.errors.map(f => `${f.code}${f.path === undefined ? '' : ` ${f.path}`}`)
  const loaded = await loadInventory(store, objectRoot).catch(() => undefined)
  if (loaded === undefined) return done()
  const inventory = loaded.inventory
  result.restoredHead = Number(inventory.head.slice(1))
  // A node may be behind (that is RPO), never different: every content it holds must be the catalogue's
  for (const [digest, paths] of Object.entries(inventory.manifest)) {
    for (const p of paths) {
      const row = await o.catalogue.packages.content(c.packageId, p)
      if (row === null || row.sha512 !== digest.toLowerCase()) result.digestMismatches.push(p)
    }
  }
  // The BagIt export of the restored head: its payload (data/…) hard-linked from the restored object, bagged and validated
  const state = inventory.versions[inventory.head]?.state ?? {}
  const bagDir = join(dir, 'bag')
  const byDigest = new Map(Object.entries(inventory.manifest).map(([d, ps]) => [d.toLowerCase(), ps[0] as string]))
  let payload = 0
  for (const [digest, logical] of Object.entries(state)) {
    const content = byDigest.get(digest.toLowerCase())
    if (content === undefined) continue
    for (const l of logical) {
      if (!l.startsWith('data/')) continue
      const to = join(bagDir, ...l.slice(5).split('/'))
      await mkdir(dirname(to), { recursive: true })
      await link(join(store.root, ...objectRoot.split('/'), ...content.split('/')), to)
      payload++
    }
  }
  if (payload === 0) { result.bag.errors.push('no payload in the head'); return done() }
  try {
    const bag = await createBag(bagDir, { pool: o.pool, info: [{ label: 'External-Identifier', value: c.ocflId }], agent: 'lantai drill' })
    result.bag = { valid: bag.report.valid, files: bag.files, errors: bag.report.errors.map(f => f.code) }
  } catch (err) {
    result.bag.errors.push((err as Error).message)
  }
  return done()
}
