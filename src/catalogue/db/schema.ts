import type { Generated, Kysely, Transaction } from 'kysely'

// The catalogue's tables as Kysely sees them: the one typed description of every column the
// repositories read or write. Timestamps are ISO-8601 TEXT on both engines (text order is time order);
// JSON is TEXT; sizes and counters are INTEGER on SQLite and BIGINT on PostgreSQL, read back as numbers.

export interface ProjectsTable {
  code: string
  name: string
  unit: string | null
  created_at: string
  location: string | null
  classification: Generated<string>
  updated_at: string | null
  // 0015: the project's tier label
  tier: Generated<string>
}

export interface ProjectUnitsTable { project_code: string, role: string, uscc: string, name: string, persons: string, created_at: string, updated_at: string }

export interface ProjectPermitsTable { project_code: string, kind: string, number: string, issued_on: string, created_at: string }

export interface ProjectPhasesTable { project_code: string, code: string, name: string, position: number, created_at: string, updated_at: string }

export interface TokensTable {
  id: string
  secret_sha256: string
  role: string
  clearance: string
  account_id: string | null
  label: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export interface SubmissionsTable {
  id: string
  project_code: string
  state: string
  content_type: string
  mode: Generated<string>
  bytes_received: Generated<number>
  sha256: string | null
  progress: Generated<number>
  stage: string | null
  report: string | null
  package_id: string | null
  version: number | null
  error_code: string | null
  error_message: string | null
  duplicate_of: string | null
  created_by: string | null
  created_at: string
  updated_at: string
  /** 0011: the acceptance application the submission answers */
  application_id: Generated<string | null>
}

export interface PackagesTable {
  id: string
  project_code: string
  ocfl_id: string
  head_version: number
  state: string
  file_count: number
  bytes: number
  content_count: number
  stored_bytes: number
  created_at: string
  updated_at: string
  // 0015: the highest tier of its files and its project
  tier: Generated<string>
}

export interface VersionsTable {
  package_id: string
  number: number
  submission_id: string
  message: string
  file_count: number
  bytes: number
  created_at: string
}

export interface ContentsTable {
  package_id: string
  content_path: string
  size: number
  sha512: string
  sha256: string | null
  md5: string | null
  sm3: string
  last_checked_at: string | null
  last_outcome: string | null
  next_check_at: string
  damaged_by: number | null
  /** JSON: BagIt algorithm → hex, for declared algorithms beyond sha512, sm3, sha256 and md5 (migration 0006) */
  other_digests: string | null
}

export interface PackageFilesTable {
  package_id: string, version: number, logical_path: string, content_path: string, format: string | null
  // 0012: the producing unit and scope item acceptance found
  scope_item: string | null, producer_role: string | null, producer_name: string | null, producer_uscc: string | null
  // 0015: the file's tier label, and what the aggregation guard counts of pipeline-survey data
  tier: Generated<string>, pipeline_survey: Generated<number>, map_sheets: string | null, area_km2: number | null
}

export interface EventsTable {
  id: Generated<number>
  at: string
  type: string
  outcome: string
  agent: string
  object_type: string
  object_id: string
  detail: string | null
}

export interface AccessLogTable {
  id: Generated<number>
  at: string
  token_id: string | null
  role: string | null
  method: string
  route: string
  url: string
  object_id: string | null
  ip: string
  status: number | null
  outcome: string
  request_id: string
  ended_at: string | null
}

export interface JobsTable {
  id: string
  kind: string
  state: string
  subject_id: string | null
  payload: string
  progress: Generated<number>
  lease_owner: string | null
  lease_until: string | null
  attempts: Generated<number>
  error: string | null
  created_at: string
  updated_at: string
}

export interface LocksTable { name: string, holder: string, acquired_at: string, expires_at: string }

export interface SealDecisionsTable {
  package_id: string
  logical_path: string
  version: number
  format: string
  signatures: number
  outcome: string
  rule: string
  provisional: number
  integrity_alert: number
  reason: string
  checked_at: string
}

export interface SealEvidenceTable { sha256: string, der: Uint8Array, created_at: string }

export interface SubscribersTable {
  name: string
  url: string
  event_types: string
  secret_env: string
  algorithm: string
  active: number
  source: string
  created_at: string
  updated_at: string
}

export interface OutboxMessagesTable { id: string, type: string, payload: string, created_at: string }

export interface OutboxDeliveriesTable {
  id: string
  message_id: string
  subscriber: string
  state: string
  attempts: Generated<number>
  round_attempts: Generated<number>
  next_attempt_at: string
  lease_owner: string | null
  lease_until: string | null
  last_error: string | null
  delivered_at: string | null
  created_at: string
  updated_at: string
}

export interface OutboxAttemptsTable { delivery_id: string, number: number, at: string, status: number | null, error: string | null }

export interface InboundRequestsTable {
  caller: string
  key: string
  method: string
  route: string
  digest: string
  status: number | null
  response: string | null
  created_at: string
  completed_at: string | null
}

export interface StorageNodesTable {
  id: string
  kind: string
  is_primary: Generated<number>
  endpoint: string | null
  bucket: string | null
  path: string | null
  credential_env: string | null
  province: string
  city: string
  seismic_region: string
  media: string
  operator: string
  implementation: string
  clearance: string
  state: string
  capacity_bytes: number | null
  source: string
  created_at: string
  updated_at: string
}

export interface AccountsTable {
  id: string
  login: string
  display_name: string
  role: string
  clearance: string
  password_hash: string
  failed_attempts: number
  last_failed_at: string | null
  locked_until: string | null
  state: string
  created_at: string
  updated_at: string
}

export interface ReplicasTable {
  package_id: string
  version: number
  node_id: string
  state: string
  verified_at: string | null
  bytes: number | null
  detail: string | null
  created_at: string
  updated_at: string
}

export interface ReplicationTasksTable {
  id: string
  package_id: string
  version: number
  node_id: string
  state: string
  attempts: Generated<number>
  next_attempt_at: string
  lease_owner: string | null
  lease_until: string | null
  files_total: number | null
  files_done: Generated<number>
  bytes_total: number | null
  bytes_done: Generated<number>
  last_error: string | null
  created_at: string
  updated_at: string
}

export interface ReplicaFilesTable {
  package_id: string
  content_path: string
  node_id: string
  state: string
  size: number
  verified_at: string
  last_checked_at: string | null
  last_outcome: string | null
  next_check_at: string
  detail: string | null
}

export interface ReplicationCursorTable { name: string, event_id: number, updated_at: string }

export interface SessionsTable {
  id: string
  secret_sha256: string
  csrf_sha256: string
  account_id: string
  created_at: string
  last_seen_at: string
  expires_at: string
  revoked_at: string | null
}

export interface CredentialRequestsTable {
  id: string
  action: string
  subject: string
  role: string
  target_id: string | null
  detail: string
  password_hash: string | null
  requested_by: string
  requested_at: string
  expires_at: string
  state: string
  decided_by: string | null
  decided_at: string | null
  reason: string | null
  result_id: string | null
}

export interface AuditTrailTable {
  seq: number
  at: string
  actor_id: string | null
  actor_role: string | null
  actor_label: string | null
  action: string
  object_type: string | null
  object_id: string | null
  tier: string | null
  outcome: string
  request_id: string | null
  ip: string | null
  detail: string | null
  alg: string
  prev_hash: string
  hash: string
}

export interface AuditCheckpointsTable { seq: number, head_hash: string, signed_at: string, algorithm: string, signature: string, certificate: string }

export interface Schema {
  projects: ProjectsTable
  project_units: ProjectUnitsTable
  project_permits: ProjectPermitsTable
  project_phases: ProjectPhasesTable
  tokens: TokensTable
  submissions: SubmissionsTable
  packages: PackagesTable
  versions: VersionsTable
  contents: ContentsTable
  package_files: PackageFilesTable
  events: EventsTable
  access_log: AccessLogTable
  jobs: JobsTable
  locks: LocksTable
  seal_decisions: SealDecisionsTable
  seal_evidence: SealEvidenceTable
  subscribers: SubscribersTable
  outbox_messages: OutboxMessagesTable
  outbox_deliveries: OutboxDeliveriesTable
  outbox_attempts: OutboxAttemptsTable
  inbound_requests: InboundRequestsTable
  storage_nodes: StorageNodesTable
  replicas: ReplicasTable
  replication_tasks: ReplicationTasksTable
  replica_files: ReplicaFilesTable
  replication_cursor: ReplicationCursorTable
  accounts: AccountsTable
  sessions: SessionsTable
  credential_requests: CredentialRequestsTable
  acceptance_applications: AcceptanceApplicationsTable
  acceptance_decisions: AcceptanceDecisionsTable
  acceptance_documents: AcceptanceDocumentsTable
  acceptance_sequences: AcceptanceSequencesTable
  audit_trail: AuditTrailTable
  audit_checkpoints: AuditCheckpointsTable
  approval_requests: ApprovalRequestsTable
  aggregation_reads: AggregationReadsTable
  package_tombstones: PackageTombstonesTable
  commitments: CommitmentsTable
  commitment_items: CommitmentItemsTable
  commitment_claims: CommitmentClaimsTable
  credit_records: CreditRecordsTable
  drills: DrillsTable
  package_drills: PackageDrillsTable
  tier_keys: TierKeysTable
}

export interface ApprovalRequestsTable {
  id: string
  kind: string
  object_type: string
  object_id: string
  parameters: string
  reason: string
  state: string
  requested_by: string
  requester_role: string
  requested_at: string
  expires_at: string
  decided_by: string | null
  approver_role: string | null
  decided_at: string | null
  decision_reason: string | null
  executed_at: string | null
  result: string | null
  updated_at: string
}

export interface AggregationReadsTable {
  id: Generated<number>
  at: string
  person: string
  action: string
  package_id: string
  path: string
  map_sheets: string
  area_km2: number | null
  scope_request: string | null
}

export interface PackageTombstonesTable {
  package_id: string
  project_code: string
  ocfl_id: string
  request_id: string
  requested_by: string
  approved_by: string
  deleted_at: string
  store_removed: number
  removed_at: string | null
}

export interface AcceptanceApplicationsTable {
  id: string
  project_code: string
  phase_code: string | null
  number: string
  state: string
  applied_at: string
  /** YYYY-MM-DD, the joint-completion-acceptance limit */
  joint_due_date: string
  created_by: string | null
  updated_at: string
}

export interface AcceptanceDecisionsTable {
  id: string
  submission_id: string
  application_id: string | null
  decision: string
  decided_by: string
  decided_at: string
  override_reason: string | null
  items: string
}

export interface AcceptanceDocumentsTable {
  number: string
  kind: string
  year: number
  sequence: number
  application_id: string | null
  submission_id: string
  decision_id: string
  body: string
  issued_at: string
}

export interface AcceptanceSequencesTable {
  kind: string
  year: number
  last: number
}

/** 0014: commitment letters (承诺书) and the items they owe */
export interface CommitmentsTable {
  id: string
  project_code: string
  phase_code: string | null
  application_id: string | null
  decision_id: string
  opinion_number: string | null
  statements: string
  signatory: string
  start_event: string
  start_date: string
  due_date: string
  state: string
  created_by: string
  created_at: string
  updated_at: string
}

export interface CommitmentItemsTable {
  commitment_id: string
  code: string
  description: string
  due_date: string
  state: string
  submission_id: string | null
  package_id: string | null
  version: number | null
  fulfilled_at: string | null
  updated_at: string
}

export interface CommitmentClaimsTable { submission_id: string, commitment_id: string, item_code: string, created_at: string }

/** 0014: insert-only credit records, appeals and corrections */
export interface CreditRecordsTable {
  id: string
  kind: string
  refers_to: string | null
  type: string
  standing: string
  unit_uscc: string
  unit_name: string
  unit_role: string
  persons: string
  project_code: string
  commitment_id: string | null
  occurred_on: string
  recorded_at: string
  recorded_by: string
  reason: string | null
  evidence: string
}

/** The database or a transaction on it: every repository statement runs on one of these. */
export type Executor = Kysely<Schema> | Transaction<Schema>

export type Engine = 'sqlite' | 'postgres'

export interface DrillsTable {
  id: string
  node_id: string
  outcome: string
  sample_size: number
  rto_ms: number
  rpo_ms: number | null
  report: string
  algorithm: string
  signature: string
  certificate: string
  agent: string
  started_at: string
  finished_at: string
}

export interface PackageDrillsTable { package_id: string, drill_id: string, outcome: string, drilled_at: string }

export interface TierKeysTable {
  id: string
  tier: string
  algorithm: string
  master_key_id: string
  wrapped: string
  state: string
  created_at: string
  retired_at: string | null
}
