import type { CatalogueDatabase } from './db/open.js'
import { LantaiError } from '../errors.js'
import type { EventRepository } from './event-repository.js'
import type { NewProjectPermit, ProjectPermit, ProjectPermitRepository } from './project-permit-repository.js'
import { phaseViolation, type NewProjectPhase, type ProjectPhase, type ProjectPhaseRepository } from './project-phase-repository.js'
import { unitViolation, type NewProjectUnit, type ProjectUnit, type ProjectUnitRepository } from './project-unit-repository.js'
import { permitViolation } from './project-permit-repository.js'
import { checkPage, isoBound, likeAnywhere, mapViolation, matches, oneOf, type Clock, type Page, type PageQuery } from './sql.js'
import type { VisibleTiers } from './package-repository.js'

export interface Project {
  /** 统一项目代码 (unified project code), the key across systems */
  code: string
  name: string
  /** 建设单位, the construction unit (owner) */
  unit: string | null
  /** 项目地点 */
  location: string | null
  /** 密级 as a plain label (issue 15 enforces it) */
  classification: Classification
  createdAt: string
  updatedAt: string
}

/** 非密 (not a state secret), 秘密, 机密; 绝密 material is not held in an online repository at all. */
export const CLASSIFICATIONS = ['非密', '秘密', '机密'] as const
export type Classification = typeof CLASSIFICATIONS[number]

/** The whole record: the project, the units that build it, its permits and phases. */
export interface ProjectRecord extends Project {
  units: ProjectUnit[]
  permits: ProjectPermit[]
  phases: ProjectPhase[]
}

export interface NewProject {
  code: string
  name: string
  unit?: string | null
  location?: string | null
  classification?: Classification
  units?: readonly NewProjectUnit[]
  permits?: readonly NewProjectPermit[]
  phases?: readonly NewProjectPhase[]
}

/** The project's own fields a PATCH may change; null clears an optional one. */
export interface ProjectPatch {
  name?: string
  unit?: string | null
  location?: string | null
  classification?: Classification
}

