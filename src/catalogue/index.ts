// The public face of the catalogue; other capabilities import from here only.
import { sql } from 'kysely'
import { openDatabase } from './db/open.js'
import { AccessLog } from './access-log.js'
import { AccountRepository } from './account-repository.js'
import { AggregationLedger } from './aggregation-repository.js'
import { ApprovalRepository } from './approval-repository.js'
import { CredentialRequestRepository } from './credential-request-repository.js'
export {
  APPROVAL_KINDS, APPROVAL_STATES, ApprovalRepository, blocked as deletionBlocked, type ApprovalAuditNote, type ApprovalKind, type ApprovalQuery, type ApprovalRequest, type ApprovalState,
  type AuditMaker, type AuditNoter, type NewApprovalRequest, type PendingWork, type Tombstone
} from './approval-repository.js'
export { AggregationLedger, LEDGER_ACTIONS, type LedgerAction, type LedgerDecision, type LedgerRead, type NewLedgerRead } from './aggregation-repository.js'
import { SessionRepository } from './session-repository.js'
import { AcceptanceReviewRepository } from './acceptance-review-repository.js'
import { AuditRepository } from './audit-repository.js'
import { EventRepository } from './event-repository.js'
import { InboundRepository } from './inbound-repository.js'
import { createIdFactory } from './ids.js'
import { JobRepository } from './job-repository.js'
import { LockRepository } from './lock-repository.js'
import { OutboxRepository } from './outbox-repository.js'
import { PackageRepository } from './package-repository.js'
import { ProjectPermitRepository } from './project-permit-repository.js'
import { ProjectPhaseRepository } from './project-phase-repository.js'
import { ProjectRepository } from './project-repository.js'
import { ProjectUnitRepository } from './project-unit-repository.js'
import { SealDecisionRepository } from './seal-decision-repository.js'
import type { Engine } from './db/schema.js'
import type { Clock } from './sql.js'
import { SubmissionRepository } from './submission-repository.js'
import { SubscriberRepository } from './subscriber-repository.js'
import { StorageNodeRepository } from './storage-node-repository.js'
import { ReplicaRepository } from './replica-repository.js'
import { ReplicationTaskRepository } from './replication-task-repository.js'
import { TokenRepository } from './token-repository.js'
import { CommitmentRepository } from './commitment-repository.js'
import { CreditRepository } from './credit-repository.js'
import { DrillRepository } from './drill-repository.js'
import { TierKeyRepository } from './tier-key-repository.js'
import { RestoreRepository } from './restore-repository.js'

