import { perEngine, pgInsertOnly, toPostgres, type Migration } from '../migration.js'

// Issue 15 items 5 and 6. Two-person rules: an export of classified material, a deletion, a
// declassification, a change of the access policy and a lifted aggregation cap each wait in
// approval_requests for a person other than the requester, of the role the kind needs, to approve them
// (src/access/approvals.ts). Both names stay on the row and in every event.
//
// requested → approved | refused | expired | cancelled; approved → executed | expired (an approval whose
// grant ran out unused). A request that nobody decides before expires_at is expired, never approved late.
//
// The aggregation ledger records who read which pipeline-survey file (its map sheets and area) when, and
// by which action: a search or an export reveals as much as a read. It is insert-only; the guard sums a
// person's distinct files, sheets and km² over the policy's window (src/access/aggregation.ts).
//
// A deleted package keeps its catalogue rows (versions, files, events are history) and gains a
// tombstone; store_removed says whether its OCFL object is gone yet, so a removal cut short is finished later.

const SQL = `
CREATE TABLE approval_requests (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('export-classified', 'delete-package', 'declassify', 'access-policy-change', 'aggregation-scope')),
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  parameters TEXT NOT NULL CHECK (json_valid(parameters)),
  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'refused', 'expired', 'executed', 'cancelled')),
  requested_by TEXT NOT NULL,
  requester_role TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  decided_by TEXT,
  approver_role TEXT,
  decided_at TEXT,
  decision_reason TEXT,
  executed_at TEXT,
  result TEXT CHECK (result IS NULL OR json_valid(result)),
  updated_at TEXT NOT NULL,
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
) STRICT;
CREATE INDEX approval_requests_state ON approval_requests (state, expires_at);
CREATE INDEX approval_requests_object ON approval_requests (object_type, object_id, state);
CREATE INDEX approval_requests_requester ON approval_requests (requested_by, kind, state);

CREATE TABLE aggregation_reads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  person TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('read', 'search', 'export')),
  package_id TEXT NOT NULL,
  path TEXT NOT NULL,
  map_sheets TEXT NOT NULL CHECK (json_valid(map_sheets)),
  area_km2 REAL,
  scope_request TEXT REFERENCES approval_requests (id)
) STRICT;
CREATE INDEX aggregation_reads_person ON aggregation_reads (person, at);
CREATE INDEX aggregation_reads_at ON aggregation_reads (at);

CREATE TABLE package_tombstones (
  package_id TEXT PRIMARY KEY REFERENCES packages (id),
  project_code TEXT NOT NULL,
  ocfl_id TEXT NOT NULL,
  request_id TEXT NOT NULL REFERENCES approval_requests (id),
  requested_by TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  store_removed INTEGER NOT NULL CHECK (store_removed IN (0, 1)),
  removed_at TEXT
) STRICT;
`

const SQLITE = `${SQL}
CREATE TRIGGER aggregation_reads_no_update BEFORE UPDATE ON aggregation_reads BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: aggregation_reads is insert-only'); END;
CREATE TRIGGER aggregation_reads_no_delete BEFORE DELETE ON aggregation_reads BEGIN SELECT RAISE(ABORT, 'EVENT_IMMUTABLE: aggregation_reads is insert-only'); END;
`

const POSTGRES = `${toPostgres(SQL)}
${pgInsertOnly('aggregation_reads')}
`

export const migration0016: Migration = {
  version: 16,
  name: '0016-two-person-aggregation',
  up: perEngine({ sqlite: SQLITE, postgres: POSTGRES })
}
