import type { Migration } from '../migrate.js'

// Stands in, on the wt-http branch only, for the 0004 another branch of issue 11 adds, so that 0005
// keeps its number. At the merge, delete this file and list that branch's 0004 in MIGRATIONS instead.

export const migration0004: Migration = {
  version: 4,
  name: '0004-placeholder',
  up () {}
}
