import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { MasterKey } from '../access/index.js'
import { openCatalogue, type Catalogue, type TierLabel } from '../catalogue/index.js'
import { isLantaiError, LantaiError } from '../errors.js'
import type { HashPool } from '../hashing/index.js'
import {
  initStorageRoot, loadInventory, OcflObjectReader, projectCodeOf, STORAGE_DECLARATION, validateObject, type OcflFinding
} from '../ocfl/index.js'
import { LocalBlobStore, readAll, type BlobStore } from '../storage/index.js'
import { SealedStore } from '../replication/index.js'
import { copyObject } from './copy-object.js'
import { parseManifest, parseMessage, versionRecords } from './object-record.js'

// `lantai catalogue rebuild --from NODE` (issue 16 item 7, research-preservation.md §7 rule 2): one
// surviving node is enough, because OCFL is self-describing. Each object is copied into staging,
// validated there, moved into the new storage root in one rename, and only then recorded in the new
// catalogue (docs/recovery.md says which columns come back exactly and which are derived).

export interface RebuildProgress { done: number, total: number, objectId: string | undefined, ok: boolean }

export interface RebuildOptions {
  source: BlobStore
  /** LANTAI_MASTER_KEY: opens the wrapped tier keys of objects the node holds sealed (absent: those objects fail) */
  master?: MasterKey | null
  /** the node's id, for events and the report */
  node: string
  /** a SQLite file path or a postgres:// URL: must hold no project, submission or package */
  database: string
  /** the new local storage root: absent or an empty directory */
  storeDir: string
  scratch: string
  pool: HashPool
  onProgress?: (p: RebuildProgress) => void
  signal?: AbortSignal
}

export interface RebuildFailure { objectRoot: string, objectId: string | undefined, problem: string, findings: OcflFinding[] }

export interface RebuildReport {
  node: string
  objects: number
  packages: number
  versions: number
  files: number
  bytes: number
  failed: RebuildFailure[]
  ms: number
}

export async function rebuildFromNode (options: RebuildOptions): Promise<RebuildReport> {
  const started = Date.now()
  // Sealed (classified) objects are read through their keys and come back as plaintext, labelled again.
  const sealed = new SealedStore(options.source, options.master == null ? null : { master: options.master }, options.scratch)
  const o = { ...options, source: sealed as BlobStore }
  if (await o.source.stat(STORAGE_DECLARATION) === null) throw new LantaiError('RESTORE_SOURCE_INVALID', `${o.node} (${o.source.description}) has no ${STORAGE_DECLARATION}`, { node: o.node })
  if ((await readdir(o.storeDir).catch(() => [])).length > 0) throw new LantaiError('RESTORE_TARGET_NOT_EMPTY', o.storeDir, { path: o.storeDir })
  // The catalogue's clock is the version's own creation time while its rows are written, so a rebuilt
  // version is dated as the object dates it, not by the hour of the rebuild.
  let at: Date | null = null
  const catalogue = await openCatalogue(o.database, () => at ?? new Date())
  const staging = `${o.storeDir.replace(/\/+$/, '')}.rebuild-${randomBytes(4).toString('hex')}`
  try {
    if (!await catalogue.restore.isEmpty()) throw new LantaiError('RESTORE_TARGET_NOT_EMPTY', 'the catalogue already holds projects or packages', { database: o.database.replace(/\/\/[^@]*@/, '//') })
    await mkdir(o.storeDir, { recursive: true })
    await mkdir(staging, { recursive: true })
    const target = new LocalBlobStore(o.storeDir)
    const stage = new LocalBlobStore(staging)
    await initStorageRoot(target)
    const listed: Array<{ objectRoot: string, id?: string, problem?: string }> = []
    for await (const obj of new OcflObjectReader(o.source).listObjects()) listed.push(obj)
    const report: RebuildReport = { node: o.node, objects: listed.length, packages: 0, versions: 0, files: 0, bytes: 0, failed: [], ms: 0 }
    let done = 0
    for (const obj of listed) {
      o.signal?.throwIfAborted()
      const failure = await restoreOne(o, sealed, catalogue, stage, target, obj.objectRoot, obj.id, obj.problem, d => { at = d }, report)
      at = null
      if (failure !== null) report.failed.push(failure)
      o.onProgress?.({ done: ++done, total: listed.length, objectId: obj.id, ok: failure === null })
    }
    report.ms = Date.now() - started
    await catalogue.events.append({
      type: 'catalogue.rebuilt', outcome: report.failed.length === 0 ? 'success' : 'warning', agent: 'system', objectType: 'system', objectId: 'catalogue',
      detail: { node: o.node, source: o.source.description, objects: report.objects, packages: report.packages, versions: report.versions, failed: report.failed.map(f => f.objectRoot), ms: report.ms }
    })
    return report
  } finally {
    await rm(staging, { recursive: true, force: true })
    await catalogue.close()
  }
}

