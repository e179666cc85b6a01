import { perEngine, pgInsertOnly, toPostgres, type Migration } from '../migration.js'

// Issue 14 items 7 and 10: acceptance + commitment (验收+承诺) and credit records (失信行为记录).
//
// A commitment letter (承诺书) belongs to one accepted decision, so to its application and phase; it
// carries the notice's four statements and the items still owed, each with its own due date. An item is
// owed, overdue or fulfilled; a fulfilled item names the submission, package and version that brought it
// (a supplementary submission claims items at upload; the claim turns into a fulfilment once stored).
//
// Credit records are insert-only, like events: an appeal (申诉) and a correction (更正) are rows of their
// own pointing at the record, so nothing is ever deleted or overwritten and the record's standing is the
// last row of its chain. One overdue record per commitment and unit: the daily job may run twice.

const SQL = `
CREATE TABLE commitments (
  id TEXT PRIMARY KEY,
  project_code TEXT NOT NULL REFERENCES projects (code),
  phase_code TEXT,
  application_id TEXT REFERENCES acceptance_applications (id),
  decision_id TEXT NOT NULL UNIQUE REFERENCES acceptance_decisions (id),
  opinion_number TEXT,
  statements TEXT NOT NULL CHECK (json_valid(statements)),
  signatory TEXT NOT NULL CHECK (length(signatory) > 0),
  start_event TEXT NOT NULL CHECK (start_event IN ('opinion-date', 'completion-acceptance', 'transfer')),
  start_date TEXT NOT NULL CHECK (length(start_date) = 10),
  due_date TEXT NOT NULL CHECK (length(due_date) = 10),
  state TEXT NOT NULL CHECK (state IN ('open', 'overdue', 'fulfilled')),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX commitments_project ON commitments (project_code, id);
CREATE INDEX commitments_due ON commitments (due_date) WHERE state = 'open';

CREATE TABLE commitment_items (
  commitment_id TEXT NOT NULL REFERENCES commitments (id),
  code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
  description TEXT NOT NULL CHECK (length(description) > 0),
  due_date TEXT NOT NULL CHECK (length(due_date) = 10),
  state TEXT NOT NULL CHECK (state IN ('owed', 'overdue', 'fulfilled')),
  submission_id TEXT REFERENCES submissions (id),
  package_id TEXT REFERENCES packages (id),
  version INTEGER CHECK (version IS NULL OR version >= 1),
  fulfilled_at TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (commitment_id, code),
  CHECK ((state = 'fulfilled') = (submission_id IS NOT NULL AND version IS NOT NULL))
) STRICT;

CREATE TABLE commitment_claims (
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  commitment_id TEXT NOT NULL REFERENCES commitments (id),
  item_code TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (submission_id, commitment_id, item_code),
  FOREIGN KEY (commitment_id, item_code) REFERENCES commitment_items (commitment_id, code)
) STRICT;
CREATE INDEX commitment_claims_commitment ON commitment_claims (commitment_id, item_code);

CREATE TABLE credit_records (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('record', 'appeal', 'correction')),
  refers_to TEXT REFERENCES credit_records (id),
  type TEXT NOT NULL,
  standing TEXT NOT NULL CHECK (standing IN ('in_force', 'appealed', 'upheld', 'corrected', 'revoked')),
  unit_uscc TEXT NOT NULL,
  unit_name TEXT NOT NULL,
  unit_role TEXT NOT NULL,
  persons TEXT NOT NULL CHECK (json_valid(persons)),
  project_code TEXT NOT NULL REFERENCES projects (code),
  commitment_id TEXT REFERENCES commitments (id),
  occurred_on TEXT NOT NULL CHECK (length(occurred_on) = 10),
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  reason TEXT,
  evidence TEXT NOT NULL CHECK (json_valid(evidence)),
  CHECK ((kind = 'record') = (refers_to IS NULL))
) STRICT;
CREATE UNIQUE INDEX credit_records_once ON credit_records (commitment_id, unit_uscc) WHERE kind = 'record' AND commitment_id IS NOT NULL;
CREATE INDEX credit_records_unit ON credit_records (unit_uscc, id);
CREATE INDEX credit_records_chain ON credit_records (refers_to, id);
`

const SQLITE_INSERT_ONLY = `
CREATE TRIGGER credit_records_no_update BEFORE UPDATE ON credit_records
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: credit_records is insert-only'); END;
CREATE TRIGGER credit_records_no_delete BEFORE DELETE ON credit_records
BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: credit_records is insert-only'); END;`

export const migration0014: Migration = {
  version: 14,
  name: '0014-commitments-credit',
  up: perEngine({ sqlite: SQL + SQLITE_INSERT_ONLY, postgres: toPostgres(SQL) + pgInsertOnly('credit_records') })
}
