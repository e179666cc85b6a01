import { Type, type Static } from '@sinclair/typebox'
import { CLASSIFICATIONS, NODE_KINDS, NODE_STATES, type StorageNodeInput } from '../catalogue/index.js'
import type { SeismicZones } from './seismic.js'

// What a storage node is (issue 16 item 2) and what makes a definition wrong, said once for the policy
// file and the admin API: an unknown province or region, a city placed elsewhere than the table says, an
// S3 node without endpoint, bucket or credentials, a credential variable not set on this host.

const EnvName = Type.String({ pattern: '^LANTAI_[A-Z0-9_]+$', description: 'a LANTAI_* environment variable (its name, never its value)' })

export const NodeCredentialsSchema = Type.Object({
  accessKeyEnv: EnvName,
  secretKeyEnv: EnvName
}, { additionalProperties: false, description: 'the LANTAI_* variables holding the S3 access key and secret key' })

/** A node as nodes.yaml and POST /v1/nodes declare it. */
export const NodeDefinition = Type.Object({
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'the node: lower-case letters, digits and hyphens' }),
  kind: Type.Union(NODE_KINDS.map(k => Type.Literal(k)), { description: 's3 (MinIO, Ceph RGW, any S3 API) or filesystem (a NAS mount, offline media)' }),
  primary: Type.Boolean({ default: false, description: 'the node holding the OCFL store this service writes (it has every stored version)' }),
  endpoint: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000, description: 'an s3 node\'s endpoint URL' })),
  bucket: Type.Optional(Type.String({ minLength: 3, maxLength: 63, description: 'an s3 node\'s bucket' })),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'a filesystem node\'s directory; relative to LANTAI_DATA when not absolute' })),
  credentials: Type.Optional(NodeCredentialsSchema),
  province: Type.String({ minLength: 1, description: 'the province (省级行政区) by its short name, as in seismic-zones.yaml: 北京, 四川 …' }),
  city: Type.String({ minLength: 1, description: 'the city' }),
  seismicRegion: Type.String({ minLength: 1, description: 'a region key of seismic-zones.yaml: NORTH_CHINA, SOUTH_CHINA, QINGHAI_TIBET …' }),
  media: Type.String({ minLength: 1, maxLength: 64, description: 'what holds the bytes: disk, ssd, tape, optical …' }),
  operator: Type.String({ minLength: 1, maxLength: 200, description: 'who runs it' }),
  implementation: Type.String({ minLength: 1, maxLength: 64, description: 'the storage software: minio, ceph-rgw, swift, local-ocfl …' }),
  clearance: Type.Union(CLASSIFICATIONS.map(c => Type.Literal(c)), { default: '非密', description: 'the highest tier it may hold: 非密, 秘密 or 机密' }),
  state: Type.Union(NODE_STATES.map(s => Type.Literal(s)), { default: 'active', description: 'active (takes copies), draining (its copies are moved off) or lost' }),
  capacityBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'how many bytes it may hold; placement prefers spare room' }))
}, { additionalProperties: false })
export type NodeDefinition = Static<typeof NodeDefinition>

export interface NodeProblem {
  /** the definition's field, as a dotted key: 'seismicRegion', 'credentials.secretKeyEnv' */
  field: string
  /** NODE_CREDENTIAL_MISSING for an unset variable, NODE_INVALID for the rest */
  code: 'NODE_INVALID' | 'NODE_CREDENTIAL_MISSING'
  message: string
}

/** Every problem of a schema-valid definition beyond its schema. */
export function nodeProblems (n: NodeDefinition, zones: SeismicZones, secretOf: (name: string) => string | undefined): NodeProblem[] {
  const problems: NodeProblem[] = []
  const bad = (field: string, message: string): void => { problems.push({ field, code: 'NODE_INVALID', message }) }
  if (!zones.provinces.has(n.province)) bad('province', `${n.province} is not a province of seismic-zones.yaml`)
  if (!zones.regions.has(n.seismicRegion)) bad('seismicRegion', `${n.seismicRegion} is not a seismic region of seismic-zones.yaml (${[...zones.regions.keys()].join(', ')})`)
  const city = zones.cities.get(n.city)
  if (city !== undefined && zones.provinces.has(n.province) && city.province !== n.province) bad('province', `${n.city} is in ${city.province}, not ${n.province}`)
  if (city !== undefined && zones.regions.has(n.seismicRegion) && city.region !== n.seismicRegion) bad('seismicRegion', `${n.city} is in ${city.region}, not ${n.seismicRegion}`)
  if (n.kind === 's3') {
    if (n.endpoint === undefined) bad('endpoint', 'an s3 node needs its endpoint')
    if (n.bucket === undefined) bad('bucket', 'an s3 node needs its bucket')
    if (n.path !== undefined) bad('path', 'an s3 node has no path')
    if (n.credentials === undefined) {
      bad('credentials', 'an s3 node names the LANTAI_* variables holding its keys (accessKeyEnv, secretKeyEnv)')
    } else {
      for (const key of ['accessKeyEnv', 'secretKeyEnv'] as const) {
        const name = n.credentials[key]
        const value = secretOf(name)
        if (value === undefined || value === '') problems.push({ field: `credentials.${key}`, code: 'NODE_CREDENTIAL_MISSING', message: `${name} is not set` })
      }
    }
  } else {
    if (n.path === undefined) bad('path', 'a filesystem node needs its path')
    for (const field of ['endpoint', 'bucket', 'credentials'] as const) if (n[field] !== undefined) bad(field, `a filesystem node has no ${field}`)
  }
  return problems
}

export const toNodeInput = (n: NodeDefinition): StorageNodeInput => ({
  id: n.id,
  kind: n.kind,
  primary: n.primary,
  endpoint: n.endpoint ?? null,
  bucket: n.bucket ?? null,
  path: n.path ?? null,
  credentials: n.credentials ?? null,
  province: n.province,
  city: n.city,
  seismicRegion: n.seismicRegion,
  media: n.media,
  operator: n.operator,
  implementation: n.implementation,
  clearance: n.clearance,
  state: n.state,
  capacityBytes: n.capacityBytes ?? null
})
