import type { Migration } from '../migration.js'

// Reserved for issue 15: people, sessions and clearances; it becomes the real migration when that work lands.

export const migration0010: Migration = {
  version: 10,
  name: '0010-accounts',
  up: async () => {}
}
