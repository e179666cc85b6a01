import type { Migration } from '../migration.js'

// Reserved for issue 15: the hash-chained audit trail; it becomes the real migration when that work lands.

export const migration0009: Migration = {
  version: 9,
  name: '0009-audit-trail',
  up: async () => {}
}
