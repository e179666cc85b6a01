import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 16 item 8 and issue 15 item 7: restore drills and the wrapped data keys per classification tier.
//
// `drills` keeps each drill's signed report as issued (the JSON that was signed, its signature and the
// signer's certificate), so a report can be verified years later without trusting this table;
// `package_drills` is each package's last drill, which the next drill's sample is weighted by
// (research-preservation.md §10: restore what has not been restored for longest).
//
// `tier_keys` holds data keys only wrapped under the master key (LANTAI_MASTER_KEY, configuration, never
// here) with the id of that master key, so a wrong master key is named rather than guessed at. A tier has
// one active key; retired keys stay to decrypt what they sealed (docs/keys.md, rotation).

const SQL = `
CREATE TABLE drills (
  id TEXT PRIMARY KEY,
  node_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed')),
  sample_size INTEGER NOT NULL CHECK (sample_size >= 0),
  rto_ms INTEGER NOT NULL CHECK (rto_ms >= 0),
  rpo_ms INTEGER CHECK (rpo_ms IS NULL OR rpo_ms >= 0),
  report TEXT NOT NULL CHECK (json_valid(report)),
  algorithm TEXT NOT NULL CHECK (algorithm IN ('sm2-sm3', 'ecdsa-sha256', 'none')),
  signature TEXT NOT NULL,
  certificate TEXT NOT NULL,
  agent TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL
) STRICT;
CREATE INDEX drills_started_at ON drills (started_at);

CREATE TABLE package_drills (
  package_id TEXT PRIMARY KEY REFERENCES packages (id),
  drill_id TEXT NOT NULL REFERENCES drills (id),
  outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed')),
  drilled_at TEXT NOT NULL
) STRICT;
CREATE INDEX package_drills_drilled_at ON package_drills (drilled_at);

CREATE TABLE tier_keys (
  id TEXT PRIMARY KEY,
  tier TEXT NOT NULL CHECK (tier IN ('非密', '秘密', '机密')),
  algorithm TEXT NOT NULL CHECK (algorithm IN ('aes-256-gcm')),
  master_key_id TEXT NOT NULL,
  wrapped TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'retired')),
  created_at TEXT NOT NULL,
  retired_at TEXT
) STRICT;
CREATE UNIQUE INDEX tier_keys_one_active ON tier_keys (tier) WHERE state = 'active';
`

export const migration0018: Migration = {
  version: 18,
  name: '0018-drills-tier-keys',
  up: perEngine({ sqlite: SQL, postgres: toPostgres(SQL) })
}
