import { Type, type Static, type TSchema } from '@sinclair/typebox'

// The shape of storage-policies/acceptance.yaml, as TypeBox: the loader checks a file against it and
// the rest of Lantai reads the typed result. Keys are closed (additionalProperties: false) so a typo is a
// problem named with its line, not a setting silently ignored.

const closed = { additionalProperties: false } as const

const oneOf = <T extends string>(values: readonly T[], description: string) => Type.Union(values.map(v => Type.Literal(v)), { description })

/** Chinese and English of one thing; both are printed on the notices. */
export const Text = Type.Object({ zh: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) }, closed)
export type Text = Static<typeof Text>

/** Where a value comes from (the drafts' honesty, kept per item). */
export const SOURCES = ['seen', 'seen-local', 'recalled', 'inferred'] as const
const Src = Type.Optional(oneOf(SOURCES, 'provenance: seen, seen-local, recalled or inferred'))

export const CATEGORIES = ['A', 'B', 'C', 'D', 'E'] as const
export type CategoryCode = typeof CATEGORIES[number]

/** The unit that forms a document (谁形成谁负责); `authority` documents are issued by a government department and filed by the builder; `mapping` by a surveying and mapping unit. */
export const PRODUCERS = ['builder', 'survey', 'design', 'construction', 'supervision', 'authority', 'mapping'] as const
export type Producer = typeof PRODUCERS[number]

/** Formats the byte identifier of acceptance knows; a policy may accept any of them. */
export const FORMAT_IDS = ['ofd', 'pdf-a', 'pdf', 'jpeg', 'tiff', 'png', 'dwg', 'dxf', 'mp4', 'mp3', 'wav', 'xml'] as const
export type FormatId = typeof FORMAT_IDS[number]

export const METADATA_TYPES = ['string', 'date', 'integer', 'decimal', 'enum', 'code'] as const
export const PROPERTIES = ['authenticity', 'integrity', 'usability', 'security'] as const
export type Property = typeof PROPERTIES[number]
export const COMMITMENT_START_EVENTS = ['opinion-date', 'completion-acceptance', 'transfer'] as const
export type CommitmentStartEvent = typeof COMMITMENT_START_EVENTS[number]

const Required = Type.Union([Type.Boolean(), Type.Literal('conditional')], { description: 'true, false or conditional (then `when` says when)' })

export const ScopeItem = Type.Object({
  code: Type.String({ pattern: '^[A-E][0-9]*-[0-9]+$', description: 'item code, e.g. A1-1 or D-2' }),
  zh: Type.String({ minLength: 1 }),
  en: Type.String({ minLength: 1 }),
  producer: oneOf(PRODUCERS, 'the unit that forms the document'),
  retention: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'a key of `retention`, or null when unknown' }),
  required: Required,
  when: Type.Optional(Text),
  paths: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'globs over payload paths (* within a segment, ** across)' })),
  patterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'regular expressions over payload paths' })),
  pipeline: Type.Optional(Type.Boolean({ description: 'its files are pipeline-survey data (地下管线测绘数据), at least 秘密 (issue 15 item 2); D-11 always is' })),
  src: Src
}, closed)
export type ScopeItem = Static<typeof ScopeItem>

export const ScopeCategory = Type.Object({
  code: oneOf(CATEGORIES, 'A preparation, B supervision, C construction, D as-built drawings, E completion acceptance'),
  zh: Type.String({ minLength: 1 }),
  en: Type.String({ minLength: 1 }),
  items: Type.Array(ScopeItem)
}, closed)
export type ScopeCategory = Static<typeof ScopeCategory>

export const MetadataElement = Type.Object({
  key: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
  zh: Type.String({ minLength: 1 }),
  en: Type.String({ minLength: 1 }),
  type: oneOf(METADATA_TYPES, 'value type'),
  values: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  required: Required,
  when: Type.Optional(Text),
  src: Src
}, closed)
export type MetadataElement = Static<typeof MetadataElement>

export const FourPropertyCheck = Type.Object({
  code: Type.String({ pattern: '^([1-4]|X)-[0-9]+$', description: 'DA/T 70 code <property>-<n>; X-<n> for checks of our own' }),
  property: oneOf(PROPERTIES, 'the property checked'),
  zh: Type.String({ minLength: 1 }),
  en: Type.String({ minLength: 1 }),
  how: Type.String({ minLength: 1, description: 'what Lantai does for it' }),
  src: Src
}, closed)
export type FourPropertyCheck = Static<typeof FourPropertyCheck>

export const AcceptedFormat = Type.Object({
  id: oneOf(FORMAT_IDS, 'a format the identifier knows'),
  zh: Type.String({ minLength: 1 }),
  en: Type.String({ minLength: 1 }),
  opens: Type.Optional(Type.Boolean({ description: 'acceptance opens the file (usability 3-4)' }))
}, closed)
export type AcceptedFormat = Static<typeof AcceptedFormat>

export const TimeLimits = Type.Object({
  jointAcceptance: Type.Object({ days: Type.Integer({ minimum: 1 }), calendar: oneOf(['working', 'calendar'] as const, 'working days or calendar days') }, closed),
  transferAfterCompletionMonths: Type.Integer({ minimum: 1, maximum: 12 }),
  // notice (七): at most three months; a center may ask for less, never more.
  commitment: Type.Object({
    maxMonths: Type.Integer({ minimum: 1, maximum: 3 }),
    startEvent: oneOf(COMMITMENT_START_EVENTS, 'what the commitment period counts from'),
    overdueSchedule: Type.Optional(Type.String({ minLength: 1, description: 'node-cron expression of the daily overdue job (Beijing time); "off" disables it; default "30 0 * * *"' }))
  }, closed),
  nearDeadlineDays: Type.Integer({ minimum: 0 })
}, closed)
export type TimeLimits = Static<typeof TimeLimits>

export const AcceptancePolicyDocument = Type.Object({
  version: Type.Literal(1),
  center: Text,
  decision: Type.Object({ required: Type.Boolean({ description: 'a checked submission waits for an archivist before it is stored' }) }, closed),
  timeLimits: TimeLimits,
  retention: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Text, { additionalProperties: false }),
  matching: Type.Object({
    metadataField: Type.String({ minLength: 1, description: 'the metadata element holding the item code' }),
    pathPattern: Type.String({ minLength: 1, description: 'a regular expression over payload paths with a named group `item`' })
  }, closed),
  formats: Type.Array(AcceptedFormat, { minItems: 1 }),
  metadata: Type.Array(MetadataElement),
  fourProperties: Type.Array(FourPropertyCheck),
  scope: Type.Array(ScopeCategory, { minItems: 1 })
}, closed)
export type AcceptancePolicyDocument = Static<typeof AcceptancePolicyDocument>

/** The literal values a union of literals allows, for a message better than "Expected union value". */
export function literalsOf (schema: TSchema): string[] | null {
  const anyOf = (schema as { anyOf?: Array<{ const?: unknown }> }).anyOf
  if (anyOf === undefined || !anyOf.every(s => typeof s.const === 'string' || typeof s.const === 'boolean')) return null
  return anyOf.map(s => String(s.const))
}
