// The public face of replication: storage nodes, placement policy and violations (issue 16 items 2-3).
export { probe, nodeDirectory, PROBE_TIMEOUT_MS, type Reachability } from './health.js'
export { loadNodePolicy, parseNodePolicy } from './node-policy.js'
export { NodeCredentialsSchema, NodeDefinition, nodeProblems, toNodeInput, type NodeProblem } from './nodes.js'
export { defaultRule, loadPlacementPolicy, parsePlacementPolicy, PlacementRule, TIERS, type PlacementPolicy, type Tier } from './placement-policy.js'
export { assess, eligible, place, unmetBy, type Placement, type PlacementInput, type RuleName, type Unmet } from './placement.js'
export { loadSeismicZones, parseSeismicZones, type City, type SeismicZones } from './seismic.js'
export { ReplicationService, type Copy, type NodePatch, type NodeStatus, type ReplicationOptions, type RuleProblem, type Violation } from './service.js'
export { labelled, unlabelled, type TierOf } from './tier.js'
