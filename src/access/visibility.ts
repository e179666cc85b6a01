import type { Principal } from '../auth/roles.js'
import type { VisibleTiers } from '../catalogue/index.js'
import { visibleTiers } from './labels.js'

// Nothing above your clearance exists for you (issue 15 item 4). The catalogue filters by these tiers in
// its queries, before paging, so lists, counts and totals never include what the caller may not see.

/** The tiers `principal` may see; undefined (every tier) only for the system itself, never for a caller. */
export const tiersFor = (principal: Principal | null): VisibleTiers => principal === null ? ['非密'] : visibleTiers(principal.clearance)
