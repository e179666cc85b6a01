import { createHash, type Hash } from 'node:crypto'
import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import type { Catalogue, Package, PackageFile } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { nodeHashName, STORED_ALGORITHMS } from '../hashing/index.js'
import type { FileRead } from './file-read.js'

// A stored version handed out as a BagIt bag (RFC 8493), serialized as a tar of one top-level directory
// (§4.2) and streamed: nothing is staged, and nothing is hashed again but the few tag lines we write. The
// catalogue holds every file's sha512 and SM3 (STORED_ALGORITHMS), so the manifests are its rows; each
// file's bytes are verified against its sha512 as they stream (preservation/file-read.ts), so a damaged
// file cuts the tar short rather than shipping bytes the manifest contradicts.
//
// Two passes over the version's file rows, a page at a time, keep memory flat whatever the file count:
// the plan (counts, Payload-Oxum, each manifest's length and digests, the pipeline-survey files, known
// damage) decides everything before the first byte; the stream writes the manifests from the rows again.
// Tar entries need their size first, hence the lengths in the plan.

const PAGE = 1000
const ALGORITHMS: readonly string[] = STORED_ALGORITHMS

export interface BagExportPlan {
  pkg: Package
  version: number
  /** the bag's top-level directory in the tar */
  name: string
  payload: { files: number, bytes: number }
  /** manifest-<alg>.txt: its length and digests, for the tag manifests */
  manifests: Array<{ alg: string, size: number, digests: Record<string, string> }>
  /** the version's other files (submissions/<id>/…: each submitted bag's own tag files and seal reports), tag files of the export, with their stored digests */
  tagFiles: PackageFile[]
  /** the pipeline-survey files the bag carries (what the aggregation guard counts) */
  pipeline: Array<{ packageId: string, path: string, mapSheets: string[], areaKm2: number | null }>
}

export interface PlanOptions {
  /** the access gate's check of each file (its tier); throws to refuse the export */
  check?: (file: PackageFile) => void
  now?: Date
}

/** Every file row of one version, a page at a time. */
async function * rowsOf (catalogue: Pick<Catalogue, 'packages'>, packageId: string, version: number): AsyncGenerator<PackageFile> {
  for (let offset = 0; ; offset += PAGE) {
    const page = await catalogue.packages.files(packageId, { version, limit: PAGE, offset })
    yield * page.items
    if (page.items.length < PAGE) return
  }
}

/** RFC 8493 §2.1.3: CR, LF and % in a manifest's file names are percent-encoded. */
const manifestPath = (path: string): string => path.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const lineOf = (digest: string, path: string): string => `${digest}  ${manifestPath(path)}\n`
const digestOf = (file: PackageFile, alg: string): string => {
  const d = (file as unknown as Record<string, unknown>)[alg]
  if (typeof d !== 'string') throw new LantaiError('INTERNAL', `${file.logicalPath} has no stored ${alg}`)
  return d
}
const hashers = (): Map<string, Hash> => new Map(ALGORITHMS.map(a => [a, createHash(nodeHashName(a))]))

/** Pass one: what the bag will hold, checked file by file; refuses a version with known damage (FILE_DAMAGED). */
export async function planBagExport (catalogue: Pick<Catalogue, 'packages'>, pkg: Package, version: number, options: PlanOptions = {}): Promise<BagExportPlan> {
  const damaged = new Map((await catalogue.packages.damagedContents(pkg.id)).map(d => [d.contentPath, d.eventId]))
  const manifests = ALGORITHMS.map(alg => ({ alg, size: 0, hash: hashers() }))
  const payload = { files: 0, bytes: 0 }
  const tagFiles: PackageFile[] = []
  const pipeline: BagExportPlan['pipeline'] = []
  for await (const file of rowsOf(catalogue, pkg.id, version)) {
    options.check?.(file)
    const event = damaged.get(file.contentPath)
    if (event !== undefined) throw new LantaiError('FILE_DAMAGED', `${file.logicalPath} of ${pkg.id}: its stored bytes were found damaged (event ${event}); the version is exported once a resubmission repairs it`, { event })
    if (file.pipelineSurvey) pipeline.push({ packageId: pkg.id, path: file.logicalPath, mapSheets: file.mapSheets, areaKm2: file.areaKm2 })
    if (!file.logicalPath.startsWith('data/')) {
      tagFiles.push(file)
      continue
    }
    payload.files++
    payload.bytes += file.size
    for (const m of manifests) {
      const line = Buffer.from(lineOf(digestOf(file, m.alg), file.logicalPath))
      m.size += line.length
      for (const h of m.hash.values()) h.update(line)
    }
  }
  return {
    pkg, version, name: `${pkg.id}-v${version}`, payload, tagFiles, pipeline,
    manifests: manifests.map(m => ({ alg: m.alg, size: m.size, digests: Object.fromEntries([...m.hash].map(([a, h]) => [a, h.digest('hex')])) }))
  }
}