/** The parts of a project that live in tables of their own. */
export interface ProjectParts {
  units: ProjectUnitRepository
  permits: ProjectPermitRepository
  phases: ProjectPhaseRepository
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
  /** only projects of these tiers (the caller's clearance): filtered before paging, so totals count only them */
  tiers?: VisibleTiers
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

interface ProjectRow { code: string, name: string, unit: string | null, location: string | null, classification: string, created_at: string, updated_at: string | null }

export const toProject = (row: ProjectRow): Project => ({
  code: row.code, name: row.name, unit: row.unit, location: row.location, classification: row.classification as Classification, createdAt: row.created_at, updatedAt: row.updated_at ?? row.created_at
})

export class ProjectRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock
  readonly #parts: ProjectParts

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock, parts: ProjectParts) {
    this.#db = db
    this.#events = events
    this.#clock = clock
    this.#parts = parts
  }

  /**
   * Registers a project, with any units, permits and phases given, and its `project.created` event
   * (naming `agent`), in one transaction. Throws PROJECT_CODE_INVALID, PROJECT_EXISTS, UNIT_EXISTS,
   * PERMIT_EXISTS, PHASE_EXISTS (a duplicate within the input).
   */
  async create (input: NewProject, agent = 'system'): Promise<Project> {
    if (!PROJECT_CODE.test(input.code)) {
      throw new LantaiError('PROJECT_CODE_INVALID', `${input.code}: 1 to 64 characters of A-Z, a-z, 0-9 and -`, { code: input.code, detailZh: `${input.code}：须为 1 至 64 个 A-Z、a-z、0-9 和 - 字符` })
    }
    if (input.name.trim() === '') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', 'a project needs a name', { code: input.code })
    const at = this.#clock().toISOString()
    const project: Project = {
      code: input.code, name: input.name, unit: input.unit ?? null, location: input.location ?? null, classification: input.classification ?? '非密', createdAt: at, updatedAt: at
    }
    const { units = [], permits = [], phases = [] } = input
    // The project, its parts and its project.created event go in together, as a token and its event do.
    await mapViolation(
      async () => await this.#db.db.transaction().execute(async tx => {
        await tx.insertInto('projects').values({ code: project.code, name: project.name, unit: project.unit, location: project.location, classification: project.classification, tier: project.classification, created_at: at, updated_at: at }).execute()
        await mapViolation(async () => { await this.#parts.units.insertAll(tx, project.code, units, at) }, (v, err) => unitViolation(project.code, duplicateOf(units, u => `${u.role} ${u.uscc}`) ?? units[0] ?? { role: 'builder', uscc: '' })(v, err))
        await mapViolation(async () => { await this.#parts.permits.insertAll(tx, project.code, permits, at) }, (v, err) => permitViolation(project.code, duplicateOf(permits, p => `${p.kind} ${p.number}`) ?? permits[0] ?? { kind: 'construction', number: '' })(v, err))
        await mapViolation(async () => { await this.#parts.phases.insertAll(tx, project.code, phases, at) }, (v, err) => phaseViolation(project.code, duplicateOf(phases, p => p.code)?.code ?? '')(v, err))
        const detail: Record<string, unknown> = { name: project.name }
        if (project.location !== null) detail.location = project.location
        if (project.classification !== '非密') detail.classification = project.classification
        if (units.length > 0) detail.units = units.map(u => ({ role: u.role, uscc: u.uscc, name: u.name }))
        if (permits.length > 0) detail.permits = permits
        if (phases.length > 0) detail.phases = phases.map(p => p.code)
        await this.#events.append({ at, type: 'project.created', outcome: 'success', agent, objectType: 'project', objectId: project.code, detail }, tx)
      }),
      (v, err) => v.kind === 'unique' && /projects(\.code|_pkey)/.test(v.constraint) ? new LantaiError('PROJECT_EXISTS', input.code, { code: input.code }, { cause: err }) : undefined)
    return project
  }

  /** Changes the project's own fields with a `project.updated` event naming each change (from, to). Throws PROJECT_NOT_FOUND. */
  async update (code: string, patch: ProjectPatch, agent = 'system'): Promise<Project> {
    if (patch.name !== undefined && patch.name.trim() === '') throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', 'a project needs a name', { code })
    const at = this.#clock().toISOString()
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.selectFrom('projects').selectAll().where('code', '=', code).executeTakeFirst()
      if (row === undefined) throw new LantaiError('PROJECT_NOT_FOUND', code, { code })
      const before = toProject(row)
      const after: Project = { ...before, ...definedOf(patch), updatedAt: at }
      const changed: Record<string, { from: unknown, to: unknown }> = {}
      for (const key of ['name', 'unit', 'location', 'classification'] as const) if (after[key] !== before[key]) changed[key] = { from: before[key], to: after[key] }
      // 0015: the project's label follows a higher classification at once; it is never lowered here (declassification needs two people)
      const tier = CLASSIFICATIONS.indexOf(after.classification) > CLASSIFICATIONS.indexOf(row.tier as Classification) ? after.classification : row.tier
      if (tier !== row.tier) changed.tier = { from: row.tier, to: tier }
      await tx.updateTable('projects').set({ name: after.name, unit: after.unit, location: after.location, classification: after.classification, tier, updated_at: at }).where('code', '=', code).execute()
      await this.#events.append({ at, type: 'project.updated', outcome: 'success', agent, objectType: 'project', objectId: code, detail: { changed } }, tx)
      return after
    })
  }

  /**
   * The project with its units, permits and phases, read in one transaction so they agree; null when there
   * is none or, given `tiers`, when its tier is not among them (hidden is missing).
   */
  async record (code: string, tiers?: VisibleTiers): Promise<ProjectRecord | null> {
    return await this.#db.db.transaction().execute(async tx => {
      const row = await tx.selectFrom('projects').selectAll().where('code', '=', code).executeTakeFirst()
      if (row === undefined || !within(row.tier, tiers)) return null
      const [units, permits, phases] = [await this.#parts.units.list(code, tx), await this.#parts.permits.list(code, tx), await this.#parts.phases.list(code, tx)]
      return { ...toProject(row), units, permits, phases }
    })
  }

  /** The project, or null when there is none or, given `tiers`, when its tier is not among them. */
  async get (code: string, tiers?: VisibleTiers): Promise<Project | null> {
    const row = await this.#db.db.selectFrom('projects').selectAll().where('code', '=', code).executeTakeFirst()
    return row === undefined || !within(row.tier, tiers) ? null : toProject(row)
  }

  /** The project's tier label (the gate's object), or null when there is no such project. */
  async tierOf (code: string): Promise<Classification | null> {
    const row = await this.#db.db.selectFrom('projects').select('tier').where('code', '=', code).executeTakeFirst()
    return row === undefined ? null : row.tier as Classification
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
      // issue 15 item 4: what the caller may not see is not in the query, so the total cannot count it
      .$if(query.tiers !== undefined, b => b.where(eb => oneOf(engine, eb.ref('tier'), [...query.tiers ?? []])))
    const [rows, count] = await Promise.all([
      filtered.selectAll().orderBy('created_at', 'desc').orderBy('code').limit(query.limit).offset(query.offset).execute(),
      filtered.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    ])
    return { items: rows.map(toProject), total: count?.n ?? 0 }
  }
}

const within = (tier: string, tiers: VisibleTiers | undefined): boolean => tiers === undefined || (tiers as readonly string[]).includes(tier)

/** The first item whose key another item already had: what a unique violation within one input was about. */
function duplicateOf<T> (items: readonly T[], key: (item: T) => string): T | undefined {
  const seen = new Set<string>()
  for (const item of items) {
    const k = key(item)
    if (seen.has(k)) return item
    seen.add(k)
  }
  return undefined
}

const definedOf = <T extends object>(patch: T): Partial<T> => Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>