async function restoreOne (o: RebuildOptions, sealed: SealedStore, catalogue: Catalogue, stage: LocalBlobStore, target: LocalBlobStore, objectRoot: string, id: string | undefined, problem: string | undefined,
  setClock: (d: Date | null) => void, report: RebuildReport): Promise<RebuildFailure | null> {
  const fail = (why: string, findings: OcflFinding[] = []): RebuildFailure => ({ objectRoot, objectId: id, problem: why, findings })
  if (problem !== undefined || id === undefined) return fail(problem ?? 'no object id')
  const projectCode = projectCodeOf(id)
  if (projectCode === undefined) return fail(`${id} is not a Lantai project object`)
  try {
    await copyObject(o.source, stage, objectRoot, o.scratch, o.signal)
  } catch (err) {
    o.signal?.throwIfAborted()
    // a sealed file that does not decrypt, a key missing: this object fails, the others are restored
    if (!isLantaiError(err) || !err.code.startsWith('KEY_')) throw err
    await stage.deletePrefix(`${objectRoot}/`)
    return fail(`${err.code}: ${err.message}`)
  }
  const validation = await validateObject(stage, objectRoot, { pool: o.pool, signal: o.signal })
  if (!validation.valid) return fail('the object does not validate', validation.errors)
  // one rename publishes the whole object: the new root never holds half of one
  const final = join(o.storeDir, ...objectRoot.split('/'))
  await mkdir(dirname(final), { recursive: true })
  await rename(join(stage.root, ...objectRoot.split('/')), final)

  const loaded = await loadInventory(target, objectRoot)
  if (loaded === undefined) return fail('no root inventory')
  const inventory = loaded.inventory
  const reader = new OcflObjectReader(target)
  const sm3 = await reader.sm3Digests(id)
  const sizes = new Map<string, number>()
  for (const paths of Object.values(inventory.manifest)) {
    for (const p of paths) sizes.set(p, (await target.stat(`${objectRoot}/${p}`))?.size ?? 0)
  }
  const declared = async (version: string): Promise<Map<string, Record<string, string>>> => {
    const out = new Map<string, Record<string, string>>()
    const v = inventory.versions[version]
    const state = v?.state ?? {}
    // only this version's own bag: a supplement carries the earlier bags' manifests along, whose digests are of older bytes
    const own = `submissions/${parseMessage(v?.message ?? '', '').submissionId}/`
    const byDigest = new Map(Object.entries(inventory.manifest).map(([d, paths]) => [d.toLowerCase(), paths[0] as string]))
    for (const [digest, logical] of Object.entries(state)) {
      for (const path of logical) {
        // the bag's own payload manifests, kept with the version under submissions/<id>/
        const m = path.startsWith(own) ? /^manifest-([a-z0-9]+)\.txt$/.exec(path.slice(own.length)) : null
        const content = byDigest.get(digest.toLowerCase())
        if (m === null || content === undefined) continue
        const alg = m[1] as string
        for (const [file, hex] of parseManifest((await readAll(target, `${objectRoot}/${content}`)).toString('utf8'))) out.set(file, { ...out.get(file), [alg]: hex })
      }
    }
    return out
  }
  const declaredByVersion = new Map<string, Map<string, Record<string, string>>>()
  for (const v of Object.keys(inventory.versions)) declaredByVersion.set(v, await declared(v))
  const records = versionRecords(inventory, sizes, sm3, v => declaredByVersion.get(v) ?? new Map(), n => `sub_restored_${objectRoot.split('/').at(-1)?.slice(0, 16) ?? ''}_v${n}`)
  for (const r of records) {
    for (const c of r.contents) {
      // no SM3 log for this content (an object written elsewhere): the bytes are here, hash them
      if (c.sm3 === '') c.sm3 = (await o.pool.hashFile(join(o.storeDir, ...objectRoot.split('/'), ...c.contentPath.split('/')), ['sm3'])).digests.sm3 ?? ''
    }
    setClock(new Date(r.created))
    await catalogue.restore.submission({ id: r.submissionId, projectCode, createdAt: new Date(r.created).toISOString(), createdBy: r.createdBy, mode: r.mode, node: o.node })
    const pkg = await catalogue.packages.recordVersion({
      projectCode, ocflId: id, version: { number: r.number, submissionId: r.submissionId, message: r.message, ...(r.mode === undefined ? {} : { mode: r.mode }) }, files: r.files, contents: r.contents
    })
    await catalogue.restore.link(r.submissionId, pkg.id, r.number)
    setClock(null)
    const manifest = await sealed.manifestOf(objectRoot)
    if (manifest !== null && (await catalogue.packages.get(pkg.id))?.tier !== manifest.tier) {
      await catalogue.packages.setTier(pkg.id, { tier: manifest.tier as TierLabel, agent: 'system', reason: `rebuilt from ${o.node}, which holds the object sealed for ${manifest.tier}` })
    }
    report.versions++
    report.files += r.files.length
    report.bytes += r.contents.reduce((n, c) => n + c.size, 0)
  }
  report.packages++
  return null
}
