import type { CatalogueDatabase } from './db/open.js'
import type { Executor } from './db/schema.js'
import { LantaiError } from '../errors.js'
import type { EventRepository } from './event-repository.js'
import { mapViolation, projectRowViolation, type Clock } from './sql.js'

// A project's phases (分期): the notice (七) allows acceptance and transfer in phases, each with its own
// applications, decisions and commitments (issue 14 item 8, later). Here a phase is its code, its name
// and its place in the project's order; its acceptance state is the acceptance capability's to derive.

export const PHASE_CODE = /^[A-Za-z0-9-]{1,32}$/

export interface ProjectPhase {
  code: string
  name: string
  /** 1, 2, 3 … in the project's order */
  position: number
  createdAt: string
  updatedAt: string
}

export interface NewProjectPhase { code: string, name: string }

interface PhaseRow { project_code: string, code: string, name: string, position: number, created_at: string, updated_at: string }

const toPhase = (row: PhaseRow): ProjectPhase => ({ code: row.code, name: row.name, position: row.position, createdAt: row.created_at, updatedAt: row.updated_at })

export const phaseViolation = (projectCode: string, phase: string): ReturnType<typeof projectRowViolation> =>
  projectRowViolation(projectCode, 'PHASE_EXISTS', phase, { phase })

export class ProjectPhaseRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  /** Rows only, in the given order, inside the caller's transaction. */
  async insertAll (tx: Executor, projectCode: string, phases: readonly NewProjectPhase[], at: string): Promise<void> {
    if (phases.length === 0) return
    await tx.insertInto('project_phases').values(phases.map((p, i) => ({ project_code: projectCode, code: p.code, name: p.name, position: i + 1, created_at: at, updated_at: at }))).execute()
  }

  /**
   * Appends a phase after the project's last, with its `project.phase-added` event. Throws PHASE_EXISTS
   * (a code taken, or a concurrent add that took the same position: retry), PROJECT_NOT_FOUND.
   */
  async add (projectCode: string, phase: NewProjectPhase, agent = 'system'): Promise<ProjectPhase> {
    const at = this.#clock().toISOString()
    return await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      const last = await tx.selectFrom('project_phases').select(eb => eb.fn.max<number | null>('position').as('n')).where('project_code', '=', projectCode).executeTakeFirst()
      const row: PhaseRow = { project_code: projectCode, code: phase.code, name: phase.name, position: Number(last?.n ?? 0) + 1, created_at: at, updated_at: at }
      await tx.insertInto('project_phases').values(row).execute()
      await this.#events.append({ at, type: 'project.phase-added', outcome: 'success', agent, objectType: 'project', objectId: projectCode, detail: { phase: phase.code, name: phase.name, position: row.position } }, tx)
      return toPhase(row)
    }), phaseViolation(projectCode, phase.code))
  }

  /** Renames a phase with a `project.phase-updated` event. Throws PHASE_NOT_FOUND. */
  async rename (projectCode: string, code: string, name: string, agent = 'system'): Promise<ProjectPhase> {
    const at = this.#clock().toISOString()
    return await this.#db.db.transaction().execute(async tx => {
      const before = await tx.selectFrom('project_phases').selectAll().where('project_code', '=', projectCode).where('code', '=', code).executeTakeFirst()
      if (before === undefined) throw new LantaiError('PHASE_NOT_FOUND', `${projectCode}: ${code}`, { code: projectCode, phase: code })
      await tx.updateTable('project_phases').set({ name, updated_at: at }).where('project_code', '=', projectCode).where('code', '=', code).execute()
      await this.#events.append({ at, type: 'project.phase-updated', outcome: 'success', agent, objectType: 'project', objectId: projectCode, detail: { phase: code, changed: { name: { from: before.name, to: name } } } }, tx)
      return toPhase({ ...before, name, updated_at: at })
    })
  }

  /** In the project's order. */
  async list (projectCode: string, tx: Executor = this.#db.db): Promise<ProjectPhase[]> {
    return (await tx.selectFrom('project_phases').selectAll().where('project_code', '=', projectCode).orderBy('position').execute()).map(toPhase)
  }
}
