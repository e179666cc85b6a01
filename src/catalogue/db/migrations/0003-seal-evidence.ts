import { perEngine, pgInsertOnly, toPostgres, type Migration } from '../migration.js'

// The certificates, CRLs, OCSP responses and timestamp tokens a seal re-validation relied on, kept by
// their sha256 so that its decision can be re-checked later (the evidence of an ingest-time check is in
// the OCFL version itself). Insert-only, like the event log that names them.

const SQL = `
CREATE TABLE seal_evidence (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  der BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE TRIGGER seal_evidence_no_update BEFORE UPDATE ON seal_evidence
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: seal_evidence is insert-only'); END;
CREATE TRIGGER seal_evidence_no_delete BEFORE DELETE ON seal_evidence
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: seal_evidence is insert-only'); END;
`

const PG = toPostgres(SQL.slice(0, SQL.indexOf('CREATE TRIGGER'))) + pgInsertOnly('seal_evidence')

export const migration0003: Migration = {
  version: 3,
  name: '0003-seal-evidence',
  up: perEngine({ sqlite: SQL, postgres: PG })
}
