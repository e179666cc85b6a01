import type { CatalogueDatabase } from './db/open.js'
import { LantaiError } from '../errors.js'
import type { EventRepository } from './event-repository.js'
import { checkPage, isoBound, likeAnywhere, mapViolation, matches, type Clock, type Page, type PageQuery } from './sql.js'

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

export class ProjectRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  /** Registers a project with its `project.created` event (naming `agent`), in one transaction. Throws PROJECT_CODE_INVALID, PROJECT_EXISTS. */
  async create (input: NewProject, agent = 'system'): Promise<Project> {
    if (!PROJECT_CODE.test(input.code)) {
      throw new LantaiError('PROJECT_CODE_INVALID', `${input.code}: 1 to 64 characters of A-Z, a-z, 0-9 and -`, { code: input.code, detailZh: `${input.code}：须为 1 至 64 个 A-Z、a-z、0-9 和 - 字符` })
    }
    if (input.name.trim() === '') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', 'a project needs a name', { code: input.code })
    const project: Project = { code: input.code, name: input.name, unit: input.unit ?? null, createdAt: this.#clock().toISOString() }
    // The project and its project.created event go in together, as a token and its event do.
    await mapViolation(
      async () => await this.#db.db.transaction().execute(async tx => {
        await tx.insertInto('projects').values({ code: project.code, name: project.name, unit: project.unit, created_at: project.createdAt }).execute()
        await this.#events.append({ at: project.createdAt, type: 'project.created', outcome: 'success', agent, objectType: 'project', objectId: project.code, detail: { name: project.name } }, tx)
      }),
      (v, err) => v.kind === 'unique' ? new LantaiError('PROJECT_EXISTS', input.code, { code: input.code }, { cause: err }) : undefined)
    return project
  }

  async get (code: string): Promise<Project | null> {
    const row = await this.#db.db.selectFrom('projects').selectAll().where('code', '=', code).executeTakeFirst()
    return row === undefined ? null : toProject(row)
  }

  /** Newest first. */
  async search (query: ProjectQuery): Promise<Page<Project>> {
    checkPage(query)
    const q = likeAnywhere(query.q)
    const from = isoBound('createdFrom', query.createdFrom)
    const to = isoBound('createdTo', query.createdTo)
    const { engine } = this.#db
    const filtered = this.#db.db.selectFrom('projects')
      .$if(q !== null, b => b.where(eb => eb.or([matches(engine, eb.ref('code'), q ?? ''), matches(engine, eb.ref('name'), q ?? '')])))
      .$if(query.unit !== undefined, b => b.where('unit', '=', query.unit ?? ''))
      .$if(from !== null, b => b.where('created_at', '>=', from ?? ''))
      .$if(to !== null, b => b.where('created_at', '<', to ?? ''))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('created_at', 'desc').orderBy('code').limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toProject), total: count?.n ?? 0 }
  }
}
