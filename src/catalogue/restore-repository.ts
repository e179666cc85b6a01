import type { CatalogueDatabase } from './db/open.js'
import type { EventRepository } from './event-repository.js'
import type { Clock } from './sql.js'

// What a rebuild from one node writes besides packages (issue 16 item 7): the projects and stored
// submissions that package versions point to, made from what the OCFL object says of them. Each is an
// event (`project.restored`, `submission.restored`), so the rebuilt catalogue says where its rows came from.

export interface RestoredSubmission {
  id: string
  projectCode: string
  /** the version's creation time in the inventory */
  createdAt: string
  createdBy: string | null
  mode: string | undefined
  node: string
}

export class RestoreRepository {
  readonly #db: CatalogueDatabase
  readonly #events: EventRepository
  readonly #clock: Clock

  constructor (db: CatalogueDatabase, events: EventRepository, clock: Clock) {
    this.#db = db
    this.#events = events
    this.#clock = clock
  }

  /** Whether the catalogue holds any project, submission or package: a rebuild writes only into an empty one. */
  async isEmpty (): Promise<boolean> {
    const [p, s, k] = await Promise.all(['projects', 'submissions', 'packages'].map(async table =>
      await this.#db.db.selectFrom(table as 'projects').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()))
    return Number(p?.n) + Number(s?.n) + Number(k?.n) === 0
  }

  /**
   * The project (when not there yet; named by its code, since the register is not in the object) and the
   * submission, stored, that the version recordVersion writes next will point to.
   */
  async submission (s: RestoredSubmission): Promise<void> {
    await this.#db.db.transaction().execute(async tx => {
      const now = this.#clock().toISOString()
      const project = await tx.insertInto('projects').values({ code: s.projectCode, name: s.projectCode, unit: null, location: null, created_at: s.createdAt, updated_at: s.createdAt })
        .onConflict(oc => oc.column('code').doNothing()).returning('code').executeTakeFirst()
      if (project !== undefined) {
        await this.#events.append({ at: now, type: 'project.restored', outcome: 'info', agent: 'system', objectType: 'project', objectId: s.projectCode, detail: { node: s.node } }, tx)
      }
      await tx.insertInto('submissions').values({
        id: s.id, project_code: s.projectCode, state: 'stored', content_type: 'application/octet-stream', ...(s.mode === undefined ? {} : { mode: s.mode }),
        sha256: null, stage: 'stored', report: null, package_id: null, version: null, error_code: null, error_message: null, duplicate_of: null,
        created_by: s.createdBy, created_at: s.createdAt, updated_at: s.createdAt, progress: 100
      }).execute()
      await this.#events.append({ at: now, type: 'submission.restored', outcome: 'info', agent: 'system', objectType: 'submission', objectId: s.id, detail: { projectCode: s.projectCode, node: s.node } }, tx)
    })
  }

  /** The submission names the package version it became, as a stored one does. */
  async link (submissionId: string, packageId: string, version: number): Promise<void> {
    await this.#db.db.updateTable('submissions').set({ package_id: packageId, version }).where('id', '=', submissionId).execute()
  }
}
