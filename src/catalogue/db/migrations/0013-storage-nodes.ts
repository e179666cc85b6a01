import type { Migration } from '../migration.js'

// Reserved for issue 16: storage nodes, replicas and placement; it becomes the real migration when that work lands.

export const migration0013: Migration = {
  version: 13,
  name: '0013-storage-nodes',
  up: async () => {}
}
