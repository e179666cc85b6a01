import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 14 item 11: interconnection with the approval, drawing-management and law-enforcement systems.
// A message is written in the transaction of the change it reports (a transactional outbox), so a state
// change and its webhook are one commit; each subscriber gets its own delivery, leased and retried like a
// job. The signing secret is never stored: a subscriber names the LANTAI_* variable that holds it.
//
// A delivery stays 'pending' while it is tried (the lease columns say who tries it) and ends 'delivered'
// or 'failed'; an admin can put a failed one back. `round_attempts` is what the retry limit counts: an
// admin's retry starts a new round, while `attempts` keeps numbering the attempts of the delivery's life.
//
// Inbound calls carry the caller's Idempotency-Key: the first request reserves it (status NULL), its
// response is kept, and the same key with the same body gets that response again.

const SQL = `
CREATE TABLE subscribers (
  name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
  event_types TEXT NOT NULL CHECK (json_valid(event_types)),
  secret_env TEXT NOT NULL,
  algorithm TEXT NOT NULL CHECK (algorithm IN ('hmac-sha256', 'hmac-sm3')),
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  source TEXT NOT NULL CHECK (source IN ('policy', 'api')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE outbox_messages (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE outbox_deliveries (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES outbox_messages (id),
  subscriber TEXT NOT NULL REFERENCES subscribers (name),
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  round_attempts INTEGER NOT NULL DEFAULT 0 CHECK (round_attempts >= 0),
  next_attempt_at TEXT NOT NULL,
  lease_owner TEXT,
  lease_until TEXT,
  last_error TEXT,
  delivered_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (message_id, subscriber)
) STRICT;
CREATE INDEX outbox_deliveries_due ON outbox_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_deliveries_state ON outbox_deliveries (state, id);
CREATE INDEX outbox_deliveries_subscriber ON outbox_deliveries (subscriber, id);

CREATE TABLE outbox_attempts (
  delivery_id TEXT NOT NULL REFERENCES outbox_deliveries (id),
  number INTEGER NOT NULL CHECK (number >= 1),
  at TEXT NOT NULL,
  status INTEGER,
  error TEXT,
  PRIMARY KEY (delivery_id, number)
) STRICT;

CREATE TABLE inbound_requests (
  caller TEXT NOT NULL,
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  digest TEXT NOT NULL,
  status INTEGER,
  response TEXT,
  created_at TEXT NOT NULL,
  completed_at TEXT,
  PRIMARY KEY (caller, key)
) STRICT;
`

export const migration0008: Migration = {
  version: 8,
  name: '0008-outbox',
  up: perEngine({ sqlite: SQL, postgres: toPostgres(SQL) })
}
