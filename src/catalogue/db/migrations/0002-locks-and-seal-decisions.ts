import { perEngine, toPostgres, type Migration } from '../migration.js'

// Named leases, so that several Lantai workers on one catalogue never write one OCFL object at once;
// and the current paper decision (notice clause 五) of every stored file, so the package view shows it
// and a re-validation can find the files still waiting on trust or revocation data (rule R4).

const SQL = `
CREATE TABLE locks (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) STRICT;

-- One row per logical file of a package: the latest decision made for it, by ingest or by a
-- re-validation. Every decision ever made is also in the events and in the version's seal report.
CREATE TABLE seal_decisions (
  package_id TEXT NOT NULL REFERENCES packages (id),
  logical_path TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  format TEXT NOT NULL,
  signatures INTEGER NOT NULL CHECK (signatures >= 0),
  outcome TEXT NOT NULL CHECK (outcome IN ('paper_waived', 'dual_set', 'paper_required')),
  rule TEXT NOT NULL,
  provisional INTEGER NOT NULL CHECK (provisional IN (0, 1)),
  integrity_alert INTEGER NOT NULL CHECK (integrity_alert IN (0, 1)),
  reason TEXT NOT NULL,
  checked_at TEXT NOT NULL,
  PRIMARY KEY (package_id, logical_path)
) STRICT;
CREATE INDEX seal_decisions_review ON seal_decisions (package_id) WHERE provisional = 1;
`

const PG = toPostgres(SQL)

export const migration0002: Migration = {
  version: 2,
  name: '0002-locks-and-seal-decisions',
  up: perEngine({ sqlite: SQL, postgres: PG })
}
