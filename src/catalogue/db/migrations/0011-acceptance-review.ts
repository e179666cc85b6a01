import type { Migration } from '../migration.js'

// Reserved for issue 14: awaiting_decision, decisions and rectification notices; it becomes the real migration when that work lands.

export const migration0011: Migration = {
  version: 11,
  name: '0011-acceptance-review',
  up: async () => {}
}
