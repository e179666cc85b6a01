import { perEngine, type Migration } from '../migration.js'

// Issue 13, "digests kept": every content keeps sha512 and SM3, plus what its bag's manifests declared.
// sha256 and md5 become nullable (a bag with neither manifest no longer pays for them), and
// other_digests holds the rest a manifest declared (sha1, sha384, sha3-…): a JSON object of BagIt
// algorithm name → lowercase hex, NULL when there are none, so nothing a builder declared is dropped.
// Rows written before keep all four digests and stay as they are.
//
// SQLite cannot drop a NOT NULL in place, so contents is rebuilt. package_files references it, and
// with foreign keys on (they cannot be turned off inside the migration's transaction) dropping the old
// contents would orphan its rows: package_files is rebuilt beside it, pointing at the new table, whose
// rename then carries the reference over.

const HEX = (col: string, len: number): string => `CHECK (length(${col}) = ${len} AND ${col} NOT GLOB '*[^0-9a-f]*')`

const SQL = `
CREATE TABLE contents_next (
  package_id TEXT NOT NULL REFERENCES packages (id),
  content_path TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  sha512 TEXT NOT NULL ${HEX('sha512', 128)},
  sha256 TEXT ${HEX('sha256', 64)},
  md5 TEXT ${HEX('md5', 32)},
  sm3 TEXT NOT NULL ${HEX('sm3', 64)},
  last_checked_at TEXT,
  last_outcome TEXT CHECK (last_outcome IN ('ok', 'mismatch', 'missing')),
  next_check_at TEXT NOT NULL,
  damaged_by INTEGER REFERENCES events (id),
  other_digests TEXT CHECK (other_digests IS NULL OR json_valid(other_digests)),
  PRIMARY KEY (package_id, content_path)
) STRICT;
INSERT INTO contents_next (package_id, content_path, size, sha512, sha256, md5, sm3, last_checked_at, last_outcome, next_check_at, damaged_by)
  SELECT package_id, content_path, size, sha512, sha256, md5, sm3, last_checked_at, last_outcome, next_check_at, damaged_by FROM contents;
CREATE TABLE package_files_next (
  package_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  logical_path TEXT NOT NULL,
  content_path TEXT NOT NULL,
  format TEXT,
  PRIMARY KEY (package_id, version, logical_path),
  FOREIGN KEY (package_id, version) REFERENCES versions (package_id, number),
  FOREIGN KEY (package_id, content_path) REFERENCES contents_next (package_id, content_path)
) STRICT, WITHOUT ROWID;
INSERT INTO package_files_next SELECT package_id, version, logical_path, content_path, format FROM package_files;
DROP TABLE package_files;
DROP TABLE contents;
ALTER TABLE contents_next RENAME TO contents;
ALTER TABLE package_files_next RENAME TO package_files;
CREATE INDEX contents_next_check_at ON contents (next_check_at);
CREATE INDEX contents_last_outcome ON contents (last_outcome) WHERE last_outcome <> 'ok';
CREATE INDEX contents_damaged ON contents (package_id, content_path) WHERE damaged_by IS NOT NULL;
CREATE INDEX package_files_logical ON package_files (package_id, logical_path, version);
CREATE INDEX package_files_content ON package_files (package_id, content_path);
`

const PG = `
ALTER TABLE contents ALTER COLUMN sha256 DROP NOT NULL;
ALTER TABLE contents ALTER COLUMN md5 DROP NOT NULL;
ALTER TABLE contents ADD COLUMN other_digests TEXT COLLATE "C" CHECK (other_digests IS NULL OR other_digests::jsonb IS NOT NULL);
`

export const migration0006: Migration = {
  version: 6,
  name: '0006-kept-digests',
  up: perEngine({ sqlite: SQL, postgres: PG })
}
