import type * as TypeBox from '@sinclair/typebox'
import type { Static, TSchema } from '@sinclair/typebox'
import type * as TypeBoxValue from '@sinclair/typebox/value'
import type { ValueError } from '@sinclair/typebox/value'
import picomatch from 'picomatch'
import { normalizeAlgorithmName } from '../hashing/index.js'
import { lazyModule } from '../lazy-module.js'

// TypeBox is loaded when a profile is first parsed: it was 12 of the ~100 MB `lantai validate` held
// before reading a bag, for a feature most runs do not use (issue 13).
const typebox = lazyModule<typeof TypeBox>('@sinclair/typebox')
const typeboxValue = lazyModule<typeof TypeBoxValue>('@sinclair/typebox/value')

// The JSON form of a BagIt Profile, as BagIt Profiles 1.4.0 defines it. Field semantics are cited where
// they are applied (profile.ts); this file only says what a well-formed profile looks like (P1).

function buildSchema () {
  const { Type } = typebox()
  const Text = Type.String({ minLength: 1 })
  const List = Type.Array(Text)

  const ProfileInfo = Type.Object({
    'Source-Organization': Text,
    'External-Description': Text,
    Version: Text,
    'BagIt-Profile-Identifier': Text,
    // "any profile not explicitly defining BagIt-Profile-Version should be treated as conforming to
    // version 1.1.0", so it may be absent; when present it must be a version.
    'BagIt-Profile-Version': Type.Optional(Type.String({ pattern: '^\\d+(\\.\\d+)*$' })),
    'Contact-Name': Type.Optional(Type.String()),
    'Contact-Phone': Type.Optional(Type.String()),
    'Contact-Email': Type.Optional(Type.String())
  })

  const TagRule = Type.Object({
    required: Type.Optional(Type.Boolean()),
    values: Type.Optional(Type.Array(Type.String())),
    repeatable: Type.Optional(Type.Boolean()),
    description: Type.Optional(Type.String())
  })

  const Serialization = Type.Union([Type.Literal('forbidden'), Type.Literal('required'), Type.Literal('optional')])

  /** The profile JSON. Other top-level keys are tolerated: profiles in the wild carry extensions. */
  return Type.Object({
    'BagIt-Profile-Info': ProfileInfo,
    'Bag-Info': Type.Optional(Type.Record(Type.String({ minLength: 1 }), TagRule)),
    'Manifests-Required': Type.Optional(List),
    'Manifests-Allowed': Type.Optional(List),
    'Allow-Fetch.txt': Type.Optional(Type.Boolean()),
    'Fetch.txt-Required': Type.Optional(Type.Boolean()),
    'Data-Empty': Type.Optional(Type.Boolean()),
    Serialization: Type.Optional(Serialization),
    'Accept-Serialization': Type.Optional(Type.Array(Type.String({ pattern: '^[^/\\s]+/[^/\\s]+$' }))),
    // "At least one version is required."
    'Accept-BagIt-Version': Type.Array(Type.String({ pattern: '^\\d+(\\.\\d+)*$' }), { minItems: 1 }),
    'Tag-Manifests-Required': Type.Optional(List),
    'Tag-Manifests-Allowed': Type.Optional(List),
    'Tag-Files-Required': Type.Optional(List),
    'Tag-Files-Allowed': Type.Optional(List),
    'Payload-Files-Required': Type.Optional(List),
    'Payload-Files-Allowed': Type.Optional(List)
  })
}

let schema: ReturnType<typeof buildSchema> | undefined
/** The profile's JSON schema, built on first use. */
export const profileSchema = (): ReturnType<typeof buildSchema> => (schema ??= buildSchema())

export type ProfileJson = Static<ReturnType<typeof buildSchema>>

export interface BagInfoRule {
  /** The label as the profile spells it; bags are matched case-insensitively (RFC 8493 §2.2.2). */
  readonly label: string
  readonly required: boolean
  /** Allowed values; empty means any value. */
  readonly values: readonly string[]
  readonly repeatable: boolean
  readonly description?: string
}

