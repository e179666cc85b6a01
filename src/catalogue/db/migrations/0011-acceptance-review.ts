import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 14 item 5: ingest waits for a person. A checked submission may stop at `awaiting_decision` and
// name the acceptance application (验收申请) it answers; the archivist's decisions and the numbered
// documents they issue (整改通知书, 验收合格意见) are kept beside it.
//
// SQLite cannot alter a CHECK, so submissions is rebuilt. versions references it, and package_files
// references versions: with foreign keys on (they cannot be turned off inside the migration's
// transaction) dropping a referenced table with rows fails, so both are rebuilt beside it, pointing at the
// new tables, and the renames carry the references over (as 0006 did for contents).
//
// An application is open while under_review or rectify; one open application per project and phase (a
// NULL phase is the whole project), so a duplicate is refused by the database itself.
// Document numbers come from a per-kind, per-year counter bumped by an upsert in the issuing
// transaction: the row lock (PostgreSQL) or the single writer (SQLite) makes concurrent issues queue.

const STATES = "'receiving', 'received', 'checking', 'checked', 'awaiting_decision', 'transferring', 'stored', 'rejected', 'failed'"

const REBUILD = `
CREATE TABLE submissions_next (
  id TEXT PRIMARY KEY,
  project_code TEXT NOT NULL REFERENCES projects (code),
  state TEXT NOT NULL CHECK (state IN (${STATES})),
  content_type TEXT NOT NULL,
  bytes_received INTEGER NOT NULL DEFAULT 0 CHECK (bytes_received >= 0),
  sha256 TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
  progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  stage TEXT,
  report TEXT CHECK (report IS NULL OR json_valid(report)),
  package_id TEXT REFERENCES packages (id),
  version INTEGER CHECK (version IS NULL OR version >= 1),
  error_code TEXT,
  error_message TEXT,
  duplicate_of TEXT REFERENCES submissions_next (id),
  created_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  mode TEXT NOT NULL DEFAULT 'supplement' CHECK (mode IN ('supplement', 'replace')),
  application_id TEXT REFERENCES acceptance_applications (id),
  CHECK ((error_code IS NULL) = (error_message IS NULL))
) STRICT;
INSERT INTO submissions_next (id, project_code, state, content_type, bytes_received, sha256, progress, stage, report, package_id, version, error_code, error_message, duplicate_of, created_by, created_at, updated_at, mode)
  SELECT id, project_code, state, content_type, bytes_received, sha256, progress, stage, report, package_id, version, error_code, error_message, duplicate_of, created_by, created_at, updated_at, mode FROM submissions;
CREATE TABLE versions_next (
  package_id TEXT NOT NULL REFERENCES packages (id),
  number INTEGER NOT NULL CHECK (number >= 1),
  submission_id TEXT NOT NULL UNIQUE REFERENCES submissions_next (id),
  message TEXT NOT NULL,
  file_count INTEGER NOT NULL CHECK (file_count >= 0),
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  created_at TEXT NOT NULL,
  PRIMARY KEY (package_id, number)
) STRICT;
INSERT INTO versions_next SELECT package_id, number, submission_id, message, file_count, bytes, created_at FROM versions;
CREATE TABLE package_files_next (
  package_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  logical_path TEXT NOT NULL,
  content_path TEXT NOT NULL,
  format TEXT,
  PRIMARY KEY (package_id, version, logical_path),
  FOREIGN KEY (package_id, version) REFERENCES versions_next (package_id, number),
  FOREIGN KEY (package_id, content_path) REFERENCES contents (package_id, content_path)
) STRICT, WITHOUT ROWID;
INSERT INTO package_files_next SELECT package_id, version, logical_path, content_path, format FROM package_files;
DROP TABLE package_files;
DROP TABLE versions;
DROP TABLE submissions;
ALTER TABLE submissions_next RENAME TO submissions;
ALTER TABLE versions_next RENAME TO versions;
ALTER TABLE package_files_next RENAME TO package_files;
CREATE INDEX submissions_project ON submissions (project_code, id);
CREATE INDEX submissions_state ON submissions (state, id);
CREATE INDEX submissions_stored_sha256 ON submissions (project_code, sha256) WHERE state = 'stored';
CREATE INDEX package_files_logical ON package_files (package_id, logical_path, version);
CREATE INDEX package_files_content ON package_files (package_id, content_path);
`

const TABLES = `
CREATE TABLE acceptance_applications (
  id TEXT PRIMARY KEY,
  project_code TEXT NOT NULL REFERENCES projects (code),
  phase_code TEXT,
  number TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL CHECK (state IN ('under_review', 'rectify', 'accepted', 'withdrawn')),
  applied_at TEXT NOT NULL,
  joint_due_date TEXT NOT NULL,
  created_by TEXT,
  updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX acceptance_applications_open ON acceptance_applications (project_code, coalesce(phase_code, '')) WHERE state IN ('under_review', 'rectify');
CREATE INDEX acceptance_applications_due ON acceptance_applications (joint_due_date) WHERE state IN ('under_review', 'rectify');
CREATE INDEX acceptance_applications_project ON acceptance_applications (project_code, id);

CREATE TABLE acceptance_decisions (
  id TEXT PRIMARY KEY,
  submission_id TEXT NOT NULL UNIQUE REFERENCES submissions (id),
  application_id TEXT REFERENCES acceptance_applications (id),
  decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rectification_required', 'rejected')),
  decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  override_reason TEXT,
  items TEXT NOT NULL CHECK (json_valid(items))
) STRICT;
CREATE INDEX acceptance_decisions_application ON acceptance_decisions (application_id, decided_at);

CREATE TABLE acceptance_documents (
  number TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('rectification-notice', 'acceptance-opinion')),
  year INTEGER NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence >= 1),
  application_id TEXT REFERENCES acceptance_applications (id),
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  decision_id TEXT NOT NULL UNIQUE REFERENCES acceptance_decisions (id),
  body TEXT NOT NULL CHECK (json_valid(body)),
  issued_at TEXT NOT NULL,
  UNIQUE (kind, year, sequence)
) STRICT;
CREATE INDEX acceptance_documents_application ON acceptance_documents (application_id, issued_at);

CREATE TABLE acceptance_sequences (
  kind TEXT NOT NULL,
  year INTEGER NOT NULL,
  last INTEGER NOT NULL CHECK (last >= 1),
  PRIMARY KEY (kind, year)
) STRICT;
`

const PG = `
ALTER TABLE submissions DROP CONSTRAINT submissions_state_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_state_check CHECK (state IN (${STATES}));
${toPostgres(TABLES)}
ALTER TABLE submissions ADD COLUMN application_id TEXT COLLATE "C" REFERENCES acceptance_applications (id);
`

export const migration0011: Migration = {
  version: 11,
  name: '0011-acceptance-review',
  up: perEngine({ sqlite: TABLES + REBUILD, postgres: PG })
}
