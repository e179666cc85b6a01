// The synthetic catalogue of the `catalogue` part of `npm run bench`: projects, submissions and one
// package version each, written through the real repositories (as ingest writes them), with file rows
// produced by generators so that no more than one version's digests is ever in memory.
import type { Catalogue, ContentInput, PackageFileInput } from '../src/catalogue/index.js'
import { projectObjectId } from '../src/ocfl/index.js'

export interface CatalogueShape {
  packages: number
  filesPerPackage: number
  seed: number
}

/** What the timed queries choose from: ids and keys, one small string per package, never file rows. */
export interface BuiltCatalogue {
  packageIds: string[]
  projectCodes: string[]
  units: string[]
  /** createdAt of the first and last package */
  first: Date
  last: Date
}

/** mulberry32: small, fast and seedable, so two runs build the same catalogue and ask the same questions. */
export function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T

// 建设单位 as an archive center sees them: a few builders own most projects (the square skews the pick).
const UNIT_STEMS = ['上海建工', '中建八局', '城投', '地铁建设', '申通', '临港', '住建委', '水务', '交通建设', '市政']
const UNITS = Array.from({ length: 40 }, (_, i) => `${UNIT_STEMS[i % UNIT_STEMS.length]}${Math.floor(i / UNIT_STEMS.length) + 1}号建设单位`)
const DIVISIONS = ['310101', '310104', '310106', '310112', '310115', '310120', '320102', '330106', '440305', '110105']
const KINDS = ['住宅', '学校', '医院', '道路', '桥梁', '轨道交通', '排水管网', '公园', '厂房', '办公楼']
const SECTIONS = ['01-立项文件', '02-勘察设计', '03-施工文件', '04-监理文件', '05-竣工图', '06-验收文件']
// extension and PRONOM id as the ingest's format identification would record them
const FORMATS: ReadonlyArray<readonly [string, string | null]> = [
  ['pdf', 'fmt/276'], ['pdf', 'fmt/354'], ['ofd', null], ['jpg', 'fmt/43'], ['tif', 'fmt/353'], ['dwg', 'fmt/31'], ['xml', 'fmt/101'], ['docx', 'fmt/412']
]
const DAY_MS = 24 * 60 * 60 * 1000
const START = Date.parse('2016-01-01T00:00:00Z')
const END = Date.parse('2026-11-01T00:00:00Z')

/** The logical path of file i: distinct within the package, spread over sections and folders of 100. */
export function logicalPath (i: number): string {
  const [ext] = FORMATS[i % FORMATS.length] ?? ['bin']
  return `data/${SECTIONS[i % SECTIONS.length]}/卷${String(Math.floor(i / 100)).padStart(3, '0')}/件${String(i).padStart(6, '0')}.${ext}`
}

/**
 * Builds the catalogue: per package a project (created at an increasing date between 2016 and 2026),
 * a submission and version 1 with `filesPerPackage` files and as many contents. `setNow` moves the
 * catalogue's clock, so createdAt (and the ULIDs) spread over the years as in a real archive.
 */
export async function buildCatalogue (catalogue: Catalogue, shape: CatalogueShape, setNow: (at: Date) => void,
  onPackage: (done: number) => void = () => {}): Promise<BuiltCatalogue> {
  const rand = seeded(shape.seed)
  const dates = Array.from({ length: shape.packages }, () => START + rand() * (END - START)).sort((a, b) => a - b)
  const built: BuiltCatalogue = { packageIds: [], projectCodes: [], units: [], first: new Date(dates[0] ?? START), last: new Date(dates.at(-1) ?? START) }
  for (let p = 0; p < shape.packages; p++) {
    const at = new Date(dates[p] ?? START)
    const unit = UNITS[Math.floor(rand() * rand() * UNITS.length)] ?? 'unit'
    const code = `${at.getUTCFullYear()}-${pick(rand, DIVISIONS)}-${String(10 + Math.floor(rand() * 89))}-0${1 + Math.floor(rand() * 3)}-${String(p).padStart(6, '0')}`
    setNow(at)
    await catalogue.projects.create({ code, name: `${pick(rand, KINDS)}工程 ${p}`, unit })
    const submission = await catalogue.submissions.create({ projectCode: code, contentType: 'application/x-tar', createdBy: null })
    // received, checked and transferred within the day
    setNow(new Date(at.getTime() + rand() * DAY_MS))
    const pkg = await catalogue.packages.recordVersion({
      projectCode: code,
      ocflId: projectObjectId(code),
      version: { number: 1, submissionId: submission.id, message: `bench package ${p}` },
      files: files(shape.filesPerPackage),
      contents: contents(shape.filesPerPackage, shape.seed * 1_000_003 + p)
    })
    built.packageIds.push(pkg.id)
    built.projectCodes.push(code)
    if (!built.units.includes(unit)) built.units.push(unit)
    onPackage(p + 1)
  }
  return built
}

function * files (n: number): Generator<PackageFileInput> {
  for (let i = 0; i < n; i++) {
    const path = logicalPath(i)
    yield { logicalPath: path, contentPath: `v1/content/${path}`, format: FORMATS[i % FORMATS.length]?.[1] ?? null }
  }
}

/** Sizes from a few KB to tens of MB (scans, drawings), digests as random hex of the right lengths. */
function * contents (n: number, seed: number): Generator<ContentInput> {
  const rand = seeded(seed)
  const bytes = Buffer.allocUnsafe(144)
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < bytes.length; b += 4) bytes.writeUInt32LE(Math.floor(rand() * 4294967296), b)
    const hex = bytes.toString('hex')
    yield {
      contentPath: `v1/content/${logicalPath(i)}`,
      size: Math.floor(Math.exp(8 + rand() * 9)),
      sha512: hex.slice(0, 128),
      sha256: hex.slice(128, 192),
      md5: hex.slice(192, 224),
      sm3: hex.slice(224, 288)
    }
  }
}
