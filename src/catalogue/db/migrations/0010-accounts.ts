import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 15 item 3: people, not only tokens. An account has one role (so no account holds two of the three
// duties of 三员分立), a clearance (BRIEF §5: 非密 < 秘密 < 机密) and a scrypt hash whose salt and
// parameters are stored with it, never the password. Failures are counted per account for the lockout.
// A session keeps the SHA-256 of its cookie secret and of its CSRF token, never either secret.
// Credential requests hold the changes to security-officer and auditor credentials that wait for a
// security officer's approval; a requested password is held only as its hash, and only until decided.
//
// Tokens gain the account they belong to and a clearance that is never null: existing tokens keep a
// clearance already set to one of the three tiers, security-officer tokens get 机密 (their duty is to
// label and approve what is classified), every other token 非密. The role list gains 'system', for the
// approval, drawing-management and law-enforcement systems (issue 14 item 11). SQLite cannot change a
// CHECK in place, so tokens is rebuilt (nothing references it); PostgreSQL alters it.

const ROLE_CHECK = "role IN ('admin', 'archivist', 'security-officer', 'auditor', 'reader', 'system')"
const CLEARANCE_CHECK = (col: string): string => `CHECK (${col} IN ('非密', '秘密', '机密'))`
const CLEARANCE_OF_OLD_TOKEN = "CASE WHEN clearance IN ('非密', '秘密', '机密') THEN clearance WHEN role = 'security-officer' THEN '机密' ELSE '非密' END"

const TABLES = `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  login TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 1 AND 64),
  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  role TEXT NOT NULL CHECK (role IN ('admin', 'archivist', 'security-officer', 'auditor', 'reader')),
  clearance TEXT NOT NULL ${CLEARANCE_CHECK('clearance')},
  password_hash TEXT NOT NULL,
  failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  last_failed_at TEXT,
  locked_until TEXT,
  state TEXT NOT NULL CHECK (state IN ('active', 'disabled')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX accounts_role ON accounts (role, state);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL UNIQUE,
  csrf_sha256 TEXT NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE credential_requests (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('create', 'change', 'revoke')),
  subject TEXT NOT NULL CHECK (subject IN ('account', 'token')),
  role TEXT NOT NULL CHECK (role IN ('security-officer', 'auditor')),
  target_id TEXT,
  detail TEXT NOT NULL CHECK (json_valid(detail)),
  password_hash TEXT,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  result_id TEXT
) STRICT;
CREATE INDEX credential_requests_state ON credential_requests (state, id);
`

const SQLITE = `${TABLES}
CREATE TABLE tokens_next (
  id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL UNIQUE CHECK (length(secret_sha256) = 64 AND secret_sha256 NOT GLOB '*[^0-9a-f]*'),
  role TEXT NOT NULL CHECK (${ROLE_CHECK}),
  clearance TEXT NOT NULL DEFAULT '非密' ${CLEARANCE_CHECK('clearance')},
  account_id TEXT REFERENCES accounts (id),
  label TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
) STRICT;
INSERT INTO tokens_next (id, secret_sha256, role, clearance, account_id, label, created_at, last_used_at, revoked_at)
  SELECT id, secret_sha256, role, ${CLEARANCE_OF_OLD_TOKEN}, NULL, label, created_at, last_used_at, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_next RENAME TO tokens;
CREATE INDEX tokens_account ON tokens (account_id);
`

const POSTGRES = `${toPostgres(TABLES)}
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check CHECK (${ROLE_CHECK});
UPDATE tokens SET clearance = ${CLEARANCE_OF_OLD_TOKEN};
ALTER TABLE tokens ALTER COLUMN clearance SET DEFAULT '非密', ALTER COLUMN clearance SET NOT NULL;
ALTER TABLE tokens ADD CONSTRAINT tokens_clearance_check ${CLEARANCE_CHECK('clearance')};
ALTER TABLE tokens ADD COLUMN account_id TEXT COLLATE "C" REFERENCES accounts (id);
CREATE INDEX tokens_account ON tokens (account_id);
`

export const migration0010: Migration = {
  version: 10,
  name: '0010-accounts',
  up: perEngine({ sqlite: SQLITE, postgres: POSTGRES })
}
