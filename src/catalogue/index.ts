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

export interface Catalogue {
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
  /** One trivial query: the catalogue answers (readiness probes); throws when it does not. */
  ping (): void
  close (): void
}

/**
 * Opens (creating and migrating if need be) the catalogue file. `clock` is for tests; every timestamp
 * and id comes from it. Throws CATALOGUE_TOO_NEW for a file written by a newer Lantai.
 */
export function openCatalogue (file: string, clock: Clock = () => new Date()): Catalogue {
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