export type { Engine } from './db/schema.js'
/** A transaction a caller passes so its change and an audit row (or event) commit together; opaque outside the catalogue. */
export type { Executor as CatalogueTransaction } from './db/schema.js'
export type { Clock, Page, PageQuery } from './sql.js'
export { AccessLog, type AccessCompletion, type AccessEntry, type AccessOutcome, type AccessQuery, type FinalOutcome, type NewAccessEntry, type OpenAccessEntry } from './access-log.js'
export {
  AcceptanceReviewRepository, DECISION_KINDS, OPEN_APPLICATION_STATES, type AcceptanceApplication, type AcceptanceDecision, type AcceptanceDocument, type ApplicationState,
  type ArchivistItem, type DecisionInput, type DecisionKind, type DocumentKind, type NewApplication
} from './acceptance-review-repository.js'
export { AuditRepository, type AuditCheckpoint, type AuditCount, type AuditQuery, type AuditRow, type ChainHead } from './audit-repository.js'
export { EventRepository, type Event, type EventObjectType, type EventOutcome, type EventQuery, type NewEvent } from './event-repository.js'
export { JobRepository, type ClaimedJob, type Job, type JobCount, type JobState } from './job-repository.js'
export { LockRepository, type LockLease } from './lock-repository.js'
export { InboundRepository, type InboundRequest, type Reservation } from './inbound-repository.js'
export {
  DELIVERY_STATES, OutboxRepository, type AttemptOutcome, type ClaimedDelivery, type Delivery, type DeliveryAttempt, type DeliveryDetail, type DeliveryQuery, type DeliveryState,
  type OutboxMessage
} from './outbox-repository.js'
export {
  SIGNATURE_ALGORITHMS, SubscriberRepository, receives, type SignatureAlgorithm, type Subscriber, type SubscriberInput, type SubscriberSource
} from './subscriber-repository.js'
export {
  SealDecisionRepository, type PaperOutcomeName, type SealDecision, type SealDecisionInput, type SealDecisionQuery, type SealDecisionSummary
} from './seal-decision-repository.js'
export {
  PackageRepository, digestFields, keptDigests, type Content, type ContentInput, type DamagedContent, type DamageInput, type Digests, type FixityOutcome, type FixityRecord, type FixitySummary, type Package,
  type PackageFile, type PackageFileInput, type PackageQuery, type PackageState, type PackageSummary, type RecordVersionInput,
  type Version
} from './package-repository.js'
export type { FileProducer } from './package-repository.js'
export type { FileLabelInput, TierChange, TierLabel, VisibleTiers } from './package-repository.js'
export {
  CLASSIFICATIONS, PROJECT_CODE, ProjectRepository, UNIFIED_PROJECT_CODE, projectCodeMatcher, type Classification, type NewProject, type Project, type ProjectPatch,
  type ProjectQuery, type ProjectRecord
} from './project-repository.js'
export { ProjectUnitRepository, UNIT_ROLES, type NewProjectUnit, type ProjectUnit, type ProjectUnitPatch, type UnitPerson, type UnitRole } from './project-unit-repository.js'
export { PERMIT_KINDS, ProjectPermitRepository, type NewProjectPermit, type PermitKind, type ProjectPermit } from './project-permit-repository.js'
export { PHASE_CODE, ProjectPhaseRepository, type NewProjectPhase, type ProjectPhase } from './project-phase-repository.js'
export {
  SUBMISSION_MODES, SUBMISSION_STATES, SUBMISSION_TRANSITIONS, SubmissionRepository, type NewSubmission, type Submission, type SubmissionError, type SubmissionMode,
  type SubmissionPatch, type SubmissionQuery, type SubmissionState, type TransitionOptions
} from './submission-repository.js'
export {
  NODE_KINDS, NODE_STATES, StorageNodeRepository, type NodeCredentials, type NodeKind, type NodeSource, type NodeState, type StorageNode, type StorageNodeInput
} from './storage-node-repository.js'
export { REPLICA_STATES, ReplicaRepository, type NodeLoad, type PlacedVersion, type Replica, type ReplicaInput, type ReplicaState } from './replica-repository.js'
export {
  ReplicationTaskRepository, TASK_STATES, versionOf, type CopyOutcome, type DueCopy, type ReplicaFile, type ReplicaFileState, type ReplicationTask, type StoredVersion, type TaskProgress,
  type TaskQuery, type TaskState, type VersionContent
} from './replication-task-repository.js'
export { CLEARANCES, ROLES, TOKEN_PREFIX, TokenRepository, type Clearance, type NewToken, type Role, type Token, type TokenAudit } from './token-repository.js'
export { ACCOUNT_ROLES, AccountRepository, type Account, type AccountAudit, type AccountPatch, type AccountRole, type AccountState, type LockoutRule, type NewAccount } from './account-repository.js'
export { SessionRepository, type Session, type SessionMatch } from './session-repository.js'
export { DrillRepository, drillReport, type Drill, type DrillCandidate, type DrillOutcome, type NewDrill } from './drill-repository.js'
export { TierKeyRepository, type StoredTierKey } from './tier-key-repository.js'
export { RestoreRepository, type RestoredSubmission } from './restore-repository.js'
export {
  CredentialRequestRepository, type CredentialAction, type CredentialRequest, type CredentialRequestState, type CredentialRole, type CredentialSubject, type NewCredentialRequest
} from './credential-request-repository.js'

export {
  COMMITMENT_STATES, CommitmentRepository, type Commitment, type CommitmentItem, type CommitmentItemState, type CommitmentQuery, type CommitmentState, type CommitmentStatements,
  type NewCommitment, type OverdueWrites
} from './commitment-repository.js'
export { CREDIT_STANDINGS, CreditRepository, type CreditEntry, type CreditPerson, type CreditQuery, type CreditRecord, type CreditStanding, type NewCreditRecord } from './credit-repository.js'

