import type { Migration } from '../migration.js'

// Reserved for issue 14: commitments and credit records; it becomes the real migration when that work lands.

export const migration0012: Migration = {
  version: 12,
  name: '0012-commitments-credit',
  up: async () => {}
}
