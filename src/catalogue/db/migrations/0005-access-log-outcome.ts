import { perEngine, type Migration } from '../migration.js'

// Issue 11 item 1: the access log used to get its row when the response had gone out, so a download
// cut short, an aborted upload or a request refused before routing left none. Now a row goes in when
// the request is authorized (outcome 'pending', no status yet) and is completed once when it ends.
//
// Completion is an UPDATE, not a second "outcome" row: one row per request keeps the trail readable
// and its pages and counts plain, and an unfinished request (or one the process died under) shows as
// 'pending' right there. Insert-only still holds for everything the row says about who, what, when and
// from where: the trigger below lets exactly one change through, pending → final, touching only
// status, outcome and ended_at; any other UPDATE, and every DELETE, aborts with EVENT_IMMUTABLE.
//
// SQLite cannot change a CHECK in place, so the table is rebuilt; old rows were all final, and end
// when they began.

const IMMUTABLE = ['id', 'at', 'token_id', 'role', 'method', 'route', 'url', 'object_id', 'ip', 'request_id']

const SQL = `
DROP TRIGGER access_log_no_update;
DROP TRIGGER access_log_no_delete;
CREATE TABLE access_log_next (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  token_id TEXT,
  role TEXT,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  url TEXT NOT NULL,
  object_id TEXT,
  ip TEXT NOT NULL,
  status INTEGER CHECK (status IS NULL OR status BETWEEN 100 AND 599),
  outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'allowed', 'denied', 'error', 'aborted', 'refused')),
  request_id TEXT NOT NULL,
  ended_at TEXT,
  CHECK ((outcome = 'pending') = (ended_at IS NULL)),
  -- only a request cut off before its answer began has no status
  CHECK (status IS NOT NULL OR outcome IN ('pending', 'aborted'))
) STRICT;
INSERT INTO access_log_next (id, at, token_id, role, method, route, url, object_id, ip, status, outcome, request_id, ended_at)
  SELECT id, at, token_id, role, method, route, url, object_id, ip, status, outcome, request_id, at FROM access_log ORDER BY id;
DROP TABLE access_log;
ALTER TABLE access_log_next RENAME TO access_log;
CREATE INDEX access_log_token ON access_log (token_id, id);
CREATE INDEX access_log_request ON access_log (request_id);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
WHEN OLD.outcome <> 'pending' OR NEW.outcome = 'pending' OR NEW.ended_at IS NULL
  OR ${IMMUTABLE.map(c => `NEW.${c} IS NOT OLD.${c}`).join(' OR ')}
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: access_log is insert-only; a pending row is completed once'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: access_log is insert-only'); END;
`

// PostgreSQL changes the table in place; its trigger function allows the same one change.
const PG = `
DROP TRIGGER access_log_no_update ON access_log;
DROP TRIGGER access_log_no_delete ON access_log;
ALTER TABLE access_log ALTER COLUMN status DROP NOT NULL;
ALTER TABLE access_log DROP CONSTRAINT access_log_status_check;
ALTER TABLE access_log DROP CONSTRAINT access_log_outcome_check;
ALTER TABLE access_log ADD COLUMN ended_at TEXT COLLATE "C";
UPDATE access_log SET ended_at = at;
ALTER TABLE access_log ADD CONSTRAINT access_log_status_check CHECK (status IS NULL OR status BETWEEN 100 AND 599);
ALTER TABLE access_log ADD CONSTRAINT access_log_outcome_check CHECK (outcome IN ('pending', 'allowed', 'denied', 'error', 'aborted', 'refused'));
ALTER TABLE access_log ADD CONSTRAINT access_log_pending_check CHECK ((outcome = 'pending') = (ended_at IS NULL));
ALTER TABLE access_log ADD CONSTRAINT access_log_aborted_check CHECK (status IS NOT NULL OR outcome IN ('pending', 'aborted'));
CREATE INDEX access_log_request ON access_log (request_id);
CREATE FUNCTION lantai_access_log_complete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.outcome <> 'pending' OR NEW.outcome = 'pending' OR NEW.ended_at IS NULL
    OR ${IMMUTABLE.map(c => `NEW.${c} IS DISTINCT FROM OLD.${c}`).join(' OR ')} THEN
    RAISE EXCEPTION 'EVENT_IMMUTABLE: access_log is insert-only; a pending row is completed once';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log FOR EACH ROW EXECUTE FUNCTION lantai_access_log_complete();
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log FOR EACH ROW EXECUTE FUNCTION lantai_insert_only();
`

export const migration0005: Migration = {
  version: 5,
  name: '0005-access-log-outcome',
  up: perEngine({ sqlite: SQL, postgres: PG })
}
