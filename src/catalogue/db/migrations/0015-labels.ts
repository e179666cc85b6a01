import type { Migration } from '../migration.js'

// Reserved for issue 15: tier labels on projects, packages and files; it becomes the real migration when that work lands.

export const migration0015: Migration = {
  version: 15,
  name: '0015-labels',
  up: async () => {}
}
