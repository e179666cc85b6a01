import type { CatalogueDatabase } from './db/open.js'
import type { Executor } from './db/schema.js'
import { LantaiError } from '../errors.js'
import type { EventRepository } from './event-repository.js'
import { mapViolation, projectRowViolation, type Clock } from './sql.js'

// The units that take part in a project (参建单位), keyed by role and unified social credit code within
// it: one firm may both survey and design, and a project may have several construction units.

export const UNIT_ROLES = ['builder', 'survey', 'design', 'construction', 'supervision'] as const
/** builder 建设单位, survey 勘察单位, design 设计单位, construction 施工单位, supervision 监理单位 */
export type UnitRole = typeof UNIT_ROLES[number]

/** A person in charge (项目负责人, 总监理工程师 …): the notice (七) makes them answerable for a broken commitment. */
export interface UnitPerson {
  name: string
  /** what they are in charge as, e.g. 项目负责人 */
  title?: string
}

export interface ProjectUnit {
  role: UnitRole
  /** 统一社会信用代码 (GB 32100-2015), checked by src/projects before it reaches here */
  uscc: string
  name: string
  persons: UnitPerson[]
  createdAt: string
  updatedAt: string
}

export interface NewProjectUnit { role: UnitRole, uscc: string, name: string, persons?: UnitPerson[] }

export interface ProjectUnitPatch { name?: string, persons?: UnitPerson[] }

interface UnitRow { project_code: string, role: string, uscc: string, name: string, persons: string, created_at: string, updated_at: string }

const toUnit = (row: UnitRow): ProjectUnit => ({
  role: row.role as UnitRole, uscc: row.uscc, name: row.name, persons: JSON.parse(row.persons) as UnitPerson[], createdAt: row.created_at, updatedAt: row.updated_at
})

const unitRow = (projectCode: string, u: NewProjectUnit, at: string): UnitRow =>
  ({ project_code: projectCode, role: u.role, uscc: u.uscc, name: u.name, persons: JSON.stringify(u.persons ?? []), created_at: at, updated_at: at })

const unitId = (projectCode: string, role: string, uscc: string): string => `${projectCode}/${role}/${uscc}`

/** A duplicate (role, USCC) in the project is UNIT_EXISTS; a project that is not there, PROJECT_NOT_FOUND. */
export const unitViolation = (projectCode: string, u: Pick<NewProjectUnit, 'role' | 'uscc'>): ReturnType<typeof projectRowViolation> =>
  projectRowViolation(projectCode, 'UNIT_EXISTS', `${u.role} ${u.uscc}`, { role: u.role, uscc: u.uscc })

export class ProjectUnitRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  /** Rows only, inside the caller's transaction (a project registered with its units). */
  async insertAll (tx: Executor, projectCode: string, units: readonly NewProjectUnit[], at: string): Promise<void> {
    if (units.length > 0) await tx.insertInto('project_units').values(units.map(u => unitRow(projectCode, u, at))).execute()
  }

  /** Adds a unit with its `project.unit-added` event. Throws UNIT_EXISTS, PROJECT_NOT_FOUND. */
  async add (projectCode: string, unit: NewProjectUnit, agent = 'system'): Promise<ProjectUnit> {
    const at = this.#clock().toISOString()
    const row = unitRow(projectCode, unit, at)
    await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      await tx.insertInto('project_units').values(row).execute()
      await this.#events.append({ at, type: 'project.unit-added', outcome: 'success', agent, objectType: 'project', objectId: projectCode, detail: { role: unit.role, uscc: unit.uscc, name: unit.name, persons: unit.persons ?? [] } }, tx)
    }), unitViolation(projectCode, unit))
    return toUnit(row)
  }

  /** Changes a unit's name or persons with a `project.unit-updated` event naming what changed. Throws UNIT_NOT_FOUND. */
  async update (projectCode: string, role: UnitRole, uscc: string, patch: ProjectUnitPatch, agent = 'system'): Promise<ProjectUnit> {
    const at = this.#clock().toISOString()
    return await this.#db.db.transaction().execute(async tx => {
      const before = await tx.selectFrom('project_units').selectAll().where('project_code', '=', projectCode).where('role', '=', role).where('uscc', '=', uscc).executeTakeFirst()
      if (before === undefined) throw new LantaiError('UNIT_NOT_FOUND', unitId(projectCode, role, uscc), { code: projectCode, role, uscc })
      const after: UnitRow = { ...before, name: patch.name ?? before.name, persons: patch.persons === undefined ? before.persons : JSON.stringify(patch.persons), updated_at: at }
      await tx.updateTable('project_units').set({ name: after.name, persons: after.persons, updated_at: at })
        .where('project_code', '=', projectCode).where('role', '=', role).where('uscc', '=', uscc).execute()
      const changed: Record<string, unknown> = {}
      if (after.name !== before.name) changed.name = { from: before.name, to: after.name }
      if (after.persons !== before.persons) changed.persons = { from: JSON.parse(before.persons), to: patch.persons }
      await this.#events.append({ at, type: 'project.unit-updated', outcome: 'success', agent, objectType: 'project', objectId: projectCode, detail: { role, uscc, changed } }, tx)
      return toUnit(after)
    })
  }

  /** A project's units, builder first, then by role and code. */
  async list (projectCode: string, tx: Executor = this.#db.db): Promise<ProjectUnit[]> {
    const rows = await tx.selectFrom('project_units').selectAll().where('project_code', '=', projectCode).orderBy('created_at').orderBy('role').orderBy('uscc').execute()
    return rows.map(toUnit).sort((a, b) => UNIT_ROLES.indexOf(a.role) - UNIT_ROLES.indexOf(b.role))
  }
}