/** A profile with every default applied, so the checker never has to know them. */
export interface BagitProfile {
  /** BagIt-Profile-Info/BagIt-Profile-Identifier: what bag-info.txt must name. */
  readonly identifier: string
  readonly info: {
    readonly sourceOrganization: string
    readonly externalDescription: string
    readonly version: string
    /** The BagIt Profiles version the profile follows; '1.1.0' when the profile does not say. */
    readonly profileVersion: string
    readonly contactName?: string
    readonly contactPhone?: string
    readonly contactEmail?: string
  }
  readonly bagInfo: readonly BagInfoRule[]
  /** Algorithms, normalized as in RFC 8493 §2.4 ("SHA-256" → "sha256"). */
  readonly manifestsRequired: readonly string[]
  /** null: any algorithm is allowed. */
  readonly manifestsAllowed: readonly string[] | null
  readonly tagManifestsRequired: readonly string[]
  readonly tagManifestsAllowed: readonly string[] | null
  readonly allowFetch: boolean
  readonly fetchRequired: boolean
  readonly dataEmpty: boolean
  readonly serialization: 'forbidden' | 'required' | 'optional'
  /** MIME types, lowercased. */
  readonly acceptSerialization: readonly string[]
  readonly acceptBagItVersion: readonly string[]
  readonly tagFilesRequired: readonly string[]
  /** Globs; ['*'] when the profile does not say. */
  readonly tagFilesAllowed: readonly string[]
  readonly payloadFilesRequired: readonly string[]
  /** Globs relative to the bag base directory; null: any payload file is allowed. */
  readonly payloadFilesAllowed: readonly string[] | null
}

export type ParseResult = { ok: true, profile: BagitProfile } | { ok: false, problems: string[] }

// "asterisks can represent zero or more characters (c.f. glob(7))": a '*' must also cross '/', or the
// default ['*'] would not mean "all tag files are allowed" for files in tag directories. picomatch's
// bash mode gives exactly that; braces and extglobs are not glob(7), so they stay literal.
const GLOB_OPTIONS: picomatch.PicomatchOptions = { bash: true, dot: true, nobrace: true, noextglob: true }

/** One matcher for a list of profile globs. */
export function globMatcher (patterns: readonly string[]): (path: string) => boolean {
  const tests = patterns.map(p => picomatch(p, GLOB_OPTIONS))
  return path => tests.some(test => test(path))
}

/** The known top-level keys, to catch a key whose case is wrong (it would otherwise be ignored). */
const knownKeys = (): string[] => Object.keys(profileSchema().properties)

/** Checks the JSON's shape (P1) and returns every problem at once, or the normalized profile. */
export function parseProfile (json: unknown): ParseResult {
  const problems = [...shapeProblems(json), ...crossFieldProblems(json)]
  if (problems.length > 0 || !typeboxValue().Value.Check(profileSchema(), json)) return { ok: false, problems }
  return { ok: true, profile: normalize(json) }
}

function shapeProblems (json: unknown): string[] {
  const seen = new Set<string>()
  const problems: string[] = []
  for (const error of typeboxValue().Value.Errors(profileSchema(), json)) {
    // TypeBox reports a missing property twice (required, then wrong type): keep the first.
    if (seen.has(error.path)) continue
    seen.add(error.path)
    problems.push(`${error.path === '' ? '(the profile)' : error.path}: ${describe(error)}`)
  }
  return problems
}

function describe (error: ValueError): string {
  const options = (error.schema as TSchema & { anyOf?: Array<{ const?: unknown }> }).anyOf
  if (options !== undefined && options.every(o => typeof o.const === 'string')) {
    return `must be one of ${options.map(o => JSON.stringify(o.const)).join(', ')}, not ${JSON.stringify(error.value)}`
  }
  return error.message.charAt(0).toLowerCase() + error.message.slice(1)
}

