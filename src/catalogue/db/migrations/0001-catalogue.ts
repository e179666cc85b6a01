import { PG_INSERT_ONLY, perEngine, pgInsertOnly, toPostgres, type Migration } from '../migration.js'

// The first catalogue: projects, submissions, packages (one OCFL object per project) with their
// versions, logical files and stored content, the insert-only event and access logs, jobs and tokens.
// STRICT tables: SQLite otherwise stores whatever type it is handed. Timestamps are ISO-8601 UTC
// strings with milliseconds ('2024-05-01T08:00:00.000Z'), so text order is time order. JSON columns
// are TEXT checked with json_valid (on PostgreSQL: a cast to jsonb). Ids are made in TypeScript, never by
// the database, except the two logs, whose integer ids are their order of insertion. PostgreSQL gets the
// same tables with its own spelling: BIGINT for sizes, identities for the log ids, regexes for GLOB.

const HEX = (col: string, len: number): string =>
  `CHECK (length(${col}) = ${len} AND ${col} NOT GLOB '*[^0-9a-f]*')`

const DIGESTS = `
  size INTEGER NOT NULL CHECK (size >= 0),
  sha512 TEXT NOT NULL ${HEX('sha512', 128)},
  sha256 TEXT NOT NULL ${HEX('sha256', 64)},
  md5 TEXT NOT NULL ${HEX('md5', 32)},
  sm3 TEXT NOT NULL ${HEX('sm3', 64)}`

// research-preservation.md §10 lesson 8: insert-only for every role, enforced by the database itself
// so that no code path (nor a raw SQL session) can rewrite history. Tamper-evidence against someone
// who drops the triggers is the audit capability's hash chain, not this.
const insertOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: ${table} is insert-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: ${table} is insert-only'); END;`

