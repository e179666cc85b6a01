import type { Database, Statement, Transaction } from 'better-sqlite3'
import { LantaiError } from '../errors.js'
import { STORED_ALGORITHMS, type StoredAlgorithm } from '../hashing/index.js'
import type { EventRepository } from './event-repository.js'
import type { IdFactory } from './ids.js'
import { checkPage, fromJson, isConstraint, isoBound, likeAnywhere, type Clock, type Page, type PageQuery } from './sql.js'

// One OCFL object per project: its versions, the logical files of each version and the stored content
// files, which are the unit of fixity (research-preservation.md §10 lessons 4 and 5).

export type PackageState = 'active' | 'damaged'
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

export interface Digests extends Record<StoredAlgorithm, string> { size: number }

export interface PackageFile extends Digests {
  packageId: string
  version: number
  logicalPath: string
  contentPath: string
  format: string | null
}

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
export type PackageFileInput = { logicalPath: string, contentPath: string, format?: string | null } & Partial<Digests>

/** A content file first stored by the new version; `nextCheckAt` defaults to now (audit soon after ingest). */
export type ContentInput = { contentPath: string, nextCheckAt?: string } & Digests

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

interface PackageRow {
  id: string
  project_code: string
  ocfl_id: string
  head_version: number
  state: string
  file_count: number
  bytes: number
  content_count: number
  stored_bytes: number
  created_at: string
  updated_at: string
}
interface PackageSummaryRow extends PackageRow { project_name: string, project_unit: string | null }
interface VersionRow { package_id: string, number: number, submission_id: string, message: string, file_count: number, bytes: number, created_at: string }
interface DigestRow { size: number, sha512: string, sha256: string, md5: string, sm3: string }
interface FileRow extends DigestRow { package_id: string, version: number, logical_path: string, content_path: string, format: string | null }
interface ContentRow extends DigestRow {
  package_id: string
  content_path: string
  last_checked_at: string | null
  last_outcome: string | null
  next_check_at: string
  damaged_by: number | null
}
interface SummaryRow { contents: number, checked: number, never: number, mismatches: number, missing: number, oldest: string | null }

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
  updatedAt: r.updated_at
})
export const toPackageSummary = (r: PackageSummaryRow): PackageSummary => ({ ...toPackage(r), projectName: r.project_name, projectUnit: r.project_unit })
export const toVersion = (r: VersionRow): Version => ({
  packageId: r.package_id, number: r.number, submissionId: r.submission_id, createdAt: r.created_at, message: r.message, fileCount: r.file_count, bytes: r.bytes
})
const toDigests = (r: DigestRow): Digests => ({ size: r.size, sha512: r.sha512, sha256: r.sha256, md5: r.md5, sm3: r.sm3 })
export const toPackageFile = (r: FileRow): PackageFile => ({
  packageId: r.package_id, version: r.version, logicalPath: r.logical_path, contentPath: r.content_path, ...toDigests(r), format: r.format
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

const DIGEST_KEYS = ['size', ...STORED_ALGORITHMS] as const
const differs = (a: Digests, b: Partial<Digests>): keyof Digests | undefined => DIGEST_KEYS.find(k => b[k] !== undefined && b[k] !== a[k])

const SEARCH_WHERE = `
  WHERE (@q IS NULL OR p.project_code LIKE @q ESCAPE '\\' OR j.name LIKE @q ESCAPE '\\' OR p.ocfl_id LIKE @q ESCAPE '\\')
    AND (@projectCode IS NULL OR p.project_code = @projectCode)
    AND (@unit IS NULL OR j.unit = @unit)
    AND (@from IS NULL OR p.created_at >= @from)
    AND (@to IS NULL OR p.created_at < @to)`

const FILE_SELECT = `
  SELECT f.package_id, f.version, f.logical_path, f.content_path, f.format, c.size, c.sha512, c.sha256, c.md5, c.sm3
  FROM package_files f JOIN contents c ON c.package_id = f.package_id AND c.content_path = f.content_path`

const DAY_MS = 24 * 60 * 60 * 1000

const isDamage = (r: { outcome: FixityOutcome, detail?: Record<string, unknown>, damage?: boolean }): boolean =>
  r.damage ?? (r.outcome === 'missing' || (r.outcome === 'mismatch' && r.detail?.kind !== 'drift'))

export class PackageRepository {
  readonly #clock: Clock
  readonly #newId: IdFactory
  readonly #get: Statement<[string], PackageRow>
  readonly #byProject: Statement<[string], PackageRow>
  readonly #search: Statement<Record<string, unknown>, PackageSummaryRow>
  readonly #searchCount: Statement<Record<string, unknown>, { n: number }>
  readonly #versions: Statement<[string], VersionRow>
  readonly #files: Statement<Record<string, unknown>, FileRow>
  readonly #fileCount: Statement<Record<string, unknown>, { n: number }>
  readonly #file: Statement<Record<string, unknown>, FileRow>
  readonly #fileHistory: Statement<[string, string], FileRow>
  readonly #content: Statement<[string, string], ContentRow>
  readonly #due: Statement<[string, number], ContentRow>
  readonly #dueIn: Statement<[string, string, number], ContentRow>
  readonly #dueCount: Statement<[string], { n: number }>
  readonly #setFixity: Statement<Record<string, unknown>, void>
  readonly #setState: Statement<Record<string, unknown>, void>
  readonly #summary: Statement<{ since: string }, SummaryRow>
  readonly #damaged: Statement<[], { n: number }>
  readonly #recordVersion: Transaction<(input: RecordVersionInput) => Package>
  readonly #recordFixityMany: Transaction<(items: readonly FixityRecord[]) => void>
  readonly #recordFixity: Transaction<(packageId: string, contentPath: string, outcome: FixityOutcome, checkedAt: string, nextCheckAt: string, agent: string, detail: Record<string, unknown>, damage: boolean) => void>
  readonly #recordDamage: Transaction<(packageId: string, contentPath: string, input: DamageInput) => { eventId: number, created: boolean }>
  readonly #repair: Transaction<(packageId: string, contentPath: string, submissionId: string, quarantineKey: string | null, agent: string) => void>
  readonly #damagedIn: Statement<[string], ContentRow & { at: string, detail: string | null }>
  readonly #damagedAll: Statement<[], ContentRow & { at: string, detail: string | null }>
  readonly #logicalPaths: Statement<[string, string], { logical_path: string }>
  readonly #changeState: Transaction<(packageId: string, state: PackageState, detail: unknown, agent: string) => Package>

  constructor (db: Database, events: EventRepository, clock: Clock, newId: IdFactory) {
    this.#clock = clock
    this.#newId = newId
    this.#get = db.prepare('SELECT * FROM packages WHERE id = ?')
    this.#byProject = db.prepare('SELECT * FROM packages WHERE project_code = ?')
    this.#search = db.prepare(`
      SELECT p.*, j.name AS project_name, j.unit AS project_unit
      FROM packages p JOIN projects j ON j.code = p.project_code ${SEARCH_WHERE}
      ORDER BY p.created_at DESC, p.id DESC LIMIT @limit OFFSET @offset`)
    this.#searchCount = db.prepare(`SELECT count(*) AS n FROM packages p JOIN projects j ON j.code = p.project_code ${SEARCH_WHERE}`)
    this.#versions = db.prepare('SELECT * FROM versions WHERE package_id = ? ORDER BY number')
    this.#files = db.prepare(`${FILE_SELECT} WHERE f.package_id = @packageId AND f.version = @version ORDER BY f.logical_path LIMIT @limit OFFSET @offset`)
    this.#fileCount = db.prepare('SELECT count(*) AS n FROM package_files WHERE package_id = @packageId AND version = @version')
    this.#file = db.prepare(`${FILE_SELECT} WHERE f.package_id = @packageId AND f.logical_path = @logicalPath AND f.version = @version`)
    this.#fileHistory = db.prepare(`${FILE_SELECT} WHERE f.package_id = ? AND f.logical_path = ? ORDER BY f.version`)
    this.#content = db.prepare('SELECT * FROM contents WHERE package_id = ? AND content_path = ?')
    this.#due = db.prepare('SELECT * FROM contents WHERE next_check_at <= ? ORDER BY next_check_at, package_id, content_path LIMIT ?')
    this.#dueCount = db.prepare('SELECT count(*) AS n FROM contents WHERE next_check_at <= ?')
    this.#dueIn = db.prepare('SELECT * FROM contents WHERE package_id = ? AND next_check_at <= ? ORDER BY next_check_at, content_path LIMIT ?')
    this.#setFixity = db.prepare(`
      UPDATE contents SET last_checked_at = @checkedAt, last_outcome = @outcome, next_check_at = @nextCheckAt
      WHERE package_id = @packageId AND content_path = @contentPath`)
    this.#setState = db.prepare('UPDATE packages SET state = @state, updated_at = @now WHERE id = @id')
    this.#summary = db.prepare(`
      SELECT count(*) AS contents,
        count(*) FILTER (WHERE last_checked_at >= @since) AS checked,
        count(*) FILTER (WHERE last_checked_at IS NULL) AS never,
        count(*) FILTER (WHERE last_outcome = 'mismatch') AS mismatches,
        count(*) FILTER (WHERE last_outcome = 'missing') AS missing,
        min(last_checked_at) AS oldest
      FROM contents`)
    this.#damaged = db.prepare("SELECT count(*) AS n FROM packages WHERE state = 'damaged'")
    const DAMAGED = `SELECT c.*, e.at, e.detail FROM contents c JOIN events e ON e.id = c.damaged_by WHERE c.damaged_by IS NOT NULL`
    this.#damagedIn = db.prepare(`${DAMAGED} AND c.package_id = ? ORDER BY c.content_path`)
    this.#damagedAll = db.prepare(`${DAMAGED} ORDER BY c.package_id, c.content_path`)
    this.#logicalPaths = db.prepare('SELECT DISTINCT logical_path FROM package_files WHERE package_id = ? AND content_path = ? ORDER BY logical_path')
    const setDamagedBy = db.prepare<[number | null, string, string]>('UPDATE contents SET damaged_by = ? WHERE package_id = ? AND content_path = ?')
    const countDamaged = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM contents WHERE package_id = ? AND damaged_by IS NOT NULL')
    const recheckSoon = db.prepare<[string, string, string]>('UPDATE contents SET next_check_at = ? WHERE package_id = ? AND content_path = ?')

    const insertPackage = db.prepare<Record<string, unknown>>(`
      INSERT INTO packages (id, project_code, ocfl_id, head_version, state, file_count, bytes, content_count, stored_bytes, created_at, updated_at)
      VALUES (@id, @projectCode, @ocflId, 1, 'active', 0, 0, 0, 0, @now, @now)`)
    const getVersion = db.prepare<[string, number], VersionRow>('SELECT * FROM versions WHERE package_id = ? AND number = ?')
    const insertVersion = db.prepare<Record<string, unknown>>(`
      INSERT INTO versions (package_id, number, submission_id, message, file_count, bytes, created_at)
      VALUES (@packageId, @number, @submissionId, @message, 0, 0, @now)`)
    const finishVersion = db.prepare<Record<string, unknown>>(
      'UPDATE versions SET file_count = @fileCount, bytes = @bytes WHERE package_id = @packageId AND number = @number')
    // Positional parameters and ON CONFLICT: a version of 10,000 files runs these 20,000 times, and a
    // lookup before every insert (or an object of named parameters each) was a third of the transaction.
    const insertContent = db.prepare<[string, string, number, string, string, string, string, string]>(`
      INSERT INTO contents (package_id, content_path, size, sha512, sha256, md5, sm3, next_check_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (package_id, content_path) DO NOTHING`)
    const insertFile = db.prepare<[string, number, string, string, string | null]>(`
      INSERT INTO package_files (package_id, version, logical_path, content_path, format)
      VALUES (?, ?, ?, ?, ?)`)
    const setHead = db.prepare<Record<string, unknown>>(`
      UPDATE packages SET head_version = @number, file_count = @fileCount, bytes = @bytes,
        content_count = content_count + @newContents, stored_bytes = stored_bytes + @newBytes, updated_at = @now
      WHERE id = @id`)

    this.#recordVersion = db.transaction((input: RecordVersionInput): Package => {
      const now = this.#clock().toISOString()
      const { number, submissionId, message, mode, removed, repaired } = input.version
      let existing = this.#byProject.get(input.projectCode)
      if (existing === undefined && number !== 1) {
        throw new LantaiError('PACKAGE_VERSION_CONFLICT', `${input.projectCode} has no package, so its first version must be 1, not ${number}`, { projectCode: input.projectCode, number })
      }
      if (existing !== undefined && existing.ocfl_id === input.ocflId && number <= existing.head_version &&
        getVersion.get(existing.id, number)?.submission_id === submissionId) {
        // already recorded: a worker that crashed after this commit but before the submission's own
        // transition records the version again on resume, and that must not fail it
        return toPackage(existing)
      }
      if (existing !== undefined && (number !== existing.head_version + 1 || existing.ocfl_id !== input.ocflId)) {
        throw new LantaiError('PACKAGE_VERSION_CONFLICT', `${input.projectCode} is ${existing.ocfl_id} at v${existing.head_version}; got ${input.ocflId} v${number}`,
          { projectCode: input.projectCode, ocflId: input.ocflId, head: existing.head_version, number })
      }
      const created = existing === undefined
      if (existing === undefined) {
        const id = this.#newId('pkg', this.#clock())
        try {
          insertPackage.run({ id, projectCode: input.projectCode, ocflId: input.ocflId, now })
        } catch (err) {
          if (isConstraint(err, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new LantaiError('PROJECT_NOT_FOUND', input.projectCode, { code: input.projectCode }, { cause: err })
          if (isConstraint(err, 'SQLITE_CONSTRAINT_UNIQUE')) throw new LantaiError('PACKAGE_VERSION_CONFLICT', `OCFL id ${input.ocflId} belongs to another project`, { ocflId: input.ocflId }, { cause: err })
          throw err
        }
        existing = this.#get.get(id)
        if (existing === undefined) throw new Error('the package just inserted is not there')
      }
      const packageId = existing.id
      try {
        insertVersion.run({ packageId, number, submissionId, message, now })
      } catch (err) {
        if (isConstraint(err, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw new LantaiError('SUBMISSION_NOT_FOUND', submissionId, { id: submissionId }, { cause: err })
        throw err
      }

      // contents before files: each file row references its content row
      const fresh = new Map<string, Digests>()
      let newBytes = 0
      for (const c of input.contents) {
        if (insertContent.run(packageId, c.contentPath, c.size, c.sha512, c.sha256, c.md5, c.sm3, c.nextCheckAt ?? now).changes === 1) {
          fresh.set(c.contentPath, c)
          newBytes += c.size
          continue
        }
        // Recorded before (an earlier version, or this one listed twice): it must be the same content.
        const old = this.#content.get(packageId, c.contentPath)
        const key = old === undefined ? undefined : differs(toDigests(old), c)
        if (old !== undefined && key !== undefined) throw new LantaiError('CONTENT_CONFLICT', `${c.contentPath}: ${key} ${String(old[key])} recorded, ${String(c[key])} given`, { contentPath: c.contentPath, field: key })
      }
      let fileCount = 0
      let bytes = 0
      for (const f of input.files) {
        const content = fresh.get(f.contentPath) ?? (r => r === undefined ? undefined : toDigests(r))(this.#content.get(packageId, f.contentPath))
        if (content === undefined) throw new LantaiError('CONTENT_NOT_FOUND', `${f.logicalPath} → ${f.contentPath}`, { logicalPath: f.logicalPath, contentPath: f.contentPath })
        const key = differs(content, f)
        if (key !== undefined) throw new LantaiError('CONTENT_CONFLICT', `${f.logicalPath}: ${key} ${String(content[key])} recorded for ${f.contentPath}, ${String(f[key])} given`, { logicalPath: f.logicalPath, field: key })
        insertFile.run(packageId, number, f.logicalPath, f.contentPath, f.format ?? null)
        fileCount++
        bytes += content.size
      }
      finishVersion.run({ packageId, number, fileCount, bytes })
      setHead.run({ id: packageId, number, fileCount, bytes, newContents: fresh.size, newBytes, now })
      events.append({
        at: now, type: 'package.version', outcome: 'success', agent: input.agent ?? 'system', objectType: 'package', objectId: packageId,
        detail: {
          projectCode: input.projectCode, ocflId: input.ocflId, version: number, submissionId, created, fileCount, bytes, newContents: fresh.size, newBytes,
          ...(mode === undefined ? {} : { mode }), ...(removed === undefined ? {} : { removed }), ...(repaired === undefined ? {} : { repaired })
        }
      })
      const pkg = this.#get.get(packageId)
      if (pkg === undefined) throw new Error('the package just updated is not there')
      return toPackage(pkg)
    })

    // Damage is kept per content file: the first finding appends a `content.damaged` event to the package
    // (so archivists read it in the package's events), marks the content, and the package if it was active.
    const damage = (packageId: string, contentPath: string, input: DamageInput): { eventId: number, created: boolean } => {
      const row = this.#content.get(packageId, contentPath)
      if (row === undefined) throw new LantaiError('CONTENT_NOT_FOUND', `${packageId} ${contentPath}`, { packageId, contentPath })
      if (row.damaged_by !== null) return { eventId: row.damaged_by, created: false }
      const at = input.at ?? this.#clock().toISOString()
      const agent = input.agent ?? 'system'
      const logicalPaths = this.#logicalPaths.all(packageId, contentPath).map(r => r.logical_path)
      const found = events.append({
        at, type: 'content.damaged', outcome: 'failure', agent, objectType: 'package', objectId: packageId,
        detail: { contentPath, logicalPaths, sha512: row.sha512, outcome: input.outcome, source: input.source, ...input.detail }
      })
      setDamagedBy.run(found.id, packageId, contentPath)
      if (this.#get.get(packageId)?.state === 'active') {
        this.#setState.run({ id: packageId, state: 'damaged', now: at })
        events.append({ at, type: 'package.damaged', outcome: 'failure', agent, objectType: 'package', objectId: packageId, detail: { contentPath, logicalPaths, event: found.id, ...input.detail } })
      }
      return { eventId: found.id, created: true }
    }
    this.#recordDamage = db.transaction(damage)

    // A damaged package is active again once none of its content is known damaged and a check has just
    // read some of it whole: a repair alone does not make it so (the "after a fixity re-check").
    const intact = (packageId: string, contentPath: string, at: string, agent: string, fixityEvent: number): void => {
      const row = this.#content.get(packageId, contentPath)
      if (row !== undefined && row.damaged_by !== null) {
        setDamagedBy.run(null, packageId, contentPath)
        events.append({ at, type: 'content.intact', outcome: 'success', agent, objectType: 'package', objectId: packageId, detail: { contentPath, damagedBy: row.damaged_by, fixityEvent } })
      }
      if (this.#get.get(packageId)?.state === 'damaged' && (countDamaged.get(packageId)?.n ?? 0) === 0) {
        this.#setState.run({ id: packageId, state: 'active', now: at })
        events.append({ at, type: 'package.active', outcome: 'success', agent, objectType: 'package', objectId: packageId, detail: { reason: 'a fixity check found no content of the package damaged', fixityEvent } })
      }
    }

    this.#recordFixity = db.transaction((packageId, contentPath, outcome, checkedAt, nextCheckAt, agent, detail, isDamage) => {
      const { changes } = this.#setFixity.run({ packageId, contentPath, outcome, checkedAt, nextCheckAt })
      if (changes === 0) throw new LantaiError('CONTENT_NOT_FOUND', `${packageId} ${contentPath}`, { packageId, contentPath })
      // §10 lesson 4: fixity results are events
      const check = events.append({
        at: checkedAt, type: 'fixity.check', outcome: outcome === 'ok' ? 'success' : 'failure', agent,
        objectType: 'content', objectId: `${packageId}/${contentPath}`, detail: { ...detail, packageId, contentPath, outcome }
      })
      if (isDamage && outcome !== 'ok') damage(packageId, contentPath, { source: 'fixity', outcome, detail: { ...detail, fixityEvent: check.id }, at: checkedAt, agent })
      else if (outcome === 'ok') intact(packageId, contentPath, checkedAt, agent, check.id)
    })

    this.#repair = db.transaction((packageId, contentPath, submissionId, quarantineKey, agent) => {
      const row = this.#content.get(packageId, contentPath)
      if (row === undefined) throw new LantaiError('CONTENT_NOT_FOUND', `${packageId} ${contentPath}`, { packageId, contentPath })
      if (row.damaged_by === null) return
      const now = this.#clock().toISOString()
      if (quarantineKey !== null) {
        events.append({ at: now, type: 'content.quarantined', outcome: 'info', agent, objectType: 'package', objectId: packageId, detail: { contentPath, quarantineKey, damagedBy: row.damaged_by, submissionId } })
      }
      events.append({ at: now, type: 'content.repaired', outcome: 'success', agent, objectType: 'package', objectId: packageId, detail: { contentPath, sha512: row.sha512, damagedBy: row.damaged_by, submissionId } })
      setDamagedBy.run(null, packageId, contentPath)
      recheckSoon.run(now, packageId, contentPath)
    })

    // A nested transaction is a savepoint in better-sqlite3: one commit (one fsync) for the whole batch.
    this.#recordFixityMany = db.transaction((items: readonly FixityRecord[]) => {
      for (const i of items) this.#recordFixity(i.packageId, i.contentPath, i.outcome, i.checkedAt, i.nextCheckAt, i.agent ?? 'system', i.detail ?? {}, isDamage(i))
    })

    this.#changeState = db.transaction((packageId: string, state: PackageState, detail: unknown, agent: string) => {
      const now = this.#clock().toISOString()
      const { changes } = this.#setState.run({ id: packageId, state, now })
      if (changes === 0) throw new LantaiError('PACKAGE_NOT_FOUND', packageId, { id: packageId })
      events.append({
        at: now, type: `package.${state}`, outcome: state === 'damaged' ? 'failure' : 'success', agent, objectType: 'package', objectId: packageId, detail
      })
      const row = this.#get.get(packageId)
      if (row === undefined) throw new Error('the package just updated is not there')
      return toPackage(row)
    })
  }

  getByProject (code: string): Package | null {
    const row = this.#byProject.get(code)
    return row === undefined ? null : toPackage(row)
  }

  get (id: string): Package | null {
    const row = this.#get.get(id)
    return row === undefined ? null : toPackage(row)
  }

  /** Newest first, with the project's name and 建设单位. */
  search (query: PackageQuery): Page<PackageSummary> {
    checkPage(query)
    const filters = {
      q: likeAnywhere(query.q),
      projectCode: query.projectCode ?? null,
      unit: query.unit ?? null,
      from: isoBound('createdFrom', query.createdFrom),
      to: isoBound('createdTo', query.createdTo)
    }
    return {
      items: this.#search.all({ ...filters, limit: query.limit, offset: query.offset }).map(toPackageSummary),
      total: this.#searchCount.get(filters)?.n ?? 0
    }
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
  recordVersion (input: RecordVersionInput): Package {
    try {
      return this.#recordVersion.immediate(input)
    } catch (err) {
      if (isConstraint(err, 'SQLITE_CONSTRAINT_UNIQUE') && String(err).includes('versions.submission_id')) {
        throw new LantaiError('PACKAGE_VERSION_CONFLICT', `submission ${input.version.submissionId} already made a version`, { submissionId: input.version.submissionId }, { cause: err })
      }
      throw err
    }
  }

  versions (packageId: string): Version[] {
    return this.#versions.all(packageId).map(toVersion)
  }

  /** The logical files of one version (the head by default), by logical path. */
  files (packageId: string, query: PageQuery & { version?: number }): Page<PackageFile> {
    checkPage(query)
    const version = query.version ?? this.get(packageId)?.headVersion ?? 0
    return {
      items: this.#files.all({ packageId, version, limit: query.limit, offset: query.offset }).map(toPackageFile),
      total: this.#fileCount.get({ packageId, version })?.n ?? 0
    }
  }

  /**
   * One logical path as of `version` (the head by default); null past the head, as for a path not there.
   * Every version holds its full state, so the latest version ≤ `version` is that version itself, and a
   * path deleted in it is null rather than resurrected from an older version.
   */
  file (packageId: string, logicalPath: string, version?: number): PackageFile | null {
    const head = this.get(packageId)?.headVersion
    if (head === undefined) return null
    if (version !== undefined && version > head) return null
    const row = this.#file.get({ packageId, logicalPath, version: version ?? head })
    return row === undefined ? null : toPackageFile(row)
  }

  /** Every version in which `logicalPath` exists, oldest first. */
  fileHistory (packageId: string, logicalPath: string): PackageFile[] {
    return this.#fileHistory.all(packageId, logicalPath).map(toPackageFile)
  }

  content (packageId: string, contentPath: string): Content | null {
    const row = this.#content.get(packageId, contentPath)
    return row === undefined ? null : toContent(row)
  }

  /** Content files whose nextCheckAt ≤ now (of one package, if given), most overdue first. */
  dueForFixity (now: Date | string, limit: number, packageId?: string): Content[] {
    const at = typeof now === 'string' ? now : now.toISOString()
    return (packageId === undefined ? this.#due.all(at, limit) : this.#dueIn.all(packageId, at, limit)).map(toContent)
  }

  /** How many content files are due for a check now (the backlog a monitoring gauge shows). */
  countDueForFixity (now: Date = this.#clock()): number {
    return this.#dueCount.get(now.toISOString())?.n ?? 0
  }

  /** Stores one check's outcome and the next due time, and appends a `fixity.check` event. Throws CONTENT_NOT_FOUND. */
  recordFixity (packageId: string, contentPath: string, outcome: FixityOutcome, checkedAt: string, nextCheckAt: string,
    opts: { agent?: string, detail?: Record<string, unknown> } = {}): void {
    const detail = opts.detail ?? {}
    this.#recordFixity.immediate(packageId, contentPath, outcome, checkedAt, nextCheckAt, opts.agent ?? 'system', detail, isDamage({ outcome, detail }))
  }

  /**
   * Several checks' outcomes in one transaction: with synchronous=FULL every commit is an fsync, and a
   * commit per file capped a fixity pass at a few dozen files a second. All or none are recorded.
   */
  recordFixityMany (items: readonly FixityRecord[]): void {
    if (items.length > 0) this.#recordFixityMany.immediate(items)
  }

  /**
   * Records that a content file's bytes were found bad (or gone) outside a fixity check, by a download:
   * a `content.damaged` event of the package, the content marked, the package damaged. A content
   * already known damaged keeps its first event. Throws CONTENT_NOT_FOUND.
   */
  recordDamage (packageId: string, contentPath: string, input: DamageInput): { eventId: number, created: boolean } {
    return this.#recordDamage.immediate(packageId, contentPath, input)
  }

  /**
   * After the good bytes were put back at a damaged content path (the bad ones quarantined at
   * `quarantineKey`, or nothing there to keep): `content.quarantined` and `content.repaired` events,
   * the mark cleared, and the content due for a fixity check now. The package stays damaged until that
   * check. Nothing happens to content not marked damaged. Throws CONTENT_NOT_FOUND.
   */
  recordRepair (packageId: string, contentPath: string, opts: { submissionId: string, quarantineKey: string | null, agent?: string }): void {
    this.#repair.immediate(packageId, contentPath, opts.submissionId, opts.quarantineKey, opts.agent ?? 'system')
  }

  /** Content known damaged, of one package or all, by package and content path. */
  damagedContents (packageId?: string): DamagedContent[] {
    const rows = packageId === undefined ? this.#damagedAll.all() : this.#damagedIn.all(packageId)
    return rows.map(r => {
      const detail = fromJson(r.detail) as { source?: string, outcome?: FixityOutcome } | null
      return {
        packageId: r.package_id,
        contentPath: r.content_path,
        sha512: r.sha512,
        logicalPaths: this.#logicalPaths.all(r.package_id, r.content_path).map(p => p.logical_path),
        eventId: r.damaged_by ?? 0,
        at: r.at,
        outcome: detail?.outcome ?? (r.last_outcome as FixityOutcome | null) ?? 'mismatch',
        source: detail?.source ?? 'fixity'
      }
    })
  }

  /** Throws PACKAGE_NOT_FOUND. Appends `package.damaged`. */
  markDamaged (packageId: string, detail: unknown, agent = 'system'): Package {
    return this.#changeState.immediate(packageId, 'damaged', detail, agent)
  }

  /** After a repair. Throws PACKAGE_NOT_FOUND. Appends `package.active`. */
  markActive (packageId: string, detail: unknown = null, agent = 'system'): Package {
    return this.#changeState.immediate(packageId, 'active', detail, agent)
  }

  fixitySummary (now: Date = this.#clock()): FixitySummary {
    const since = new Date(now.getTime() - 90 * DAY_MS).toISOString()
    const s = this.#summary.get({ since })
    return {
      contents: s?.contents ?? 0,
      checkedLast90Days: s?.checked ?? 0,
      neverChecked: s?.never ?? 0,
      mismatches: s?.mismatches ?? 0,
      missing: s?.missing ?? 0,
      damagedPackages: this.#damaged.get()?.n ?? 0,
      oldestCheckAt: s?.oldest ?? null
    }
  }
}
