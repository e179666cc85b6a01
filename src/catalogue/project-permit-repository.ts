import type { CatalogueDatabase } from './db/open.js'
import type { Executor } from './db/schema.js'
import type { EventRepository } from './event-repository.js'
import { mapViolation, projectRowViolation, type Clock } from './sql.js'

// A project's permits: the requirements notice is issued at permit time (notice (一)), and the planning
// and construction permit numbers are required project metadata (metadata.yaml). A permit is a fact
// once issued, so there is no update: a corrected number is a new permit row and its event.

export const PERMIT_KINDS = ['land-planning', 'works-planning', 'construction'] as const
/** land-planning 建设用地规划许可证, works-planning 建设工程规划许可证, construction 建筑工程施工许可证 */
export type PermitKind = typeof PERMIT_KINDS[number]

export interface ProjectPermit {
  kind: PermitKind
  number: string
  /** YYYY-MM-DD */
  issuedOn: string
  createdAt: string
}

export interface NewProjectPermit { kind: PermitKind, number: string, issuedOn: string }

interface PermitRow { project_code: string, kind: string, number: string, issued_on: string, created_at: string }

const toPermit = (row: PermitRow): ProjectPermit => ({ kind: row.kind as PermitKind, number: row.number, issuedOn: row.issued_on, createdAt: row.created_at })

const permitRow = (projectCode: string, p: NewProjectPermit, at: string): PermitRow =>
  ({ project_code: projectCode, kind: p.kind, number: p.number, issued_on: p.issuedOn, created_at: at })

export const permitViolation = (projectCode: string, p: Pick<NewProjectPermit, 'kind' | 'number'>): ReturnType<typeof projectRowViolation> =>
  projectRowViolation(projectCode, 'PERMIT_EXISTS', `${p.kind} ${p.number}`, { kind: p.kind, number: p.number })

export class ProjectPermitRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  async insertAll (tx: Executor, projectCode: string, permits: readonly NewProjectPermit[], at: string): Promise<void> {
    if (permits.length > 0) await tx.insertInto('project_permits').values(permits.map(p => permitRow(projectCode, p, at))).execute()
  }

  /** Records a permit with its `project.permit-added` event. Throws PERMIT_EXISTS, PROJECT_NOT_FOUND. */
  async add (projectCode: string, permit: NewProjectPermit, agent = 'system'): Promise<ProjectPermit> {
    const at = this.#clock().toISOString()
    const row = permitRow(projectCode, permit, at)
    await mapViolation(async () => await this.#db.db.transaction().execute(async tx => {
      await tx.insertInto('project_permits').values(row).execute()
      await this.#events.append({ at, type: 'project.permit-added', outcome: 'success', agent, objectType: 'project', objectId: projectCode, detail: { kind: permit.kind, number: permit.number, issuedOn: permit.issuedOn } }, tx)
    }), permitViolation(projectCode, permit))
    return toPermit(row)
  }

  /** By issue date, then kind. */
  async list (projectCode: string, tx: Executor = this.#db.db): Promise<ProjectPermit[]> {
    const rows = await tx.selectFrom('project_permits').selectAll().where('project_code', '=', projectCode).orderBy('issued_on').orderBy('kind').orderBy('number').execute()
    return rows.map(toPermit)
  }
}
