// The public face of the catalogue; other capabilities import from here only.
import { openDatabase, type Database } from '../db/open.js'
import { AccessLog } from './access-log.js'
import { EventRepository } from './event-repository.js'
import { createIdFactory } from './ids.js'
import { JobRepository } from './job-repository.js'
import { LockRepository } from './lock-repository.js'
import { PackageRepository } from './package-repository.js'
import { ProjectRepository } from './project-repository.js'
import { SealDecisionRepository } from './seal-decision-repository.js'
import type { Clock } from './sql.js'
import { SubmissionRepository } from './submission-repository.js'
import { TokenRepository } from './token-repository.js'

export type { Database } from '../db/open.js'
export type { Clock, Page, PageQuery } from './sql.js'
export { AccessLog, type AccessCompletion, type AccessEntry, type AccessOutcome, type AccessQuery, type FinalOutcome, type NewAccessEntry, type OpenAccessEntry } from './access-log.js'
export { EventRepository, type Event, type EventObjectType, type EventOutcome, type EventQuery, type NewEvent } from './event-repository.js'
export { JobRepository, type ClaimedJob, type Job, type JobCount, type JobState } from './job-repository.js'
export { LockRepository, type LockLease } from './lock-repository.js'
export {
  SealDecisionRepository, type PaperOutcomeName, type SealDecision, type SealDecisionInput, type SealDecisionQuery, type SealDecisionSummary
} from './seal-decision-repository.js'
export {
  PackageRepository, type Content, type ContentInput, type DamagedContent, type DamageInput, type Digests, type FixityOutcome, type FixityRecord, type FixitySummary, type Package,
  type PackageFile, type PackageFileInput, type PackageQuery, type PackageState, type PackageSummary, type RecordVersionInput,
  type Version
} from './package-repository.js'
export { PROJECT_CODE, ProjectRepository, UNIFIED_PROJECT_CODE, projectCodeMatcher, type NewProject, type Project, type ProjectQuery } from './project-repository.js'
export {
  SUBMISSION_MODES, SUBMISSION_STATES, SUBMISSION_TRANSITIONS, SubmissionRepository, type NewSubmission, type Submission, type SubmissionError, type SubmissionMode,
  type SubmissionPatch, type SubmissionQuery, type SubmissionState, type TransitionOptions
} from './submission-repository.js'
export { ROLES, TOKEN_PREFIX, TokenRepository, type NewToken, type Role, type Token, type TokenAudit } from './token-repository.js'

/**
 * TEMPORARY (issue 12): the async shape the callers are written against while the repositories are still
 * synchronous better-sqlite3 code. Replaced, with everything down to `openSyncCatalogue`, by the real async
 * repositories when that branch lands.
 */
export type Async<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : T[K] }

export interface Catalogue {
  readonly db: Database
  projects: Async<ProjectRepository>
  submissions: Async<SubmissionRepository>
  packages: Async<PackageRepository>
  events: Async<EventRepository>
  access: Async<AccessLog>
  jobs: Async<JobRepository>
  tokens: Async<TokenRepository>
  locks: Async<LockRepository>
  sealDecisions: Async<SealDecisionRepository>
  /** One trivial query: the catalogue answers (readiness probes); rejects when it does not. */
  ping (): Promise<void>
  close (): Promise<void>
}

/** TEMPORARY (issue 12): the synchronous catalogue, kept only for test/catalogue until the async repositories land. */
export interface SyncCatalogue {
  readonly db: Database
  projects: ProjectRepository
  submissions: SubmissionRepository
  packages: PackageRepository
  events: EventRepository
  access: AccessLog
  jobs: JobRepository
  tokens: TokenRepository
  locks: LockRepository
  sealDecisions: SealDecisionRepository
  ping (): void
  close (): void
}

/**
 * Opens (creating and migrating if need be) the catalogue file. `clock` is for tests; every timestamp
 * and id comes from it. Rejects with CATALOGUE_TOO_NEW for a file written by a newer Lantai.
 */
export async function openCatalogue (file: string, clock: Clock = () => new Date()): Promise<Catalogue> {
  const sync = openSyncCatalogue(file, clock)
  return {
    db: sync.db,
    projects: promised(sync.projects),
    submissions: promised(sync.submissions),
    packages: promised(sync.packages),
    events: promised(sync.events),
    access: promised(sync.access),
    jobs: promised(sync.jobs),
    tokens: promised(sync.tokens),
    locks: promised(sync.locks),
    sealDecisions: promised(sync.sealDecisions),
    ping: async () => { sync.ping() },
    close: async () => { sync.close() }
  }
}

/**
 * TEMPORARY (issue 12): every method of `repo` answered as a promise, a synchronous throw as a rejection.
 * The result settles in a later microtask, as a real database answer would, so callers that forget an
 * await see the difference in tests now rather than after the merge.
 */
function promised<T extends object> (repo: T): Async<T> {
  return new Proxy(repo, {
    get (target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => await (value as (...a: unknown[]) => unknown).apply(target, args)
    }
  }) as unknown as Async<T>
}

/** TEMPORARY (issue 12): the synchronous catalogue behind the async façade; see `openCatalogue`. */
export function openSyncCatalogue (file: string, clock: Clock = () => new Date()): SyncCatalogue {
  const db = openDatabase(file)
  const newId = createIdFactory()
  const events = new EventRepository(db, clock)
  return {
    db,
    projects: new ProjectRepository(db, clock),
    submissions: new SubmissionRepository(db, events, clock, newId),
    packages: new PackageRepository(db, events, clock, newId),
    events,
    access: new AccessLog(db, clock),
    jobs: new JobRepository(db, clock, newId),
    tokens: new TokenRepository(db, events, clock, newId),
    locks: new LockRepository(db, clock),
    sealDecisions: new SealDecisionRepository(db, clock),
    ping () { db.prepare('SELECT 1').get() },
    close () { if (db.open) db.close() }
  }
}
