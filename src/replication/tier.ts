import type { Catalogue, PlacedVersion } from '../catalogue/index.js'
import type { Tier } from './placement-policy.js'

// The one place placement asks a package version's tier. The labels (issue 15 item 2, migration 0015)
// are the package's: the highest of its files' and its project's, as a security officer may have raised it.

export type TierOf = (version: PlacedVersion) => Tier | Promise<Tier>

/** Every package 非密: for tests of placement that do not care about labels. */
export const unlabelled: TierOf = () => '非密'

/** The package's label as the catalogue keeps it; a package gone meanwhile places as 非密 (nothing to place). */
export const labelled = (catalogue: Pick<Catalogue, 'packages'>): TierOf => async v => (await catalogue.packages.get(v.packageId))?.tier ?? '非密'
