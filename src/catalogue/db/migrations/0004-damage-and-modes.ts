import { perEngine, toPostgres, type Migration } from '../migration.js'

// Damage known per content file, so that dedup, downloads and the duplicate decision can all refuse
// bytes fixity (or a download) found bad, and a resubmission can repair exactly those (issue 11, item 2):
// `damaged_by` names the `content.damaged` event of the package that recorded it, NULL while the bytes
// are believed whole. And what a submission says it is (item 4): a supplement adds or replaces files
// of the head, a replacement states the whole payload.

const SQL = `
ALTER TABLE contents ADD COLUMN damaged_by INTEGER REFERENCES events (id);
CREATE INDEX contents_damaged ON contents (package_id, content_path) WHERE damaged_by IS NOT NULL;
-- A package marked damaged before this migration: its failed contents point at its last package.damaged
-- event (drift included, to be safe: the next fixity check that finds one whole clears it).
UPDATE contents SET damaged_by = (
  SELECT max(e.id) FROM events e WHERE e.object_type = 'package' AND e.object_id = contents.package_id AND e.type = 'package.damaged')
WHERE last_outcome IN ('mismatch', 'missing') AND package_id IN (SELECT id FROM packages WHERE state = 'damaged');
ALTER TABLE submissions ADD COLUMN mode TEXT NOT NULL DEFAULT 'supplement' CHECK (mode IN ('supplement', 'replace'));
`

const PG = toPostgres(SQL)

export const migration0004: Migration = {
  version: 4,
  name: '0004-damage-and-modes',
  up: perEngine({ sqlite: SQL, postgres: PG })
}
