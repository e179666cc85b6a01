import type { Migration } from '../migration.js'

// Reserved for issue 16: the replication queue and per-copy fixity; it becomes the real migration when that work lands.

export const migration0017: Migration = {
  version: 17,
  name: '0017-replication-queue',
  up: async () => {}
}
