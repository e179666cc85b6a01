import type { Migration } from '../migration.js'

// Reserved for issue 16 and 15: DR drills and the wrapped keys per tier; it becomes the real migration when that work lands.

export const migration0018: Migration = {
  version: 18,
  name: '0018-drills-tier-keys',
  up: async () => {}
}