export interface Catalogue {
  /** Which engine holds the catalogue: 'sqlite' (a file, the default) or 'postgres' (LANTAI_DATABASE_URL). */
  readonly engine: Engine
  projects: ProjectRepository
  /** a project's units (参建单位), permits and phases */
  projectUnits: ProjectUnitRepository
  permits: ProjectPermitRepository
  phases: ProjectPhaseRepository
  submissions: SubmissionRepository
  packages: PackageRepository
  events: EventRepository
  access: AccessLog
  jobs: JobRepository
  tokens: TokenRepository
  locks: LockRepository
  sealDecisions: SealDecisionRepository
  /** the systems webhooks go to (issue 14 item 11) */
  subscribers: SubscriberRepository
  /** messages for those systems, written with the change they report, and their deliveries */
  outbox: OutboxRepository
  /** inbound calls' Idempotency-Keys and their answers */
  inbound: InboundRepository
  /** where copies go (issue 16 item 2) */
  nodes: StorageNodeRepository
  /** one row per copy of a package version on a node */
  replicas: ReplicaRepository
  /** the replication queue and what each node holds file by file, with each copy's fixity (issue 16 items 4-5) */
  replicationTasks: ReplicationTaskRepository
  /** people's accounts, their console sessions, and requests for officer and auditor credentials (issue 15) */
  accounts: AccountRepository
  sessions: SessionRepository
  credentialRequests: CredentialRequestRepository
  /** acceptance applications, decisions and the numbered documents they issue (issue 14 item 5) */
  reviews: AcceptanceReviewRepository
  /** commitment letters (承诺书) with the items they owe (issue 14 item 7) */
  commitments: CommitmentRepository
  /** insert-only credit records, appeals and corrections (issue 14 item 10) */
  credit: CreditRepository
  /** the hash-chained audit trail and its checkpoints (issue 15); append through src/audit's AuditTrail */
  audit: AuditRepository
  /** two-person requests and package tombstones (issue 15 item 6); src/access/approvals.ts decides who may */
  approvals: ApprovalRepository
  /** who read which pipeline-survey data when (issue 15 item 5) */
  aggregation: AggregationLedger
  /** restore drills and each package's last drill (issue 16 item 8) */
  drills: DrillRepository
  /** wrapped data keys per classification tier (issue 15 item 7) */
  tierKeys: TierKeyRepository
  /** the projects and submissions a rebuild from one node makes (issue 16 item 7) */
  restore: RestoreRepository
  /** One trivial query: the catalogue answers (readiness probes); rejects when it does not. */
  ping (): Promise<void>
  /** Idempotent. */
  close (): Promise<void>
}

/**
 * Opens (creating and migrating if need be) the catalogue: a postgres:// or postgresql:// URL is a
 * PostgreSQL database, anything else a SQLite file path. `clock` is for tests; every timestamp and id
 * comes from it. Throws CATALOGUE_TOO_NEW for a database written by a newer Lantai, and for PostgreSQL
 * DB_UNREACHABLE, DB_AUTH_FAILED or DB_NOT_FOUND.
 */
export async function openCatalogue (target: string, clock: Clock = () => new Date()): Promise<Catalogue> {
  const database = await openDatabase(target)
  const newId = createIdFactory()
  const events = new EventRepository(database, clock)
  const jobs = new JobRepository(database, clock, newId)
  const submissions = new SubmissionRepository(database, events, jobs, clock, newId)
  const outbox = new OutboxRepository(database, events, clock, newId)
  const audit = new AuditRepository(database)
  const approvals = new ApprovalRepository(database, events, audit, clock, newId)
  const parts = { units: new ProjectUnitRepository(database, events, clock), permits: new ProjectPermitRepository(database, events, clock), phases: new ProjectPhaseRepository(database, events, clock) }
  return {
    engine: database.engine,
    projects: new ProjectRepository(database, events, clock, parts),
    projectUnits: parts.units,
    permits: parts.permits,
    phases: parts.phases,
    submissions,
    packages: new PackageRepository(database, events, clock, newId),
    events,
    access: new AccessLog(database, clock),
    jobs,
    tokens: new TokenRepository(database, events, clock, newId),
    locks: new LockRepository(database, clock),
    sealDecisions: new SealDecisionRepository(database, clock),
    subscribers: new SubscriberRepository(database, events, clock),
    outbox,
    inbound: new InboundRepository(database, clock),
    nodes: new StorageNodeRepository(database, events, clock),
    replicas: new ReplicaRepository(database, events, clock),
    replicationTasks: new ReplicationTaskRepository(database, events, clock, newId),
    accounts: new AccountRepository(database, events, clock, newId),
    sessions: new SessionRepository(database, events, clock, newId),
    credentialRequests: new CredentialRequestRepository(database, events, clock, newId),
    reviews: new AcceptanceReviewRepository(database, events, submissions, outbox, clock, newId),
    audit,
    approvals,
    aggregation: new AggregationLedger(database, { events, audit, outbox, approvals }, clock),
    commitments: new CommitmentRepository(database, events, outbox, clock, newId),
    credit: new CreditRepository(database, events, clock, newId),
    drills: new DrillRepository(database, events, clock, newId),
    tierKeys: new TierKeyRepository(database, events, clock, newId),
    restore: new RestoreRepository(database, events, clock),
    async ping () { await sql`SELECT 1`.execute(database.db) },
    close: database.close
  }
}
