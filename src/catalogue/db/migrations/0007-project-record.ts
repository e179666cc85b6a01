import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 14 item 1: a project is more than a code and a name. It carries its location and classification
// (a plain label until issue 15 enforces it), the units that build it with their unified social credit
// codes and persons in charge (谁形成谁负责: every file will name the unit that produced it), its permits,
// and its phases (the notice (七) allows acceptance and transfer in phases).
//
// A project's own columns change (PATCH), so they gain updated_at; units, permits and phases are rows of
// their own, keyed within the project. Every change is an event, written by the repository in the same
// transaction, so the history lives in `events` and these tables hold the current record only.

// 18 characters of the GB 32100-2015 alphabet (digits and capitals without I, O, S, V, Z); the check
// digit is the domain's to verify (src/projects/uscc.ts), the database only refuses the impossible.
const USCC = (col: string): string => `CHECK (length(${col}) = 18 AND ${col} NOT GLOB '*[^0-9ABCDEFGHJKLMNPQRTUWXY]*')`

const SQL = `
ALTER TABLE projects ADD COLUMN location TEXT;
ALTER TABLE projects ADD COLUMN classification TEXT NOT NULL DEFAULT '非密' CHECK (classification IN ('非密', '秘密', '机密'));
ALTER TABLE projects ADD COLUMN updated_at TEXT;
UPDATE projects SET updated_at = created_at;

CREATE TABLE project_units (
  project_code TEXT NOT NULL REFERENCES projects (code),
  role TEXT NOT NULL CHECK (role IN ('builder', 'survey', 'design', 'construction', 'supervision')),
  uscc TEXT NOT NULL ${USCC('uscc')},
  name TEXT NOT NULL CHECK (length(name) > 0),
  persons TEXT NOT NULL CHECK (json_valid(persons)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project_code, role, uscc)
) STRICT;
CREATE INDEX project_units_uscc ON project_units (uscc);

CREATE TABLE project_permits (
  project_code TEXT NOT NULL REFERENCES projects (code),
  kind TEXT NOT NULL CHECK (kind IN ('land-planning', 'works-planning', 'construction')),
  number TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 100),
  issued_on TEXT NOT NULL CHECK (length(issued_on) = 10),
  created_at TEXT NOT NULL,
  PRIMARY KEY (project_code, kind, number)
) STRICT;

CREATE TABLE project_phases (
  project_code TEXT NOT NULL REFERENCES projects (code),
  code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 32 AND code NOT GLOB '*[^A-Za-z0-9-]*'),
  name TEXT NOT NULL CHECK (length(name) > 0),
  position INTEGER NOT NULL CHECK (position >= 1),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project_code, code),
  UNIQUE (project_code, position)
) STRICT;
`

export const migration0007: Migration = {
  version: 7,
  name: '0007-project-record',
  up: perEngine({ sqlite: SQL, postgres: toPostgres(SQL) })
}
