import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 16 items 2-3: the storage nodes copies go to, and one row per (package version, node) copy.
// A node's credentials are never stored: it names the LANTAI_* variables that hold them, as subscribers
// name their secret (0008). Nodes come from storage-policies/nodes.yaml ('policy') or the admin API ('api').
//
// `replicas` is the table the replication queue and per-copy fixity fill (research-preservation.md §10
// lessons 3-4): a copy counts toward placement only once 'verified' (read back, digests matched). The
// placement engine writes 'planned' rows; the queue moves them through 'copying' to 'verified'; fixity
// may find one 'damaged' or 'missing'.

const SQL = `
CREATE TABLE storage_nodes (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  kind TEXT NOT NULL CHECK (kind IN ('s3', 'filesystem')),
  is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
  endpoint TEXT,
  bucket TEXT,
  path TEXT,
  credential_env TEXT CHECK (credential_env IS NULL OR json_valid(credential_env)),
  province TEXT NOT NULL,
  city TEXT NOT NULL,
  seismic_region TEXT NOT NULL,
  media TEXT NOT NULL,
  operator TEXT NOT NULL,
  implementation TEXT NOT NULL,
  clearance TEXT NOT NULL CHECK (clearance IN ('非密', '秘密', '机密')),
  state TEXT NOT NULL CHECK (state IN ('active', 'draining', 'lost')),
  capacity_bytes INTEGER CHECK (capacity_bytes IS NULL OR capacity_bytes >= 0),
  source TEXT NOT NULL CHECK (source IN ('policy', 'api')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((kind = 's3' AND endpoint IS NOT NULL AND bucket IS NOT NULL) OR (kind = 'filesystem' AND path IS NOT NULL))
) STRICT;

CREATE TABLE replicas (
  package_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  node_id TEXT NOT NULL REFERENCES storage_nodes (id),
  state TEXT NOT NULL CHECK (state IN ('planned', 'copying', 'verified', 'damaged', 'missing')),
  verified_at TEXT,
  bytes INTEGER CHECK (bytes IS NULL OR bytes >= 0),
  detail TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (package_id, version, node_id),
  FOREIGN KEY (package_id, version) REFERENCES versions (package_id, number)
) STRICT;
CREATE INDEX replicas_node_state ON replicas (node_id, state);
`

export const migration0013: Migration = {
  version: 13,
  name: '0013-storage-nodes',
  // toPostgres widens columns named plain `bytes`; a node's capacity is a byte count too
  up: perEngine({ sqlite: SQL, postgres: toPostgres(SQL).replace('capacity_bytes INTEGER', 'capacity_bytes BIGINT') })
}
