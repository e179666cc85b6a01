import type { Database, Statement } from 'better-sqlite3'
import { LantaiError } from '../errors.js'
import { checkPage, isConstraint, isoBound, likeAnywhere, type Clock, type Page, type PageQuery } from './sql.js'

export interface Project {
  /** 统一项目代码 (unified project code), the key across systems */
  code: string
  name: string
  /** 建设单位, the construction unit (owner) */
  unit: string | null
  createdAt: string
}

export interface NewProject {
  code: string
  name: string
  unit?: string | null
}

export interface ProjectQuery extends PageQuery {
  /** matches code or name anywhere, case-insensitively (ASCII) */
  q?: string
  /** exact 建设单位 */
  unit?: string
  /** inclusive lower bound on createdAt */
  createdFrom?: string
  /** exclusive upper bound on createdAt (half-open, so consecutive ranges never overlap) */
  createdTo?: string
}

/** What the catalogue can store; the format a deployment requires is `projectCodeMatcher`'s. */
export const PROJECT_CODE = /^[A-Za-z0-9-]{1,64}$/

/**
 * 统一项目代码 (the unified project code of the national investment project approval platform), e.g.
 * 2019-310104-47-01-000123: year, administrative division, industry, project type, serial.
 */
export const UNIFIED_PROJECT_CODE = '\\d{4}-\\d{6}-\\d{2}-\\d{2}-\\d{6}'

/** The configured pattern (LANTAI_PROJECT_CODE_PATTERN) matching a whole code; null: the unified code. */
export const projectCodeMatcher = (source: string | null): RegExp => new RegExp(`^(?:${source ?? UNIFIED_PROJECT_CODE})$`)

interface ProjectRow { code: string, name: string, unit: string | null, created_at: string }

export const toProject = (row: ProjectRow): Project => ({ code: row.code, name: row.name, unit: row.unit, createdAt: row.created_at })

// A project table stays in the thousands, so one statement with optional filters is enough here.
const WHERE = `
  WHERE (@q IS NULL OR code LIKE @q ESCAPE '\\' OR name LIKE @q ESCAPE '\\')
    AND (@unit IS NULL OR unit = @unit)
    AND (@from IS NULL OR created_at >= @from)
    AND (@to IS NULL OR created_at < @to)`

export class ProjectRepository {
  readonly #clock: Clock
  readonly #insert: Statement<ProjectRow, void>
  readonly #get: Statement<[string], ProjectRow>
  readonly #search: Statement<Record<string, unknown>, ProjectRow>
  readonly #count: Statement<Record<string, unknown>, { n: number }>

  constructor (db: Database, clock: Clock) {
    this.#clock = clock
    this.#insert = db.prepare('INSERT INTO projects (code, name, unit, created_at) VALUES (@code, @name, @unit, @created_at)')
    this.#get = db.prepare('SELECT * FROM projects WHERE code = ?')
    this.#search = db.prepare(`SELECT * FROM projects ${WHERE} ORDER BY created_at DESC, code LIMIT @limit OFFSET @offset`)
    this.#count = db.prepare(`SELECT count(*) AS n FROM projects ${WHERE}`)
  }

  /** Throws PROJECT_CODE_INVALID, PROJECT_EXISTS. Appends no event: the caller records `project.created` with its agent. */
  create (input: NewProject): Project {
    if (!PROJECT_CODE.test(input.code)) {
      throw new LantaiError('PROJECT_CODE_INVALID', `${input.code}: 1 to 64 characters of A-Z, a-z, 0-9 and -`, { code: input.code, detailZh: `${input.code}：须为 1 至 64 个 A-Z、a-z、0-9 和 - 字符` })
    }
    if (input.name.trim() === '') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', 'a project needs a name', { code: input.code })
    const project: Project = { code: input.code, name: input.name, unit: input.unit ?? null, createdAt: this.#clock().toISOString() }
    try {
      this.#insert.run({ code: project.code, name: project.name, unit: project.unit, created_at: project.createdAt })
    } catch (err) {
      if (isConstraint(err, 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw new LantaiError('PROJECT_EXISTS', input.code, { code: input.code }, { cause: err })
      throw err
    }
    return project
  }

  get (code: string): Project | null {
    const row = this.#get.get(code)
    return row === undefined ? null : toProject(row)
  }

  /** Newest first. */
  search (query: ProjectQuery): Page<Project> {
    checkPage(query)
    const filters = {
      q: likeAnywhere(query.q),
      unit: query.unit ?? null,
      from: isoBound('createdFrom', query.createdFrom),
      to: isoBound('createdTo', query.createdTo)
    }
    return {
      items: this.#search.all({ ...filters, limit: query.limit, offset: query.offset }).map(toProject),
      total: this.#count.get(filters)?.n ?? 0
    }
  }
}
