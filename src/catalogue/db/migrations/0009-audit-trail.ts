import { perEngine, pgInsertOnly, toPostgres, type Migration } from '../migration.js'

// Issue 15 item 8: the tamper-evident audit trail. Every access and change is one row; each row's hash
// covers a canonical encoding of all its columns and the previous row's hash (src/audit/chain.ts and
// docs/audit.md give the encoding: it is a contract). `seq` is given by the appender, one past the
// head, while it holds the chain's lock, so the numbers have no gaps and a gap means a deleted row.
//
// The triggers refuse UPDATE and DELETE from any session, but they are a fence, not the proof: an
// intruder who owns the database can drop them, and `lantai audit verify` finds the change anyway.
// Checkpoints are signed heads of the chain (up to `seq`, `head_hash`), insert-only as well.

const SQL = `
CREATE TABLE audit_trail (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  at TEXT NOT NULL,
  actor_id TEXT,
  actor_role TEXT,
  actor_label TEXT,
  action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 128),
  object_type TEXT,
  object_id TEXT,
  tier TEXT,
  outcome TEXT NOT NULL,
  request_id TEXT,
  ip TEXT,
  detail TEXT CHECK (detail IS NULL OR json_valid(detail)),
  alg TEXT NOT NULL CHECK (alg IN ('sm3', 'sha256')),
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_trail_at ON audit_trail (at);
CREATE INDEX audit_trail_actor ON audit_trail (actor_id, seq);
CREATE INDEX audit_trail_action ON audit_trail (action, seq);
CREATE INDEX audit_trail_object ON audit_trail (object_id, seq);
CREATE INDEX audit_trail_hash ON audit_trail (hash);

CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  head_hash TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  algorithm TEXT NOT NULL CHECK (algorithm IN ('sm2-sm3', 'ecdsa-sha256', 'none')),
  signature TEXT NOT NULL,
  certificate TEXT NOT NULL
) STRICT;
`

const SQLITE = `${SQL}
CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: audit_trail is insert-only'); END;
CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: audit_trail is insert-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: audit_checkpoints is insert-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: audit_checkpoints is insert-only'); END;
`

const POSTGRES = `${toPostgres(SQL).replace(/\bseq INTEGER\b/g, 'seq BIGINT')}
${pgInsertOnly('audit_trail')}
${pgInsertOnly('audit_checkpoints')}
`

export const migration0009: Migration = {
  version: 9,
  name: '0009-audit-trail',
  up: perEngine({ sqlite: SQLITE, postgres: POSTGRES })
}
