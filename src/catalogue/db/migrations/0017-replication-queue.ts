import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 16 items 4-6: the replication queue and fixity on every copy (research-preservation.md §10
// lessons 3-6).
//
// `replication_tasks`: one task per (package version, node) copy the placement engine planned. Not the
// jobs table: a copy needs per-node concurrency bounds (jobs are claimed by kind alone), a time before
// which a failed copy is not tried again (backoff), and several tasks of one package at once (jobs allow
// one active job per subject). Its lease columns work as the jobs' and the outbox deliveries' do.
// 'held' is a task that must not run yet (a classified version before tier keys exist), with why.
//
// `replica_files`: what each node holds, file by file (content files of the object). A row is written
// only once the file was read back from the node and its digest matched, so a resumed task skips what
// is already there and verified; the same row carries the copy's own fixity schedule (next_check_at by
// the node's class) and its last outcome, so every copy is checked, not only the primary.
//
// `replication_cursor`: the last `package.version` event the queue has placed, so each stored version is
// placed once, after its transfer committed, by whichever worker gets there first.

const SQL = `
CREATE TABLE replication_tasks (
  id TEXT PRIMARY KEY,
  package_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  node_id TEXT NOT NULL REFERENCES storage_nodes (id),
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'held')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TEXT NOT NULL,
  lease_owner TEXT,
  lease_until TEXT,
  files_total INTEGER CHECK (files_total IS NULL OR files_total >= 0),
  files_done INTEGER NOT NULL DEFAULT 0 CHECK (files_done >= 0),
  bytes_total INTEGER CHECK (bytes_total IS NULL OR bytes_total >= 0),
  bytes_done INTEGER NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
  last_error TEXT CHECK (last_error IS NULL OR json_valid(last_error)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (package_id, version, node_id),
  FOREIGN KEY (package_id, version) REFERENCES versions (package_id, number)
) STRICT;
CREATE INDEX replication_tasks_due ON replication_tasks (next_attempt_at) WHERE state IN ('queued', 'running');
CREATE INDEX replication_tasks_node_state ON replication_tasks (node_id, state);

CREATE TABLE replica_files (
  package_id TEXT NOT NULL,
  content_path TEXT NOT NULL,
  node_id TEXT NOT NULL REFERENCES storage_nodes (id),
  state TEXT NOT NULL CHECK (state IN ('verified', 'damaged', 'missing')),
  size INTEGER NOT NULL CHECK (size >= 0),
  verified_at TEXT NOT NULL,
  last_checked_at TEXT,
  last_outcome TEXT CHECK (last_outcome IS NULL OR last_outcome IN ('ok', 'mismatch', 'missing', 'drift')),
  next_check_at TEXT NOT NULL,
  detail TEXT CHECK (detail IS NULL OR json_valid(detail)),
  PRIMARY KEY (package_id, content_path, node_id),
  FOREIGN KEY (package_id, content_path) REFERENCES contents (package_id, content_path)
) STRICT;
CREATE INDEX replica_files_due ON replica_files (node_id, next_check_at);

CREATE TABLE replication_cursor (
  name TEXT PRIMARY KEY,
  event_id INTEGER NOT NULL CHECK (event_id >= 0),
  updated_at TEXT NOT NULL
) STRICT;
`

export const migration0017: Migration = {
  version: 17,
  name: '0017-replication-queue',
  // toPostgres widens `size`; the byte counters and the event id are widened here
  up: perEngine({
    sqlite: SQL,
    postgres: toPostgres(SQL).replace('bytes_total INTEGER', 'bytes_total BIGINT').replace('bytes_done INTEGER', 'bytes_done BIGINT').replace('event_id INTEGER', 'event_id BIGINT')
  })
}
