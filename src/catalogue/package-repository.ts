import { CompiledQuery, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely'
import type { CatalogueDatabase } from './db/open.js'
import type { ContentsTable, Executor, PackagesTable, Schema, VersionsTable } from './db/schema.js'
import { LantaiError } from '../errors.js'
import type { EventRepository, NewEvent } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { checkPage, fromJson, insertMany, isoBound, likeAnywhere, mapViolation, matches, oneOf, type Clock, type Columns, type Page, type PageQuery } from './sql.js'

// One OCFL object per project: its versions, the logical files of each version and the stored content
// files, which are the unit of fixity (research-preservation.md §10 lessons 4 and 5).

export type PackageState = 'active' | 'damaged'
/** 密级 label (migration 0015): 非密 < 秘密 < 机密; src/access/labels.ts decides them. */
export type TierLabel = '非密' | '秘密' | '机密'
const TIER_ORDER: readonly TierLabel[] = ['非密', '秘密', '机密']
const higherTier = (a: TierLabel, b: TierLabel): TierLabel => TIER_ORDER.indexOf(b) > TIER_ORDER.indexOf(a) ? b : a
export type FixityOutcome = 'ok' | 'mismatch' | 'missing'

export interface Package {
  /** 'pkg_' + ULID */
  id: string
  projectCode: string
  ocflId: string
  headVersion: number
  state: PackageState
  /** logical files in the head version */
  fileCount: number
  /** logical bytes of the head version */
  bytes: number
  /** stored content files over all versions (deduplicated) */
  contentCount: number
  /** bytes the object occupies: sum of its content files */
  storedBytes: number
  createdAt: string
  updatedAt: string
  /** the highest tier of its files and its project, or higher when a security officer raised it */
  tier: TierLabel
}

export interface PackageSummary extends Package {
  projectName: string
  projectUnit: string | null
}

export interface Version {
  packageId: string
  number: number
  submissionId: string
  createdAt: string
  message: string
  /** logical files in this version's state */
  fileCount: number
  /** logical bytes of this version's state */
  bytes: number
}

/**
 * What the catalogue keeps of a file's bytes (issue 13, "digests kept"): sha512 (the OCFL content
 * address) and SM3 always; sha256 and md5 when the bag's manifests declared them (older rows have
 * both); every other declared algorithm in `otherDigests`, by its BagIt name (sha1, sha384, sha3256 …).
 */
export interface Digests {
  size: number
  sha512: string
  sm3: string
  sha256: string | null
  md5: string | null
  /** BagIt algorithm name → lowercase hex, for declared algorithms other than the four above; often empty. */
  otherDigests: Record<string, string>
}

/** Every kept algorithm → hex (BagIt names), sha512 and sm3 always: what fixity and downloads can check. */
export function keptDigests (c: Pick<Digests, 'sha512' | 'sm3' | 'sha256' | 'md5' | 'otherDigests'>): Record<string, string> {
  return {
    sha512: c.sha512,
    sm3: c.sm3,
    ...(c.sha256 === null ? {} : { sha256: c.sha256 }),
    ...(c.md5 === null ? {} : { md5: c.md5 }),
    ...c.otherDigests
  }
}

/** The catalogue's fields for an algorithm → hex map (the inverse of keptDigests). Throws when sha512 or sm3 is missing. */
export function digestFields (digests: Readonly<Record<string, string>>): Omit<Digests, 'size'> {
  const { sha512, sm3, sha256, md5, ...otherDigests } = digests
  if (sha512 === undefined || sm3 === undefined) throw new LantaiError('STATE_CONFLICT', `a file lacks a kept digest (${sha512 === undefined ? 'sha512' : 'sm3'})`)
  return { sha512, sm3, sha256: sha256 ?? null, md5: md5 ?? null, otherDigests }
}

export interface PackageFile extends Digests {
  packageId: string
  version: number
  logicalPath: string
  contentPath: string
  format: string | null
  /** the filing-scope item acceptance filed it under (0012); null when none, or stored before */
  scopeItem: string | null
  /** the unit that produced it (谁形成谁负责), as acceptance found it; null when stored before */
  producer: FileProducer | null
  /** its label (0015): tier, and what the aggregation guard counts of pipeline-survey data */
  tier: TierLabel
  pipelineSurvey: boolean
  mapSheets: string[]
  areaKm2: number | null
}

/** A file's label as ingest gives it (src/access/labels.ts FileLabel). */
export interface FileLabelInput { tier: TierLabel, pipelineSurvey: boolean, mapSheets: readonly string[], areaKm2: number | null }

/** A file's producing unit as recorded with its version: a copy, so a later rename does not rewrite it. */
export interface FileProducer { role: string, name: string | null, uscc: string | null }

export interface Content extends Digests {
  packageId: string
  contentPath: string
  lastCheckedAt: string | null
  lastOutcome: FixityOutcome | null
  nextCheckAt: string
  /** The `content.damaged` event of the package that found these bytes bad; null while they are believed whole. */
  damagedBy: number | null
}

/** A content file known damaged, with every logical path (of any version) that names it. */
export interface DamagedContent {
  packageId: string
  contentPath: string
  sha512: string
  logicalPaths: string[]
  /** the `content.damaged` event */
  eventId: number
  at: string
  outcome: FixityOutcome
  /** who found it: a fixity check or a download */
  source: string
}

export interface DamageInput {
  source: 'fixity' | 'download'
  outcome: 'mismatch' | 'missing'
  detail?: Record<string, unknown>
  at?: string
  agent?: string
}

/** A logical file of the new version. Size and digests, when given, must equal the content's. */
export type PackageFileInput = {
  logicalPath: string
  contentPath: string
  format?: string | null
  /** Scope item and producer: undefined carries them (and an undefined format) over from the previous version's same path (a file kept, not resent). */
  scopeItem?: string | null
  producer?: FileProducer | null
  /** undefined carries the previous version's label of the same path over (a file kept), else 非密 */
  label?: FileLabelInput
} & Partial<Digests>

/** A content file first stored by the new version; `nextCheckAt` defaults to now (audit soon after ingest). */
export type ContentInput = { contentPath: string, nextCheckAt?: string } & Pick<Digests, 'size' | 'sha512' | 'sm3'> & Partial<Pick<Digests, 'sha256' | 'md5' | 'otherDigests'>>

export interface RecordVersionInput {
  projectCode: string
  ocflId: string
  version: { number: number, submissionId: string, message: string, mode?: string, removed?: readonly string[], repaired?: readonly string[] }
  /** the full state of the version: every logical path, changed or not (OCFL version state) */
  files: Iterable<PackageFileInput>
  /** content files new in this version; one already recorded with equal digests is skipped */
  contents: Iterable<ContentInput>
  /** token id recorded as the event agent; 'system' when absent */
  agent?: string
  /** the lowest tier the package may have: its project's (files of a classified project are at least 秘密) */
  floor?: TierLabel
}

/** The tiers a caller may see (src/access/visibility.ts); undefined: every tier (the system itself). */
export type VisibleTiers = readonly TierLabel[] | undefined

export interface TierChange {
  tier: TierLabel
  agent: string
  reason: string
  /** declassification only: the approved two-person request it carries out */
  approval?: { id: string, requestedBy: string, approvedBy: string }
}

export interface PackageQuery extends PageQuery {
  /** matches project code, project name or OCFL id anywhere, case-insensitively (ASCII) */
  q?: string
  projectCode?: string
  unit?: string
  /** inclusive lower bound on the package's createdAt */
  createdFrom?: string
  /** exclusive upper bound on the package's createdAt */
  createdTo?: string
  /** only packages of these tiers (the caller's clearance): filtered before paging, so totals count only them */
  tiers?: VisibleTiers
}

export interface FixityRecord {
  packageId: string
  contentPath: string
  outcome: FixityOutcome
  checkedAt: string
  nextCheckAt: string
  agent?: string
  detail?: Record<string, unknown>
  /** Bit damage or a lost file (marks the content and its package damaged); default: missing, or a mismatch not of kind 'drift'. */
  damage?: boolean
}

export interface FixitySummary {
  contents: number
  checkedLast90Days: number
  neverChecked: number
  mismatches: number
  missing: number
  damagedPackages: number
  /** the oldest lastCheckedAt of any checked content, null if none was checked */
  oldestCheckAt: string | null
}

type PackageRow = Selectable<PackagesTable>

/** A package deleted through an approved request (issue 15 item 6) has a tombstone and is no longer found. */
const notDeleted = (eb: ExpressionBuilder<Schema, 'packages'>): Expression<SqlBool> =>
  eb.not(eb.exists(eb.selectFrom('package_tombstones').select('package_tombstones.package_id').whereRef('package_tombstones.package_id', '=', 'packages.id')))
interface PackageSummaryRow extends PackageRow { project_name: string, project_unit: string | null }
type VersionRow = Selectable<VersionsTable>
interface DigestRow { size: number, sha512: string, sha256: string | null, md5: string | null, sm3: string, other_digests: string | null }
interface FileRow extends DigestRow {
  package_id: string, version: number, logical_path: string, content_path: string, format: string | null
  scope_item: string | null, producer_role: string | null, producer_name: string | null, producer_uscc: string | null
  tier: string, pipeline_survey: number, map_sheets: string | null, area_km2: number | null
}
type ContentRow = Selectable<ContentsTable>

export const toPackage = (r: PackageRow): Package => ({
  id: r.id,
  projectCode: r.project_code,
  ocflId: r.ocfl_id,
  headVersion: r.head_version,
  state: r.state as PackageState,
  fileCount: r.file_count,
  bytes: r.bytes,
  contentCount: r.content_count,
  storedBytes: r.stored_bytes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  tier: r.tier as TierLabel
})
export const toPackageSummary = (r: PackageSummaryRow): PackageSummary => ({ ...toPackage(r), projectName: r.project_name, projectUnit: r.project_unit })
export const toVersion = (r: VersionRow): Version => ({
  packageId: r.package_id, number: r.number, submissionId: r.submission_id, createdAt: r.created_at, message: r.message, fileCount: r.file_count, bytes: r.bytes
})
const toDigests = (r: DigestRow): Digests => ({
  size: r.size, sha512: r.sha512, sm3: r.sm3, sha256: r.sha256, md5: r.md5, otherDigests: r.other_digests === null ? {} : fromJson(r.other_digests) as Record<string, string>
})
export const toPackageFile = (r: FileRow): PackageFile => ({
  packageId: r.package_id, version: r.version, logicalPath: r.logical_path, contentPath: r.content_path, ...toDigests(r), format: r.format,
  scopeItem: r.scope_item, producer: r.producer_role === null ? null : { role: r.producer_role, name: r.producer_name, uscc: r.producer_uscc },
  tier: r.tier as TierLabel, pipelineSurvey: r.pipeline_survey === 1, mapSheets: r.map_sheets === null ? [] : fromJson(r.map_sheets) as string[], areaKm2: r.area_km2 === null ? null : Number(r.area_km2)
})
export const toContent = (r: ContentRow): Content => ({
  packageId: r.package_id,
  contentPath: r.content_path,
  ...toDigests(r),
  lastCheckedAt: r.last_checked_at,
  lastOutcome: r.last_outcome as FixityOutcome | null,
  nextCheckAt: r.next_check_at,
  damagedBy: r.damaged_by
})

/**
 * The first field where `b` contradicts `a`, as `sha256` or `otherDigests.sha1`. A digest one side does
 * not know (null, absent) contradicts nothing: a bag that declares sha256 may deduplicate onto content
 * first stored by one that did not.
 */
function differs (a: Digests, b: Partial<Digests>): string | undefined {
  if (b.size !== undefined && b.size !== a.size) return 'size'
  for (const k of ['sha512', 'sm3', 'sha256', 'md5'] as const) {
    const x = a[k]
    const y = b[k]
    if (x !== null && y !== undefined && y !== null && x !== y) return k
  }
  for (const [alg, y] of Object.entries(b.otherDigests ?? {})) {
    const x = a.otherDigests[alg]
    if (x !== undefined && x !== y) return `otherDigests.${alg}`
  }
  return undefined
}
const fieldOf = (d: Partial<Digests>, key: string): unknown => key.startsWith('otherDigests.') ? d.otherDigests?.[key.slice(13)] : d[key as keyof Digests]
const otherDigestsJson = (d: Partial<Digests>): string | null => d.otherDigests === undefined || Object.keys(d.otherDigests).length === 0 ? null : JSON.stringify(d.otherDigests)

const DIGEST_COLUMNS = ['c.size', 'c.sha512', 'c.sha256', 'c.md5', 'c.sm3', 'c.other_digests'] as const
const CONTENT_COLUMNS = {
  package_id: 'text', content_path: 'text', size: 'bigint', sha512: 'text', sha256: 'text', md5: 'text', sm3: 'text', next_check_at: 'text'
} as const satisfies Columns
const NEW_CONTENT_COLUMNS = { ...CONTENT_COLUMNS, other_digests: 'text' } as const satisfies Columns
const FILE_COLUMNS = {
  package_id: 'text', version: 'integer', logical_path: 'text', content_path: 'text', format: 'text', scope_item: 'text', producer_role: 'text', producer_name: 'text', producer_uscc: 'text',
  tier: 'text', pipeline_survey: 'integer', map_sheets: 'text', area_km2: 'float8'
} as const satisfies Columns
const FILE_SELECT = ['f.package_id', 'f.version', 'f.logical_path', 'f.content_path', 'f.format', 'f.scope_item', 'f.producer_role', 'f.producer_name', 'f.producer_uscc', 'f.tier', 'f.pipeline_survey', 'f.map_sheets', 'f.area_km2'] as const

const DAY_MS = 24 * 60 * 60 * 1000

const isDamage = (r: { outcome: FixityOutcome, detail?: Record<string, unknown>, damage?: boolean }): boolean =>
  r.damage ?? (r.outcome === 'missing' || (r.outcome === 'mismatch' && r.detail?.kind !== 'drift'))

interface FixityItem { packageId: string, contentPath: string, outcome: FixityOutcome, checkedAt: string, nextCheckAt: string, agent: string, detail: Record<string, unknown>, damage: boolean }

export class PackageRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock
  readonly #newId: IdFactory

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock, newId: IdFactory) {
    this.#db = db
    this.#events = events
    this.#clock = clock
    this.#newId = newId
  }

  async getByProject (code: string): Promise<Package | null> {
    const row = await this.#db.db.selectFrom('packages').selectAll().where('project_code', '=', code).where(notDeleted).executeTakeFirst()
    return row === undefined ? null : toPackage(row)
  }

  /** The package, or null when there is none or, given `tiers`, when its tier is not among them (hidden is missing). */
  async get (id: string, tiers?: VisibleTiers): Promise<Package | null> {
    const row = await this.#db.db.selectFrom('packages').selectAll().where('id', '=', id).where(notDeleted).executeTakeFirst()
    return row === undefined || (tiers !== undefined && !tiers.includes(row.tier as TierLabel)) ? null : toPackage(row)
  }

  async #getRow (tx: Executor, id: string): Promise<PackageRow | undefined> {
    return await tx.selectFrom('packages').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** Newest first, with the project's name and 建设单位. */
  async search (query: PackageQuery): Promise<Page<PackageSummary>> {
    checkPage(query)
    const q = likeAnywhere(query.q)
    const from = isoBound('createdFrom', query.createdFrom)
    const to = isoBound('createdTo', query.createdTo)
    const { engine } = this.#db
    const filtered = this.#db.db.selectFrom('packages as p').innerJoin('projects as j', 'j.code', 'p.project_code')
      .where(eb => eb.not(eb.exists(eb.selectFrom('package_tombstones as t').select('t.package_id').whereRef('t.package_id', '=', 'p.id'))))
      .$if(q !== null, b => b.where(eb => eb.or([
        matches(engine, eb.ref('p.project_code'), q ?? ''), matches(engine, eb.ref('j.name'), q ?? ''), matches(engine, eb.ref('p.ocfl_id'), q ?? '')
      ])))
      .$if(query.projectCode !== undefined, b => b.where('p.project_code', '=', query.projectCode ?? ''))
      .$if(query.unit !== undefined, b => b.where('j.unit', '=', query.unit ?? ''))
      .$if(from !== null, b => b.where('p.created_at', '>=', from ?? ''))
      .$if(to !== null, b => b.where('p.created_at', '<', to ?? ''))
      // issue 15 item 4: what the caller may not see is not in the query, so the total cannot count it
      .$if(query.tiers !== undefined, b => b.where(eb => oneOf(engine, eb.ref('p.tier'), [...query.tiers ?? []])))
    // The total rides on the page's rows (a window count), so a search is one statement; only a page
    // past the end, which has no rows to carry it, counts apart.
    const rows = await filtered.selectAll('p').select(eb => ['j.name as project_name', 'j.unit as project_unit', eb.fn.countAll<number>().over().as('total')])
      .orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(query.limit).offset(query.offset).execute()
    const total = rows[0]?.total ??
      (query.offset === 0 ? 0 : (await filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0)
    return { items: rows.map(toPackageSummary), total }
  }

  /** The content rows of these paths of one package. */
  async #contents (tx: Executor, packageId: string, paths: Iterable<string>): Promise<Map<string, ContentRow>> {
    const all = [...new Set(paths)]
    const found = new Map<string, ContentRow>()
    if (all.length === 0) return found
    const rows = await tx.selectFrom('contents').selectAll().where('package_id', '=', packageId).where(eb => oneOf(this.#db.engine, eb.ref('content_path'), all)).execute()
    for (const r of rows) found.set(r.content_path, r)
    return found
  }

  /**
   * Records a new version in one transaction: the package (created at v1), the version, its new content
   * rows, one file row per logical path, the new head and totals, and a `package.version` event; returns
   * the package as of the new head. Call it
   * once the OCFL inventory is committed. `files` and `contents` are iterated once, so generators work.
   * Recording the same version of the same submission again returns the package unchanged (resume after
   * a crash). Throws PROJECT_NOT_FOUND, SUBMISSION_NOT_FOUND, PACKAGE_VERSION_CONFLICT (not head + 1,
   * another OCFL id, or a submission that already made another version),
   * CONTENT_NOT_FOUND (a file naming unknown content), CONTENT_CONFLICT (digests disagree).
   */
  async recordVersion (input: RecordVersionInput): Promise<Package> {
    const contents = [...input.contents]
    const files = [...input.files]
    const { engine, maxParams } = this.#db
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const { number, submissionId, message, mode, removed, repaired } = input.version
      // PostgreSQL: the package row is locked, so two writers of one project's next version queue here
      // (SQLite: the IMMEDIATE transaction already holds the write lock)
      let existing = await tx.selectFrom('packages').selectAll().where('project_code', '=', input.projectCode)
        .$if(engine === 'postgres', q => q.forUpdate()).executeTakeFirst()
      if (existing === undefined && number !== 1) {
        throw new LantaiError('PACKAGE_VERSION_CONFLICT', `${input.projectCode} has no package, so its first version must be 1, not ${number}`, { projectCode: input.projectCode, number })
      }
      if (existing !== undefined && existing.ocfl_id === input.ocflId && number <= existing.head_version) {
        const recorded = await tx.selectFrom('versions').select('submission_id').where('package_id', '=', existing.id).where('number', '=', number).executeTakeFirst()
        // already recorded: a worker that crashed after this commit but before the submission's own
        // transition records the version again on resume, and that must not fail it
        if (recorded?.submission_id === submissionId) return toPackage(existing)
      }
      if (existing !== undefined && (number !== existing.head_version + 1 || existing.ocfl_id !== input.ocflId)) {
        throw new LantaiError('PACKAGE_VERSION_CONFLICT', `${input.projectCode} is ${existing.ocfl_id} at v${existing.head_version}; got ${input.ocflId} v${number}`,
          { projectCode: input.projectCode, ocflId: input.ocflId, head: existing.head_version, number })
      }
      const created = existing === undefined
      if (existing === undefined) {
        const id = this.#newId('pkg', this.#clock())
        existing = await mapViolation(
          async () => await tx.insertInto('packages').values({
            id, project_code: input.projectCode, ocfl_id: input.ocflId, head_version: 1, state: 'active', file_count: 0, bytes: 0, content_count: 0, stored_bytes: 0, created_at: now, updated_at: now
          }).returningAll().executeTakeFirstOrThrow(),
          (v, err) => v.kind === 'foreign-key'
            ? new LantaiError('PROJECT_NOT_FOUND', input.projectCode, { code: input.projectCode }, { cause: err })
            : v.kind === 'unique' && v.constraint.includes('project_code')
              // another writer created this project's package since the read above (PostgreSQL, no row to lock yet)
              ? new LantaiError('PACKAGE_VERSION_CONFLICT', `${input.projectCode} got its first version meanwhile`, { projectCode: input.projectCode, number }, { cause: err })
              : v.kind === 'unique' ? new LantaiError('PACKAGE_VERSION_CONFLICT', `OCFL id ${input.ocflId} belongs to another project`, { ocflId: input.ocflId }, { cause: err }) : undefined)
      }
      const packageId = existing.id
      await mapViolation(
        async () => await tx.insertInto('versions').values({ package_id: packageId, number, submission_id: submissionId, message, file_count: 0, bytes: 0, created_at: now }).execute(),
        (v, err) => v.kind === 'foreign-key'
          ? new LantaiError('SUBMISSION_NOT_FOUND', submissionId, { id: submissionId }, { cause: err })
          : v.kind === 'unique' && v.constraint.includes('submission_id')
            ? new LantaiError('PACKAGE_VERSION_CONFLICT', `submission ${submissionId} already made a version`, { submissionId }, { cause: err })
            : v.kind === 'unique' ? new LantaiError('PACKAGE_VERSION_CONFLICT', `${input.projectCode} v${number} was recorded meanwhile`, { projectCode: input.projectCode, number }, { cause: err }) : undefined)

      // contents before files: each file row references its content row. ON CONFLICT DO NOTHING
      // RETURNING names the rows this version added; the others were recorded before and must agree.
      const inserted = await insertMany<{ content_path: string }>(tx, engine, maxParams, 'contents', NEW_CONTENT_COLUMNS,
        contents.map(c => [packageId, c.contentPath, c.size, c.sha512, c.sha256 ?? null, c.md5 ?? null, c.sm3, c.nextCheckAt ?? now, otherDigestsJson(c)]),
        'ON CONFLICT (package_id, content_path) DO NOTHING RETURNING content_path')
      const insertedPaths = new Set(inserted.map(r => r.content_path))
      const fresh = new Map<string, Digests>()
      let newBytes = 0
      const again: ContentInput[] = []
      for (const c of contents) {
        if (insertedPaths.has(c.contentPath) && !fresh.has(c.contentPath)) {
          fresh.set(c.contentPath, { sha256: null, md5: null, otherDigests: {}, ...c })
          newBytes += c.size
        } else {
          again.push(c)
        }
      }
      // Recorded before (an earlier version, or this one listed twice): it must be the same content.
      const known = await this.#contents(tx, packageId, [
        ...again.filter(c => !fresh.has(c.contentPath)).map(c => c.contentPath),
        ...files.filter(f => !fresh.has(f.contentPath)).map(f => f.contentPath)
      ])
      const digestsAt = (path: string): Digests | undefined => fresh.get(path) ?? (r => r === undefined ? undefined : toDigests(r))(known.get(path))
      for (const c of again) {
        const old = digestsAt(c.contentPath)
        const key = old === undefined ? undefined : differs(old, c)
        if (old !== undefined && key !== undefined) throw new LantaiError('CONTENT_CONFLICT', `${c.contentPath}: ${key} ${String(fieldOf(old, key))} recorded, ${String(fieldOf(c, key))} given`, { contentPath: c.contentPath, field: key })
      }
      let bytes = 0
      const fileRows: unknown[][] = []
      // A file kept from the previous version keeps what acceptance recorded of it then.
      const carried = new Map<string, { format: string | null, scope_item: string | null, producer_role: string | null, producer_name: string | null, producer_uscc: string | null }>()
      if (!created && files.some(f => f.producer === undefined)) {
        const previous = await tx.selectFrom('package_files').select(['logical_path', 'format', 'scope_item', 'producer_role', 'producer_name', 'producer_uscc'])
          .where('package_id', '=', packageId).where('version', '=', number - 1)
          .where(eb => eb.or([eb('format', 'is not', null), eb('scope_item', 'is not', null), eb('producer_role', 'is not', null)])).execute()
        for (const r of previous) carried.set(r.logical_path, r)
      }
      // A file kept keeps its label too: a version never lowers a label (declassification does, with two people).
      const carriedLabels = new Map<string, FileLabelInput>()
      if (!created && files.some(f => f.label === undefined)) {
        const previous = await tx.selectFrom('package_files').select(['logical_path', 'tier', 'pipeline_survey', 'map_sheets', 'area_km2'])
          .where('package_id', '=', packageId).where('version', '=', number - 1)
          .where(eb => eb.or([eb('tier', '<>', '非密'), eb('pipeline_survey', '=', 1)])).execute()
        for (const r of previous) carriedLabels.set(r.logical_path, { tier: r.tier as TierLabel, pipelineSurvey: r.pipeline_survey === 1, mapSheets: r.map_sheets === null ? [] : fromJson(r.map_sheets) as string[], areaKm2: r.area_km2 === null ? null : Number(r.area_km2) })
      }
      const before = existing.tier as TierLabel
      let tier = higherTier(before, input.floor ?? '非密')
      for (const f of files) {
        const content = digestsAt(f.contentPath)
        if (content === undefined) throw new LantaiError('CONTENT_NOT_FOUND', `${f.logicalPath} → ${f.contentPath}`, { logicalPath: f.logicalPath, contentPath: f.contentPath })
        const key = differs(content, f)
        if (key !== undefined) throw new LantaiError('CONTENT_CONFLICT', `${f.logicalPath}: ${key} ${String(fieldOf(content, key))} recorded for ${f.contentPath}, ${String(fieldOf(f, key))} given`, { logicalPath: f.logicalPath, field: key })
        const kept = f.producer === undefined ? carried.get(f.logicalPath) : undefined
        const producer = f.producer ?? null
        const label = f.label ?? carriedLabels.get(f.logicalPath)
        tier = higherTier(tier, label?.tier ?? '非密')
        fileRows.push([packageId, number, f.logicalPath, f.contentPath, f.format ?? kept?.format ?? null,
          kept === undefined ? f.scopeItem ?? null : kept.scope_item,
          kept === undefined ? producer?.role ?? null : kept.producer_role,
          kept === undefined ? producer?.name ?? null : kept.producer_name,
          kept === undefined ? producer?.uscc ?? null : kept.producer_uscc,
          label?.tier ?? '非密', label?.pipelineSurvey === true ? 1 : 0, label === undefined || label.mapSheets.length === 0 ? null : JSON.stringify(label.mapSheets), label?.areaKm2 ?? null])
        bytes += content.size
      }
      await insertMany(tx, engine, maxParams, 'package_files', FILE_COLUMNS, fileRows)
      const fileCount = fileRows.length
      await tx.updateTable('versions').set({ file_count: fileCount, bytes }).where('package_id', '=', packageId).where('number', '=', number).execute()
      const pkg = await tx.updateTable('packages')
        .set(eb => ({
          head_version: number, file_count: fileCount, bytes, content_count: eb('content_count', '+', fresh.size), stored_bytes: eb('stored_bytes', '+', newBytes), updated_at: now, tier
        }))
        .where('id', '=', packageId).returningAll().executeTakeFirstOrThrow()
      await this.#events.append({
        at: now, type: 'package.version', outcome: 'success', agent: input.agent ?? 'system', objectType: 'package', objectId: packageId,
        detail: {
          projectCode: input.projectCode, ocflId: input.ocflId, version: number, submissionId, created, fileCount, bytes, newContents: fresh.size, newBytes,
          ...(mode === undefined ? {} : { mode }), ...(removed === undefined ? {} : { removed }), ...(repaired === undefined ? {} : { repaired }), tier
        }
      }, tx)
      // every label change is an event (issue 15 item 2): here a version's files raised it
      if (tier !== before) {
        await this.#events.append({ at: now, type: 'package.label.raised', outcome: 'success', agent: input.agent ?? 'system', objectType: 'package', objectId: packageId, detail: { from: before, to: tier, reason: 'the highest label of its files and project', version: number } }, tx)
      }
      return toPackage(pkg)
    })
  }

  /**
   * Changes a package's label and appends `package.label.raised` or `package.label.lowered` in the same
   * transaction. Lowering is only ever called by declassification with its approval (src/access/labels
   * service); the repository records what it is given. Throws PACKAGE_NOT_FOUND.
   */
  async setTier (packageId: string, change: TierChange): Promise<{ package: Package, from: TierLabel }> {
    return await this.#db.db.transaction().execute(async tx => {
      const current = await tx.selectFrom('packages').selectAll().where('id', '=', packageId)
        .$if(this.#db.engine === 'postgres', q => q.forUpdate()).executeTakeFirst()
      if (current === undefined) throw new LantaiError('PACKAGE_NOT_FOUND', packageId, { id: packageId })
      const from = current.tier as TierLabel
      const now = this.#clock().toISOString()
      const row = await tx.updateTable('packages').set({ tier: change.tier, updated_at: now }).where('id', '=', packageId).returningAll().executeTakeFirstOrThrow()
      const raised = TIER_ORDER.indexOf(change.tier) > TIER_ORDER.indexOf(from)
      await this.#events.append({
        at: now, type: raised ? 'package.label.raised' : 'package.label.lowered', outcome: 'success', agent: change.agent, objectType: 'package', objectId: packageId,
        detail: { from, to: change.tier, reason: change.reason, ...(change.approval === undefined ? {} : { approval: change.approval }) }
      }, tx)
      return { package: toPackage(row), from }
    })
  }

  async versions (packageId: string): Promise<Version[]> {
    return (await this.#db.db.selectFrom('versions').selectAll().where('package_id', '=', packageId).orderBy('number').execute()).map(toVersion)
  }

  #fileSelect () {
    return this.#db.db.selectFrom('package_files as f')
      .innerJoin('contents as c', join => join.onRef('c.package_id', '=', 'f.package_id').onRef('c.content_path', '=', 'f.content_path'))
      .select([...FILE_SELECT, ...DIGEST_COLUMNS])
  }

  /** The logical files of one version (the head by default), by logical path. */
  async files (packageId: string, query: PageQuery & { version?: number }): Promise<Page<PackageFile>> {
    checkPage(query)
    const { db } = this.#db
    // Two statements, one round trip each, side by side: the head is a subquery rather than a lookup
    // first, and the total is the version's file_count (written with its rows) rather than a count of them.
    const version = query.version ?? db.selectFrom('packages').select('head_version').where('id', '=', packageId)
    // The page's keys first, then the contents of those rows only: joined before the offset, a deep
    // page (offset 900 of 1,000) read a content row for every file it skipped.
    const page = db.selectFrom('package_files').select(['package_id', 'version', 'logical_path', 'content_path', 'format', 'scope_item', 'producer_role', 'producer_name', 'producer_uscc', 'tier', 'pipeline_survey', 'map_sheets', 'area_km2'])
      .where('package_id', '=', packageId).where('version', '=', version).orderBy('logical_path').limit(query.limit).offset(query.offset)
    const [rows, counted] = await Promise.all([
      db.selectFrom(page.as('f'))
        .innerJoin('contents as c', join => join.onRef('c.package_id', '=', 'f.package_id').onRef('c.content_path', '=', 'f.content_path'))
        .select([...FILE_SELECT, ...DIGEST_COLUMNS])
        .orderBy('f.logical_path').execute(),
      db.selectFrom('versions').select('file_count').where('package_id', '=', packageId).where('number', '=', version).executeTakeFirst()
    ])
    return { items: rows.map(toPackageFile), total: counted?.file_count ?? 0 }
  }

  /**
   * One logical path as of `version` (the head by default); null past the head, as for a path not there.
   * Every version holds its full state, so the latest version ≤ `version` is that version itself, and a
   * path deleted in it is null rather than resurrected from an older version.
   */
  async file (packageId: string, logicalPath: string, version?: number): Promise<PackageFile | null> {
    const head = (await this.get(packageId))?.headVersion
    if (head === undefined) return null
    if (version !== undefined && version > head) return null
    const row = await this.#fileSelect().where('f.package_id', '=', packageId).where('f.logical_path', '=', logicalPath).where('f.version', '=', version ?? head).executeTakeFirst()
    return row === undefined ? null : toPackageFile(row)
  }

  /** Every version in which `logicalPath` exists, oldest first. */
  async fileHistory (packageId: string, logicalPath: string): Promise<PackageFile[]> {
    return (await this.#fileSelect().where('f.package_id', '=', packageId).where('f.logical_path', '=', logicalPath).orderBy('f.version').execute()).map(toPackageFile)
  }

  async content (packageId: string, contentPath: string): Promise<Content | null> {
    const row = await this.#content(this.#db.db, packageId, contentPath)
    return row === undefined ? null : toContent(row)
  }

  async #content (tx: Executor, packageId: string, contentPath: string, lock = false): Promise<ContentRow | undefined> {
    return await tx.selectFrom('contents').selectAll().where('package_id', '=', packageId).where('content_path', '=', contentPath)
      .$if(lock && this.#db.engine === 'postgres', q => q.forUpdate()).executeTakeFirst()
  }

  /**
   * Content files whose nextCheckAt ≤ now (of one package, if given), most overdue first; `after`, the
   * last of the previous page, continues past it (a page of a round in flight is not asked for again).
   */
  async dueForFixity (now: Date | string, limit: number, packageId?: string, after?: Pick<Content, 'nextCheckAt' | 'packageId' | 'contentPath'>): Promise<Content[]> {
    const at = typeof now === 'string' ? now : now.toISOString()
    const rows = await this.#db.db.selectFrom('contents').selectAll().where('next_check_at', '<=', at)
      .$if(after !== undefined, q => q.where('next_check_at', '>=', after?.nextCheckAt ?? '').where(eb => eb.or([
        eb('next_check_at', '>', after?.nextCheckAt ?? ''),
        ...(packageId !== undefined
          ? [eb('content_path', '>', after?.contentPath ?? '')]
          : [eb('package_id', '>', after?.packageId ?? ''), eb.and([eb('package_id', '=', after?.packageId ?? ''), eb('content_path', '>', after?.contentPath ?? '')])])
      ])))
      .$if(packageId !== undefined, q => q.where('package_id', '=', packageId ?? '').orderBy('next_check_at').orderBy('content_path'))
      .$if(packageId === undefined, q => q.orderBy('next_check_at').orderBy('package_id').orderBy('content_path'))
      .limit(limit).execute()
    return rows.map(toContent)
  }

  /**
   * Content files due by `horizon` (of one package, if given) in the order they are stored (package,
   * content path), after `after`: a whole round's pages. The primary key serves each page as a range;
   * the overdue order of dueForFixity sorted every due row again for each page.
   */
  async contentsForRound (horizon: Date | string, limit: number, packageId?: string, after?: Pick<Content, 'packageId' | 'contentPath'>): Promise<Content[]> {
    const at = typeof horizon === 'string' ? horizon : horizon.toISOString()
    const rows = await this.#db.db.selectFrom('contents').selectAll().where('next_check_at', '<=', at)
      .$if(packageId !== undefined, q => q.where('package_id', '=', packageId ?? ''))
      .$if(after !== undefined, q => q.where('package_id', '>=', after?.packageId ?? '').where(eb => eb.or([
        eb('package_id', '>', after?.packageId ?? ''),
        eb.and([eb('package_id', '=', after?.packageId ?? ''), eb('content_path', '>', after?.contentPath ?? '')])
      ])))
      .orderBy('package_id').orderBy('content_path').limit(limit).execute()
    return rows.map(toContent)
  }

  /** How many content files are due for a check now (the backlog a monitoring gauge shows). */
  async countDueForFixity (now: Date = this.#clock()): Promise<number> {
    return (await this.#db.db.selectFrom('contents').select(eb => eb.fn.countAll<number>().as('n')).where('next_check_at', '<=', now.toISOString()).executeTakeFirst())?.n ?? 0
  }

  /** Stores one check's outcome and the next due time (see recordFixityMany). Throws CONTENT_NOT_FOUND. */
  async recordFixity (packageId: string, contentPath: string, outcome: FixityOutcome, checkedAt: string, nextCheckAt: string,
    opts: { agent?: string, detail?: Record<string, unknown> } = {}): Promise<void> {
    await this.recordFixityMany([{ packageId, contentPath, outcome, checkedAt, nextCheckAt, ...opts }])
  }

  /**
   * Several checks' outcomes in one transaction (a page): each content's last check, outcome and next
   * due time. An intact file gets no event (issue 13: a fixity round writes a page, not an event per
   * file; the round's summary event counts them); metadata drift gets a `fixity.check` event; damage a
   * `content.damaged` event of the package the first time it is found, and a damaged file read whole
   * again a `content.intact`. All or none are recorded.
   */
  async recordFixityMany (records: readonly FixityRecord[]): Promise<void> {
    if (records.length === 0) return
    const items: FixityItem[] = records.map(i => ({ ...i, agent: i.agent ?? 'system', detail: i.detail ?? {}, damage: isDamage(i) }))
    await this.#db.db.transaction().execute(async tx => {
      // The common case, an intact file of an active package not known damaged, or metadata drift,
      // changes nothing but the content's dates: one statement for the page, which says which rows it
      // changed. Everything else (damage found or cleared, a package damaged before the page) runs alone,
      // in order, with its events.
      const states = new Map<string, string | undefined>()
      for (const i of items) if (!states.has(i.packageId)) states.set(i.packageId, (await this.#getRow(tx, i.packageId))?.state)
      const keyOf = (i: { packageId: string, contentPath: string }): string => `${i.packageId}\u0000${i.contentPath}`
      const bulk = new Map<string, FixityItem>()
      for (const i of items) {
        if (bulk.has(keyOf(i))) continue
        if (i.outcome === 'ok' ? states.get(i.packageId) === 'active' : !i.damage) bulk.set(keyOf(i), i)
      }
      const done = await this.#setChecked(tx, [...bulk.values()])
      const drift = [...bulk.values()].filter(i => i.outcome !== 'ok' && done.has(keyOf(i)))
      if (drift.length > 0) await this.#events.appendMany(drift.map(fixityEvent), tx)
      for (const i of items) {
        if (bulk.get(keyOf(i)) === i && done.has(keyOf(i))) continue
        if ((await this.#content(tx, i.packageId, i.contentPath)) === undefined) {
          throw new LantaiError('CONTENT_NOT_FOUND', `${i.packageId} ${i.contentPath}`, { packageId: i.packageId, contentPath: i.contentPath })
        }
        await this.#recordOne(tx, i)
      }
    })
  }

  /**
   * The dates and outcomes of a page of checks in a statement or a few, not a statement per file: an
   * UPDATE … FROM the rows (SQLite: a VALUES list, whose columns it names column1…; PostgreSQL: one
   * array per column, as insertMany). Unlike an upsert it needs none of the content's other columns.
   */
  async #setChecked (tx: Executor, items: readonly FixityItem[]): Promise<Set<string>> {
    const done = new Set<string>()
    if (items.length === 0) return done
    const rows = items.map(r => [r.packageId, r.contentPath, r.checkedAt, r.outcome, r.nextCheckAt])
    // Only a content not known damaged: one that is goes through #recordOne (its mark, its events).
    const note = (changed: Array<{ package_id: string, content_path: string }>): void => { for (const r of changed) done.add(`${r.package_id}\u0000${r.content_path}`) }
    if (this.#db.engine === 'postgres') {
      const arrays = [0, 1, 2, 3, 4].map(c => rows.map(r => r[c]))
      // COLLATE "C": the catalogue's text columns are "C"; the arrays' text would otherwise leave = undecided.
      note((await tx.executeQuery<{ package_id: string, content_path: string }>(CompiledQuery.raw(`UPDATE contents SET last_checked_at = v.checked_at, last_outcome = v.outcome, next_check_at = v.next_check_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v (package_id, content_path, checked_at, outcome, next_check_at)
        WHERE contents.package_id = v.package_id COLLATE "C" AND contents.content_path = v.content_path COLLATE "C" AND contents.damaged_by IS NULL
        RETURNING contents.package_id, contents.content_path`, arrays))).rows)
      return done
    }
    const per = Math.max(1, Math.floor(this.#db.maxParams / 5))
    for (let start = 0; start < rows.length; start += per) {
      const chunk = rows.slice(start, start + per)
      note((await tx.executeQuery<{ package_id: string, content_path: string }>(CompiledQuery.raw(`UPDATE contents SET last_checked_at = v.column3, last_outcome = v.column4, next_check_at = v.column5
        FROM (VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}) AS v
        WHERE contents.package_id = v.column1 AND contents.content_path = v.column2 AND contents.damaged_by IS NULL
        RETURNING contents.package_id, contents.content_path`, chunk.flat()))).rows)
    }
    return done
  }

  async #recordOne (tx: Executor, i: FixityItem): Promise<void> {
    await tx.updateTable('contents').set({ last_checked_at: i.checkedAt, last_outcome: i.outcome, next_check_at: i.nextCheckAt })
      .where('package_id', '=', i.packageId).where('content_path', '=', i.contentPath).execute()
    if (i.damage && i.outcome !== 'ok') {
      // §10 lesson 4: fixity results are events; damage is the package's content.damaged event
      await this.#damage(tx, i.packageId, i.contentPath, { source: 'fixity', outcome: i.outcome, detail: i.detail, at: i.checkedAt, agent: i.agent })
    } else if (i.outcome === 'ok') {
      await this.#intact(tx, i.packageId, i.contentPath, i.checkedAt, i.agent, i.detail)
    } else {
      await this.#events.append(fixityEvent(i), tx)
    }
  }

  // Damage is kept per content file: the first finding appends a `content.damaged` event to the package
  // (so archivists read it in the package's events), marks the content, and the package if it was active.
  async #damage (tx: Executor, packageId: string, contentPath: string, input: DamageInput): Promise<{ eventId: number, created: boolean }> {
    const row = await this.#content(tx, packageId, contentPath, true)
    if (row === undefined) throw new LantaiError('CONTENT_NOT_FOUND', `${packageId} ${contentPath}`, { packageId, contentPath })
    if (row.damaged_by !== null) return { eventId: row.damaged_by, created: false }
    const at = input.at ?? this.#clock().toISOString()
    const agent = input.agent ?? 'system'
    const logicalPaths = await this.#logicalPaths(tx, packageId, contentPath)
    const found = await this.#events.append({
      at, type: 'content.damaged', outcome: 'failure', agent, objectType: 'package', objectId: packageId,
      detail: { contentPath, logicalPaths, sha512: row.sha512, outcome: input.outcome, source: input.source, ...input.detail }
    }, tx)
    await tx.updateTable('contents').set({ damaged_by: found.id }).where('package_id', '=', packageId).where('content_path', '=', contentPath).execute()
    const changed = await tx.updateTable('packages').set({ state: 'damaged', updated_at: at }).where('id', '=', packageId).where('state', '=', 'active').executeTakeFirst()
    if (Number(changed.numUpdatedRows) > 0) {
      await this.#events.append({ at, type: 'package.damaged', outcome: 'failure', agent, objectType: 'package', objectId: packageId, detail: { contentPath, logicalPaths, event: found.id, ...input.detail } }, tx)
    }
    return { eventId: found.id, created: true }
  }

  // A damaged package is active again once none of its content is known damaged and a check has just
  // read some of it whole: a repair alone does not make it so (the "after a fixity re-check").
  async #intact (tx: Executor, packageId: string, contentPath: string, at: string, agent: string, check: Record<string, unknown>): Promise<void> {
    const row = await this.#content(tx, packageId, contentPath, true)
    if (row !== undefined && row.damaged_by !== null) {
      await tx.updateTable('contents').set({ damaged_by: null }).where('package_id', '=', packageId).where('content_path', '=', contentPath).execute()
      await this.#events.append({ at, type: 'content.intact', outcome: 'success', agent, objectType: 'package', objectId: packageId, detail: { contentPath, damagedBy: row.damaged_by, ...check } }, tx)
    }
    if ((await this.#getRow(tx, packageId))?.state !== 'damaged') return
    const left = await tx.selectFrom('contents').select(eb => eb.fn.countAll<number>().as('n')).where('package_id', '=', packageId).where('damaged_by', 'is not', null).executeTakeFirst()
    if ((left?.n ?? 0) === 0) {
      await tx.updateTable('packages').set({ state: 'active', updated_at: at }).where('id', '=', packageId).execute()
      await this.#events.append({ at, type: 'package.active', outcome: 'success', agent, objectType: 'package', objectId: packageId, detail: { reason: 'a fixity check found no content of the package damaged', contentPath, ...check } }, tx)
    }
  }

  async #logicalPaths (tx: Executor, packageId: string, contentPath: string): Promise<string[]> {
    const rows = await tx.selectFrom('package_files').select('logical_path').distinct().where('package_id', '=', packageId).where('content_path', '=', contentPath).orderBy('logical_path').execute()
    return rows.map(r => r.logical_path)
  }

  /**
   * Records that a content file's bytes were found bad (or gone) outside a fixity check, by a download:
   * a `content.damaged` event of the package, the content marked, the package damaged. A content
   * already known damaged keeps its first event. Throws CONTENT_NOT_FOUND.
   */
  async recordDamage (packageId: string, contentPath: string, input: DamageInput): Promise<{ eventId: number, created: boolean }> {
    return await this.#db.db.transaction().execute(async tx => await this.#damage(tx, packageId, contentPath, input))
  }

  /**
   * After the good bytes were put back at a damaged content path (the bad ones quarantined at
   * `quarantineKey`, or nothing there to keep): `content.quarantined` and `content.repaired` events,
   * the mark cleared, and the content due for a fixity check now. The package stays damaged until that
   * check. Nothing happens to content not marked damaged. Throws CONTENT_NOT_FOUND.
   */
  async recordRepair (packageId: string, contentPath: string, opts: { submissionId: string, quarantineKey: string | null, agent?: string }): Promise<void> {
    const agent = opts.agent ?? 'system'
    await this.#db.db.transaction().execute(async tx => {
      const row = await this.#content(tx, packageId, contentPath, true)
      if (row === undefined) throw new LantaiError('CONTENT_NOT_FOUND', `${packageId} ${contentPath}`, { packageId, contentPath })
      if (row.damaged_by === null) return
      const now = this.#clock().toISOString()
      if (opts.quarantineKey !== null) {
        await this.#events.append({ at: now, type: 'content.quarantined', outcome: 'info', agent, objectType: 'package', objectId: packageId, detail: { contentPath, quarantineKey: opts.quarantineKey, damagedBy: row.damaged_by, submissionId: opts.submissionId } }, tx)
      }
      await this.#events.append({ at: now, type: 'content.repaired', outcome: 'success', agent, objectType: 'package', objectId: packageId, detail: { contentPath, sha512: row.sha512, damagedBy: row.damaged_by, submissionId: opts.submissionId } }, tx)
      await tx.updateTable('contents').set({ damaged_by: null, next_check_at: now }).where('package_id', '=', packageId).where('content_path', '=', contentPath).execute()
    })
  }

  /**
   * The copies outvoted the catalogue (issue 16 item 6: "if the catalogue itself is in doubt, the
   * majority of copies decides"): the content's sha512 becomes `to`, any damage mark is cleared, the
   * content is due for a check now, and `content.digest.corrected` names the old and new digest and the
   * evidence, in the same transaction. STATE_CONFLICT when the row no longer holds `from`.
   */
  async correctDigest (packageId: string, contentPath: string, change: { from: string, to: string, evidence: Record<string, unknown>, agent?: string }): Promise<number> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await this.#content(tx, packageId, contentPath, true)
      if (row === undefined) throw new LantaiError('CONTENT_NOT_FOUND', `${packageId} ${contentPath}`, { packageId, contentPath })
      if (row.sha512 !== change.from) throw new LantaiError('STATE_CONFLICT', `${packageId} ${contentPath}: the catalogue's sha512 changed meanwhile`, { packageId, contentPath })
      const now = this.#clock().toISOString()
      const event = await this.#events.append({
        at: now, type: 'content.digest.corrected', outcome: 'warning', agent: change.agent ?? 'system', objectType: 'package', objectId: packageId,
        detail: { contentPath, from: change.from, to: change.to, damagedBy: row.damaged_by, ...change.evidence }
      }, tx)
      await tx.updateTable('contents').set({ sha512: change.to, damaged_by: null, next_check_at: now }).where('package_id', '=', packageId).where('content_path', '=', contentPath).execute()
      return event.id
    })
  }

  /** Content known damaged, of one package or all, by package and content path. */
  /** Given `tiers` (the caller's, issue 15 item 4), only the files of packages of these tiers. */
  async damagedContents (packageId?: string, tiers?: VisibleTiers): Promise<DamagedContent[]> {
    const { engine } = this.#db
    const rows = await this.#db.db.selectFrom('contents as c').innerJoin('events as e', 'e.id', 'c.damaged_by')
      .selectAll('c').select(['e.at', 'e.detail'])
      .where('c.damaged_by', 'is not', null)
      .$if(packageId !== undefined, q => q.where('c.package_id', '=', packageId ?? ''))
      .$if(tiers !== undefined, q => q.where(eb => eb.exists(eb.selectFrom('packages as vp').select('vp.id').whereRef('vp.id', '=', 'c.package_id')
        .where(pb => oneOf(engine, pb.ref('vp.tier'), [...tiers ?? []])))))
      .orderBy('c.package_id').orderBy('c.content_path').execute()
    const out: DamagedContent[] = []
    for (const r of rows) {
      const detail = fromJson(r.detail) as { source?: string, outcome?: FixityOutcome } | null
      out.push({
        packageId: r.package_id,
        contentPath: r.content_path,
        sha512: r.sha512,
        logicalPaths: await this.#logicalPaths(this.#db.db, r.package_id, r.content_path),
        eventId: r.damaged_by ?? 0,
        at: r.at,
        outcome: detail?.outcome ?? (r.last_outcome as FixityOutcome | null) ?? 'mismatch',
        source: detail?.source ?? 'fixity'
      })
    }
    return out
  }

  /** Throws PACKAGE_NOT_FOUND. Appends `package.damaged`. */
  async markDamaged (packageId: string, detail: unknown, agent = 'system'): Promise<Package> {
    return await this.#changeState(packageId, 'damaged', detail, agent)
  }

  /** After a repair. Throws PACKAGE_NOT_FOUND. Appends `package.active`. */
  async markActive (packageId: string, detail: unknown = null, agent = 'system'): Promise<Package> {
    return await this.#changeState(packageId, 'active', detail, agent)
  }

  async #changeState (packageId: string, state: PackageState, detail: unknown, agent: string): Promise<Package> {
    return await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const row = await tx.updateTable('packages').set({ state, updated_at: now }).where('id', '=', packageId).returningAll().executeTakeFirst()
      if (row === undefined) throw new LantaiError('PACKAGE_NOT_FOUND', packageId, { id: packageId })
      await this.#events.append({
        at: now, type: `package.${state}`, outcome: state === 'damaged' ? 'failure' : 'success', agent, objectType: 'package', objectId: packageId, detail
      }, tx)
      return toPackage(row)
    })
  }

  /**
   * Given `tiers` (the caller's, issue 15 item 4), every count is over the packages of these tiers only: a
   * caller learns nothing, not even a number of files, of a package above their clearance.
   */
  async fixitySummary (now: Date = this.#clock(), tiers?: VisibleTiers): Promise<FixitySummary> {
    const since = new Date(now.getTime() - 90 * DAY_MS).toISOString()
    const { engine } = this.#db
    const [s, damaged] = await Promise.all([
      this.#db.db.selectFrom('contents')
        .$if(tiers !== undefined, q => q.where(eb => eb.exists(eb.selectFrom('packages as vp').select('vp.id').whereRef('vp.id', '=', 'contents.package_id')
          .where(pb => oneOf(engine, pb.ref('vp.tier'), [...tiers ?? []])))))
        .select(eb => [
        eb.fn.countAll<number>().as('contents'),
        eb.fn.countAll<number>().filterWhere('last_checked_at', '>=', since).as('checked'),
        eb.fn.countAll<number>().filterWhere('last_checked_at', 'is', null).as('never'),
        eb.fn.countAll<number>().filterWhere('last_outcome', '=', 'mismatch').as('mismatches'),
        eb.fn.countAll<number>().filterWhere('last_outcome', '=', 'missing').as('missing'),
        eb.fn.min('last_checked_at').as('oldest')
      ]).executeTakeFirst(),
      this.#db.db.selectFrom('packages').select(eb => eb.fn.countAll<number>().as('n')).where('state', '=', 'damaged')
        .$if(tiers !== undefined, q => q.where(eb => oneOf(engine, eb.ref('tier'), [...tiers ?? []]))).executeTakeFirst()
    ])
    return {
      contents: s?.contents ?? 0,
      checkedLast90Days: s?.checked ?? 0,
      neverChecked: s?.never ?? 0,
      mismatches: s?.mismatches ?? 0,
      missing: s?.missing ?? 0,
      damagedPackages: damaged?.n ?? 0,
      oldestCheckAt: s?.oldest ?? null
    }
  }
}

const fixityEvent = (i: FixityItem): NewEvent => ({
  at: i.checkedAt, type: 'fixity.check', outcome: i.outcome === 'ok' ? 'success' : 'failure', agent: i.agent,
  objectType: 'content', objectId: `${i.packageId}/${i.contentPath}`, detail: { ...i.detail, packageId: i.packageId, contentPath: i.contentPath, outcome: i.outcome }
})
