import type { Migration } from '../migration.js'

// Reserved for issue 14: per-file producing units and scope items, the acceptance report; it becomes the real migration when that work lands.

export const migration0012: Migration = {
  version: 12,
  name: '0012-acceptance-checks',
  up: async () => {}
}
