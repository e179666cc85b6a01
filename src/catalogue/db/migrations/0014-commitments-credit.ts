import type { Migration } from '../migration.js'

// Reserved for issue 14: commitments, credit records, phases; it becomes the real migration when that work lands.

export const migration0014: Migration = {
  version: 14,
  name: '0014-commitments-credit',
  up: async () => {}
}
