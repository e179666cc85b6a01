import { perEngine, toPostgres, type Migration } from '../migration.js'

// Issue 15 item 2: every project, package and file carries a tier (BRIEF §5: 非密 < 秘密 < 机密; 绝密 never
// gets in, so no column admits it). A package's tier is the highest of its files' and its project's, kept on
// the row so that searches, counts and totals filter by the caller's clearance in the query itself (item 4:
// filtered before paging, never after). Files of pipeline-survey data (地下管线测绘数据) also keep their map
// sheets and area, what the aggregation guard counts (item 5).
//
// Existing rows: a project's tier is its classification (0007, a plain label until now); a package takes
// its project's; files take their package's, the floor the labels would have given them.

const TIER = (col: string): string => `${col} TEXT NOT NULL DEFAULT '非密' CHECK (${col} IN ('非密', '秘密', '机密'))`

const SQL = `
ALTER TABLE projects ADD COLUMN ${TIER('tier')};
UPDATE projects SET tier = classification;
ALTER TABLE packages ADD COLUMN ${TIER('tier')};
UPDATE packages SET tier = (SELECT j.tier FROM projects j WHERE j.code = packages.project_code);
ALTER TABLE package_files ADD COLUMN ${TIER('tier')};
ALTER TABLE package_files ADD COLUMN pipeline_survey INTEGER NOT NULL DEFAULT 0 CHECK (pipeline_survey IN (0, 1));
ALTER TABLE package_files ADD COLUMN map_sheets TEXT CHECK (map_sheets IS NULL OR json_valid(map_sheets));
ALTER TABLE package_files ADD COLUMN area_km2 REAL CHECK (area_km2 IS NULL OR area_km2 >= 0);
UPDATE package_files SET tier = (SELECT p.tier FROM packages p WHERE p.id = package_files.package_id);
CREATE INDEX packages_tier ON packages (tier, created_at);
`

export const migration0015: Migration = {
  version: 15,
  name: '0015-labels',
  up: perEngine({ sqlite: SQL, postgres: toPostgres(SQL) })
}
