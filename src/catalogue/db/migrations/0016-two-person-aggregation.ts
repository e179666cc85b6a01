import type { Migration } from '../migration.js'

// Reserved for issue 15: two-person requests and the aggregation guard; it becomes the real migration when that work lands.

export const migration0016: Migration = {
  version: 16,
  name: '0016-two-person-aggregation',
  up: async () => {}
}