// The rules between fields. They read the JSON defensively, so they run even when its shape is wrong
// and every problem is reported in one go.
function crossFieldProblems (json: unknown): string[] {
  if (!isObject(json)) return []
  const problems: string[] = []
  const list = (key: string): string[] | undefined => {
    const v = json[key]
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined
  }

  for (const key of Object.keys(json)) {
    const known = knownKeys().find(k => k.toLowerCase() === key.toLowerCase())
    if (known !== undefined && known !== key) problems.push(`/${key}: unknown key; profile keys are case-sensitive, did you mean "${known}"?`)
  }

  const info = json['BagIt-Profile-Info']
  if (isObject(info)) {
    const id = info['BagIt-Profile-Identifier']
    // "the value of BagIt-Profile-Identifier is the URI where the Profile file is available"
    if (typeof id === 'string' && id !== '' && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(id)) {
      problems.push(`/BagIt-Profile-Info/BagIt-Profile-Identifier: must be a URI, not ${JSON.stringify(id)}`)
    }
  }

  const bagInfo = json['Bag-Info']
  if (isObject(bagInfo)) {
    // RFC 8493 §2.2.2: labels match case-insensitively, so two rules for one label would contradict.
    const byLower = new Map<string, string>()
    for (const label of Object.keys(bagInfo)) {
      const other = byLower.get(label.toLowerCase())
      if (other !== undefined) problems.push(`/Bag-Info/${label}: the same label as "${other}" (labels are case-insensitive)`)
      else byLower.set(label.toLowerCase(), label)
    }
  }

  // "Manifests-Allowed must include at least all of the manifest types listed in Manifests-Required",
  // and the same for tag manifests.
  for (const [required, allowed] of [['Manifests-Required', 'Manifests-Allowed'], ['Tag-Manifests-Required', 'Tag-Manifests-Allowed']] as const) {
    const req = list(required)
    const allow = list(allowed)
    if (req === undefined || allow === undefined) continue
    const allowedSet = new Set(allow.map(normalizeAlgorithmName))
    for (const alg of req) {
      if (!allowedSet.has(normalizeAlgorithmName(alg))) problems.push(`/${allowed}: does not include "${alg}", which ${required} lists`)
    }
  }

  // "Fetch.txt-Required: Only specify when Allow-Fetch.txt is true."
  if (json['Fetch.txt-Required'] === true && json['Allow-Fetch.txt'] === false) {
    problems.push('/Fetch.txt-Required: is true while Allow-Fetch.txt is false; no bag could satisfy both')
  }

  // "If serialization has a value of required or optional, at least one value is needed."
  const serialization = json.Serialization ?? 'optional'
  if ((serialization === 'required' || serialization === 'optional') && (list('Accept-Serialization') ?? []).length === 0) {
    problems.push(`/Accept-Serialization: needs at least one MIME type when Serialization is "${serialization}"`)
  }

  for (const path of list('Tag-Files-Required') ?? []) {
    const unsafe = unsafePath(path)
    if (unsafe !== undefined) problems.push(`/Tag-Files-Required: "${path}" ${unsafe}`)
    else if (path.startsWith('data/')) problems.push(`/Tag-Files-Required: "${path}" lies under data/, so it is payload, not a tag file`)
  }
  for (const path of list('Payload-Files-Required') ?? []) {
    const unsafe = unsafePath(path.endsWith('/') ? path.slice(0, -1) : path)
    // "Entries are full path names relative to the Bag base directory, e.g. data/LICENSE.txt or data/src/."
    if (unsafe !== undefined) problems.push(`/Payload-Files-Required: "${path}" ${unsafe}`)
    else if (!path.startsWith('data/') || path === 'data/') problems.push(`/Payload-Files-Required: "${path}" must name a file or directory under data/ (paths are relative to the bag base directory)`)
  }
  for (const pattern of list('Payload-Files-Allowed') ?? []) {
    // Payload globs are relative to the bag base directory ("data/*"); a literal start that is not
    // under data/ could never match, which is nearly always "relative to data/" by mistake.
    const literal = pattern.slice(0, pattern.search(/[*?[]|$/))
    if (!literal.startsWith('data/') && !'data/'.startsWith(literal)) {
      problems.push(`/Payload-Files-Allowed: "${pattern}" can never match, because payload paths start with data/ (patterns are relative to the bag base directory)`)
    }
  }

  // "Every file in Tag-Files-Required must also be present in Tag-Files-Allowed" (default ['*']).
  const tagAllowed = list('Tag-Files-Allowed')
  if (tagAllowed !== undefined) {
    const matches = globMatcher(tagAllowed)
    for (const path of list('Tag-Files-Required') ?? []) {
      if (!matches(path)) problems.push(`/Tag-Files-Allowed: does not cover "${path}", which Tag-Files-Required lists`)
    }
  }
  // "all the payload paths listed in Payload-Files-Required MUST be covered by … Payload-Files-Allowed".
  const payloadAllowed = list('Payload-Files-Allowed')
  if (payloadAllowed !== undefined) {
    const matches = globMatcher(payloadAllowed)
    for (const path of list('Payload-Files-Required') ?? []) {
      // A required directory is covered when a file inside it could be allowed.
      const covered = path.endsWith('/')
        ? matches(`${path}placeholder`) || payloadAllowed.some(p => p.startsWith(path))
        : matches(path)
      if (!covered) problems.push(`/Payload-Files-Allowed: does not cover "${path}", which Payload-Files-Required lists`)
    }
  }
  return problems
}

function unsafePath (path: string): string | undefined {
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) return 'must be a relative path with "/" separators'
  if (path.split('/').some(s => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." segment'
  return undefined
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function normalize (json: ProfileJson): BagitProfile {
  const info = json['BagIt-Profile-Info']
  const algorithms = (list: string[] | undefined): string[] => [...new Set((list ?? []).map(normalizeAlgorithmName))]
  return {
    identifier: info['BagIt-Profile-Identifier'],
    info: {
      sourceOrganization: info['Source-Organization'],
      externalDescription: info['External-Description'],
      version: info.Version,
      profileVersion: info['BagIt-Profile-Version'] ?? '1.1.0',
      ...(info['Contact-Name'] === undefined ? {} : { contactName: info['Contact-Name'] }),
      ...(info['Contact-Phone'] === undefined ? {} : { contactPhone: info['Contact-Phone'] }),
      ...(info['Contact-Email'] === undefined ? {} : { contactEmail: info['Contact-Email'] })
    },
    bagInfo: Object.entries(json['Bag-Info'] ?? {}).map(([label, rule]) => ({
      label,
      required: rule.required ?? false,
      values: rule.values ?? [],
      repeatable: rule.repeatable ?? true,
      ...(rule.description === undefined ? {} : { description: rule.description })
    })),
    manifestsRequired: algorithms(json['Manifests-Required']),
    manifestsAllowed: json['Manifests-Allowed'] === undefined ? null : algorithms(json['Manifests-Allowed']),
    tagManifestsRequired: algorithms(json['Tag-Manifests-Required']),
    tagManifestsAllowed: json['Tag-Manifests-Allowed'] === undefined ? null : algorithms(json['Tag-Manifests-Allowed']),
    allowFetch: json['Allow-Fetch.txt'] ?? true,
    fetchRequired: json['Fetch.txt-Required'] ?? false,
    dataEmpty: json['Data-Empty'] ?? false,
    serialization: json.Serialization ?? 'optional',
    acceptSerialization: (json['Accept-Serialization'] ?? []).map(m => m.toLowerCase()),
    acceptBagItVersion: json['Accept-BagIt-Version'],
    tagFilesRequired: json['Tag-Files-Required'] ?? [],
    tagFilesAllowed: json['Tag-Files-Allowed'] ?? ['*'],
    payloadFilesRequired: json['Payload-Files-Required'] ?? [],
    payloadFilesAllowed: json['Payload-Files-Allowed'] ?? null
  }
}