/** bagit.txt and bag-info.txt of the plan. */
function headTags (plan: BagExportPlan, now: Date): Array<[string, Buffer]> {
  const info = [
    ['Bag-Software-Agent', 'Lantai (兰台)'],
    ['Bagging-Date', now.toISOString().slice(0, 10)],
    ['External-Identifier', plan.pkg.ocflId],
    ['External-Description', `Lantai package ${plan.pkg.id}, version ${plan.version}, project ${plan.pkg.projectCode}`],
    // 保守国家秘密法: a carrier of classified content carries its level
    ['Classification', plan.pkg.tier],
    ['Payload-Oxum', `${plan.payload.bytes}.${plan.payload.files}`]
  ]
  return [
    ['bagit.txt', Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')],
    ['bag-info.txt', Buffer.from(info.map(([k, v]) => `${k}: ${v}\n`).join(''))]
  ]
}

/**
 * Pass two: the tar, as a stream; `open` reads a file's bytes (through the file-read gate). A read that
 * fails part way (bytes gone or wrong) ends the stream with that error, so the response is cut short.
 */
export function streamBagExport (catalogue: Pick<Catalogue, 'packages'>, plan: BagExportPlan, open: (logicalPath: string) => Promise<FileRead>, now = new Date()): Readable {
  const pack = tar.pack()
  const out = new PassThrough()
  const mtime = now
  const entry = async (name: string, size: number, body: AsyncIterable<Buffer | string> | Buffer): Promise<void> => {
    let done: (err?: Error | null) => void = () => {}
    const finished = new Promise<void>((resolve, reject) => { done = err => { if (err != null) reject(err); else resolve() } })
    // a body that fails first leaves this to reject later, unawaited: it must not become an unhandled rejection
    finished.catch(() => {})
    if (Buffer.isBuffer(body)) {
      pack.entry({ name: `${plan.name}/${name}`, size, mtime }, body, done)
      return await finished
    }
    const sink = pack.entry({ name: `${plan.name}/${name}`, size, mtime }, done)
    for await (const chunk of body) {
      if (!sink.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
        // a reader gone away destroys the pack and this entry: 'close' comes instead of 'drain'
        await new Promise<void>(resolve => {
          const go = (): void => { sink.off('drain', go); sink.off('close', go); resolve() }
          sink.on('drain', go)
          sink.on('close', go)
        })
      }
      if (sink.destroyed) throw new LantaiError('INTERNAL', `the export of ${plan.pkg.id} was closed while ${name} was written`)
    }
    sink.end(() => {})
    await finished
  }
  const bytesOf = async function * (path: string): AsyncGenerator<Buffer> {
    const read = await open(path)
    if (read.kind === 'damaged') throw new LantaiError('FILE_DAMAGED', `${path} of ${plan.pkg.id}: found damaged (event ${read.eventId})`, { event: read.eventId })
    yield * read.stream as AsyncIterable<Buffer>
  }
  const manifestOf = async function * (alg: string): AsyncGenerator<string> {
    for await (const file of rowsOf(catalogue, plan.pkg.id, plan.version)) {
      if (file.logicalPath.startsWith('data/')) yield lineOf(digestOf(file, alg), file.logicalPath)
    }
  }
  const produce = async (): Promise<void> => {
    const head = headTags(plan, now)
    for (const [name, body] of head) await entry(name, body.length, body)
    for (const m of plan.manifests) await entry(`manifest-${m.alg}.txt`, m.size, manifestOf(m.alg))
    // RFC 8493 §2.2.1: the tag manifest lists every tag file but the tag manifests themselves
    for (const alg of ALGORITHMS) {
      const lines = [
        ...head.map(([name, body]) => lineOf(createHash(nodeHashName(alg)).update(body).digest('hex'), name)),
        ...plan.manifests.map(m => lineOf(m.digests[alg] ?? '', `manifest-${m.alg}.txt`)),
        ...plan.tagFiles.map(f => lineOf(digestOf(f, alg), f.logicalPath))
      ]
      const body = Buffer.from(lines.join(''))
      await entry(`tagmanifest-${alg}.txt`, body.length, body)
    }
    for (const f of plan.tagFiles) await entry(f.logicalPath, f.size, bytesOf(f.logicalPath))
    for await (const file of rowsOf(catalogue, plan.pkg.id, plan.version)) {
      if (file.logicalPath.startsWith('data/')) await entry(file.logicalPath, file.size, bytesOf(file.logicalPath))
    }
    pack.finalize()
  }
  pipeline(pack, out).catch(err => { out.destroy(err as Error) })
  produce().catch(err => { pack.destroy(err as Error) })
  return out
}