const SQL = `
CREATE TABLE projects (
  code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 64 AND code NOT GLOB '*[^A-Za-z0-9-]*'),
  name TEXT NOT NULL CHECK (length(name) > 0),
  unit TEXT,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX projects_unit ON projects (unit);
CREATE INDEX projects_created_at ON projects (created_at);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL UNIQUE ${HEX('secret_sha256', 64)},
  role TEXT NOT NULL CHECK (role IN ('admin', 'archivist', 'security-officer', 'auditor', 'reader')),
  clearance TEXT,
  label TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
) STRICT;

CREATE TABLE submissions (
  id TEXT PRIMARY KEY,
  project_code TEXT NOT NULL REFERENCES projects (code),
  state TEXT NOT NULL CHECK (state IN ('receiving', 'received', 'checking', 'checked', 'transferring', 'stored', 'rejected', 'failed')),
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
  duplicate_of TEXT REFERENCES submissions (id),
  created_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((error_code IS NULL) = (error_message IS NULL))
) STRICT;
CREATE INDEX submissions_project ON submissions (project_code, id);
CREATE INDEX submissions_state ON submissions (state, id);
CREATE INDEX submissions_stored_sha256 ON submissions (project_code, sha256) WHERE state = 'stored';

CREATE TABLE packages (
  id TEXT PRIMARY KEY,
  project_code TEXT NOT NULL UNIQUE REFERENCES projects (code),
  ocfl_id TEXT NOT NULL UNIQUE,
  head_version INTEGER NOT NULL CHECK (head_version >= 1),
  state TEXT NOT NULL CHECK (state IN ('active', 'damaged')),
  file_count INTEGER NOT NULL CHECK (file_count >= 0),
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  content_count INTEGER NOT NULL CHECK (content_count >= 0),
  stored_bytes INTEGER NOT NULL CHECK (stored_bytes >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX packages_created_at ON packages (created_at);
CREATE INDEX packages_state ON packages (state);

CREATE TABLE versions (
  package_id TEXT NOT NULL REFERENCES packages (id),
  number INTEGER NOT NULL CHECK (number >= 1),
  submission_id TEXT NOT NULL UNIQUE REFERENCES submissions (id),
  message TEXT NOT NULL,
  file_count INTEGER NOT NULL CHECK (file_count >= 0),
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  created_at TEXT NOT NULL,
  PRIMARY KEY (package_id, number)
) STRICT;

-- One row per stored content file: the unit of fixity. OCFL deduplicates, so a file unchanged
-- between versions has one content row however many versions list it.
CREATE TABLE contents (
  package_id TEXT NOT NULL REFERENCES packages (id),
  content_path TEXT NOT NULL,
  ${DIGESTS},
  last_checked_at TEXT,
  last_outcome TEXT CHECK (last_outcome IN ('ok', 'mismatch', 'missing')),
  next_check_at TEXT NOT NULL,
  PRIMARY KEY (package_id, content_path)
) STRICT;
CREATE INDEX contents_next_check_at ON contents (next_check_at);
CREATE INDEX contents_last_outcome ON contents (last_outcome) WHERE last_outcome <> 'ok';

-- One row per logical path per version (the OCFL version state). Size and digests are those of the
-- content row it points to, so they cannot disagree.
CREATE TABLE package_files (
  package_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  logical_path TEXT NOT NULL,
  content_path TEXT NOT NULL,
  format TEXT,
  PRIMARY KEY (package_id, version, logical_path),
  FOREIGN KEY (package_id, version) REFERENCES versions (package_id, number),
  FOREIGN KEY (package_id, content_path) REFERENCES contents (package_id, content_path)
) STRICT, WITHOUT ROWID;
CREATE INDEX package_files_logical ON package_files (package_id, logical_path, version);
CREATE INDEX package_files_content ON package_files (package_id, content_path);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'warning', 'info')),
  agent TEXT NOT NULL,
  object_type TEXT NOT NULL CHECK (object_type IN ('project', 'submission', 'package', 'content', 'token', 'system')),
  object_id TEXT NOT NULL,
  detail TEXT CHECK (detail IS NULL OR json_valid(detail))
) STRICT;
CREATE INDEX events_object ON events (object_id, id);
CREATE INDEX events_type ON events (type, id);
${insertOnly('events')}

CREATE TABLE access_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  token_id TEXT,
  role TEXT,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  url TEXT NOT NULL,
  object_id TEXT,
  ip TEXT NOT NULL,
  status INTEGER NOT NULL CHECK (status BETWEEN 100 AND 599),
  outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'error')),
  request_id TEXT NOT NULL
) STRICT;
CREATE INDEX access_log_token ON access_log (token_id, id);
${insertOnly('access_log')}

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'parked')),
  subject_id TEXT,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  lease_owner TEXT,
  lease_until TEXT,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  error TEXT CHECK (error IS NULL OR json_valid(error)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((state = 'running') = (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
) STRICT;
CREATE INDEX jobs_claim ON jobs (kind, state, id);
-- At most one unfinished job per (kind, subject): a second ingest of one submission, or a second
-- fixity run over one package, is refused by the database even when two workers race.
CREATE UNIQUE INDEX jobs_active_subject ON jobs (kind, subject_id)
  WHERE subject_id IS NOT NULL AND state IN ('queued', 'running', 'parked');
`

// PostgreSQL checks a REFERENCES when it is declared, so the forward one of submissions to packages is
// added once packages exists.
const pgSql = (): string => PG_INSERT_ONLY + toPostgres(SQL)
  .replace('package_id TEXT COLLATE "C" REFERENCES packages (id),', 'package_id TEXT COLLATE "C",')
  .concat('\nALTER TABLE submissions ADD CONSTRAINT submissions_package_id_fkey FOREIGN KEY (package_id) REFERENCES packages (id);')
  .replace(/CREATE TRIGGER events_no_update[\s\S]*?events_no_delete[\s\S]*?END;/, pgInsertOnly('events'))
  .replace(/CREATE TRIGGER access_log_no_update[\s\S]*?access_log_no_delete[\s\S]*?END;/, pgInsertOnly('access_log'))

export const migration0001: Migration = {
  version: 1,
  name: '0001-catalogue',
  up: perEngine({ sqlite: SQL, postgres: pgSql() })
}
