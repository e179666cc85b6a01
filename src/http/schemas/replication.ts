import { Type, type TSchema } from '@sinclair/typebox'
import { CLASSIFICATIONS, NODE_KINDS, NODE_STATES, REPLICA_STATES } from '../../catalogue/index.js'
import { NodeDefinition } from '../../replication/index.js'
import { Nullable } from './views.js'

// Storage nodes, their health, and the package versions out of placement policy (issue 16 items 2-3).

const Tier = Type.Union(CLASSIFICATIONS.map(c => Type.Literal(c)), { description: '非密, 秘密 or 机密' })

export const NodeBody = NodeDefinition

// A patch changes what it names: the definition's defaults (state active, clearance 非密) must not fill in
// what it leaves out, or a change of operator would reactivate a lost node.
const props = Object.fromEntries(Object.entries(NodeDefinition.properties).map(([k, v]) => {
  const { default: _ignored, ...rest } = v as TSchema & { default?: unknown }
  return [k, rest]
})) as unknown as typeof NodeDefinition.properties
export const NodePatchBody = Type.Object({
  kind: Type.Optional(props.kind),
  primary: Type.Optional(props.primary),
  endpoint: Type.Optional(props.endpoint),
  bucket: Type.Optional(props.bucket),
  path: Type.Optional(props.path),
  credentials: Type.Optional(props.credentials),
  province: Type.Optional(props.province),
  city: Type.Optional(props.city),
  seismicRegion: Type.Optional(props.seismicRegion),
  media: Type.Optional(props.media),
  operator: Type.Optional(props.operator),
  implementation: Type.Optional(props.implementation),
  clearance: Type.Optional(props.clearance),
  state: Type.Optional(props.state),
  capacityBytes: Type.Optional(props.capacityBytes)
}, { additionalProperties: false, minProperties: 1 })

export const NodeView = Type.Object({
  id: Type.String({ description: 'the node' }),
  kind: Type.Union(NODE_KINDS.map(k => Type.Literal(k)), { description: 's3 or filesystem' }),
  primary: Type.Boolean({ description: 'the node holding the OCFL store this service writes' }),
  endpoint: Nullable(Type.String({ description: 'an s3 node\'s endpoint' })),
  bucket: Nullable(Type.String({ description: 'an s3 node\'s bucket' })),
  path: Nullable(Type.String({ description: 'a filesystem node\'s directory' })),
  credentials: Type.Union([Type.Object({
    accessKeyEnv: Type.String({ description: 'the variable holding the access key' }),
    secretKeyEnv: Type.String({ description: 'the variable holding the secret key' })
  }), Type.Null()], { description: 'the LANTAI_* variables holding the keys; the keys are never stored or shown' }),
  province: Type.String({ description: 'province' }),
  city: Type.String({ description: 'city' }),
  seismicRegion: Type.String({ description: 'seismic region key (seismic-zones.yaml)' }),
  media: Type.String({ description: 'what holds the bytes' }),
  operator: Type.String({ description: 'who runs it' }),
  implementation: Type.String({ description: 'the storage software' }),
  clearance: Tier,
  state: Type.Union(NODE_STATES.map(s => Type.Literal(s)), { description: 'active, draining or lost' }),
  capacityBytes: Type.Union([Type.Integer(), Type.Null()], { description: 'bytes it may hold; null: not said' }),
  source: Type.Union([Type.Literal('policy'), Type.Literal('api')], { description: 'policy: declared in storage-policies/nodes.yaml (settings change there, state here); api: made through this API' }),
  createdAt: Type.String({ description: 'when it was registered' }),
  updatedAt: Type.String({ description: 'when it last changed' }),
  health: Type.Object({
    reachable: Type.Boolean({ description: 'whether it answered the probe within the deadline' }),
    detail: Type.String({ description: 'what the probe saw: an HTTP status, an error code' }),
    checkedAt: Type.String({ description: 'when it was probed (just now)' })
  }),
  usage: Type.Object({
    copies: Type.Integer({ description: 'verified copies it holds' }),
    bytes: Type.Integer({ description: 'bytes of those copies' }),
    spareBytes: Type.Union([Type.Integer(), Type.Null()], { description: 'capacity less those bytes; null when no capacity is set' }),
    damaged: Type.Integer({ description: 'copies found damaged or missing' })
  }),
  lag: Type.Object({
    pending: Type.Integer({ description: 'copies planned or being made' }),
    oldestPendingAt: Nullable(Type.String({ description: 'when the oldest of them was planned' })),
    seconds: Type.Integer({ description: 'how long the oldest has waited' })
  })
})

const UnmetView = Type.Object({
  rule: Type.Union(['copies', 'provinces', 'seismicRegions', 'implementationsOrMedia', 'clearance'].map(r => Type.Literal(r)), { description: 'the rule not met' }),
  required: Type.Integer({ description: 'what the rule asks for (0 for clearance: no copy on an uncleared node)' }),
  found: Type.Integer({ description: 'what the copies have' }),
  en: Type.String({ description: 'why, in English' }),
  zh: Type.String({ description: 'why, in Chinese' })
})

export const ViolationView = Type.Object({
  packageId: Type.String({ description: 'the package' }),
  version: Type.Integer({ description: 'its version' }),
  projectCode: Type.String({ description: 'the project' }),
  tier: Tier,
  copies: Type.Array(Type.Object({
    node: Type.String({ description: 'the node' }),
    state: Type.Union(REPLICA_STATES.map(s => Type.Literal(s)), { description: 'only verified copies count' })
  }), { description: 'every copy recorded, the primary\'s included' }),
  unmet: Type.Array(UnmetView, { description: 'every rule the verified copies do not meet' }),
  satisfiable: Type.Boolean({ description: 'false when no set of the configured nodes could meet the tier\'s rule' })
})

export const ViolationsPage = Type.Object({
  items: Type.Array(ViolationView),
  total: Type.Integer({ description: 'versions out of policy, over all pages' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  rules: Type.Array(Type.Object({
    tier: Tier,
    where: Type.String({ description: 'where the rule is written (file:line:col key)' }),
    unmet: Type.Array(UnmetView, { description: 'what even every configured node together leaves unmet' })
  }), { description: 'tiers whose rule no set of the configured nodes can satisfy' })
})
