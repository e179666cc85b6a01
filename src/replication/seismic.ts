import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { fail, parsePolicy, readPolicyText } from './policy-file.js'

// storage-policies/seismic-zones.yaml: the seismic regions (地震区, GB 18306-2015) placement counts, the
// provinces nodes may name, and the cities whose province and region are known. Seed notice (十): remote
// copies in different provinces and different seismic belts.

const SeismicZonesFile = Type.Object({
  schemaVersion: Type.Literal(1),
  regions: Type.Record(Type.String({ pattern: '^[A-Z][A-Z_]*$' }), Type.Object({ zh: Type.String() }, { additionalProperties: false })),
  provinces: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  cities: Type.Array(Type.Object({
    city: Type.String({ minLength: 1 }),
    province: Type.String({ minLength: 1 }),
    region: Type.String({ minLength: 1 }),
    pgaG: Type.Number({ minimum: 0, maximum: 2 }),
    confidence: Type.Optional(Type.String())
  }, { additionalProperties: false }), { default: [] })
}, { additionalProperties: false })
type SeismicZonesFile = Static<typeof SeismicZonesFile>

export interface City { city: string, province: string, region: string, pgaG: number }

export interface SeismicZones {
  /** region key → Chinese name */
  regions: ReadonlyMap<string, string>
  provinces: ReadonlySet<string>
  cities: ReadonlyMap<string, City>
}

/** Reads storage-policies/seismic-zones.yaml; CONFIG_INVALID naming every problem by file:line:col. */
export async function loadSeismicZones (policiesDir: string): Promise<SeismicZones> {
  const file = join(policiesDir, 'seismic-zones.yaml')
  const text = await readPolicyText(file)
  // Without the file no region or province is known, so any node declared is refused naming its region.
  if (text === null) return { regions: new Map(), provinces: new Set(), cities: new Map() }
  return parseSeismicZones(file, text)
}

export function parseSeismicZones (file: string, text: string): SeismicZones {
  const { value, at } = parsePolicy<SeismicZonesFile>(file, text, SeismicZonesFile)
  const provinces = new Set(value.provinces)
  const problems = value.cities.flatMap((c, i) => [
    ...(provinces.has(c.province) ? [] : [at(`/cities/${i}/province`, `${c.province} is not in provinces`)]),
    ...(c.region in value.regions ? [] : [at(`/cities/${i}/region`, `${c.region} is not in regions`)])
  ])
  if (problems.length > 0) fail(file, problems)
  return {
    regions: new Map(Object.entries(value.regions).map(([k, v]) => [k, v.zh])),
    provinces,
    cities: new Map(value.cities.map(c => [c.city, { city: c.city, province: c.province, region: c.region, pgaG: c.pgaG }]))
  }
}
