import { perEngine, type Migration } from '../migration.js'

// Issue 14 item 1, notice (四) 谁形成谁负责: every stored file records the unit that produced it and the
// filing-scope item it was filed under, as acceptance found them when its version was recorded. The
// unit is copied (role, name, credit code), not referenced: a unit renamed later must not rewrite who
// answered for a file then. `format` (there since 0001) now holds the format identified by the bytes.
// Rows written before stay NULL: nothing was checked then.

const ROLES = "('builder', 'survey', 'design', 'construction', 'supervision', 'authority', 'mapping')"

const COLUMNS = (text: string): string => `
ALTER TABLE package_files ADD COLUMN scope_item ${text};
ALTER TABLE package_files ADD COLUMN producer_role ${text} CHECK (producer_role IS NULL OR producer_role IN ${ROLES});
ALTER TABLE package_files ADD COLUMN producer_name ${text};
ALTER TABLE package_files ADD COLUMN producer_uscc ${text};
`

export const migration0012: Migration = {
  version: 12,
  name: '0012-acceptance-checks',
  up: perEngine({ sqlite: COLUMNS('TEXT'), postgres: COLUMNS('TEXT COLLATE "C"') })
}
