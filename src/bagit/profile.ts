import { readFile } from 'node:fs/promises'
import { LantaiError } from '../errors.js'
import { finding, type Finding } from './findings.js'
import { globMatcher, parseProfile, type BagitProfile } from './profile-schema.js'

// BagIt Profiles 1.4.0 (bagit-profiles/bagit-profiles-specification): rules P2–P10 of
// design/research-bagit.md §6. A profile is always resolved from a local file (storage-policies/);
// its identifier is a name to compare, never a URL to fetch.

export { parseProfile, type BagInfoRule, type BagitProfile, type ParseResult } from './profile-schema.js'

/** Reads a profile file; throws PROFILE_INVALID naming the file and every problem. Never fetches. */
export async function loadProfile (file: string): Promise<BagitProfile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new LantaiError('PROFILE_INVALID', `${file}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { file }, { cause })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new LantaiError('PROFILE_INVALID', `${file}: not JSON (${(cause as Error).message})`, { file }, { cause })
  }
  const parsed = parseProfile(json)
  if (!parsed.ok) throw new LantaiError('PROFILE_INVALID', `${file}: ${parsed.problems.join('; ')}`, { file, problems: parsed.problems })
  return parsed.profile
}

/** What the validator knows about a bag, gathered once during validation. */
export interface BagFacts {
  /** "1.0", "0.97"; null if unknown. */
  version: string | null
  /** null: the bag has no bag-info.txt. */
  bagInfo: ReadonlyArray<{ label: string, value: string }> | null
  /** From manifest-<alg>.txt names, normalized (sha256…). */
  payloadAlgorithms: readonly string[]
  /** From tagmanifest-<alg>.txt names, normalized. */
  tagAlgorithms: readonly string[]
  hasFetch: boolean
  /** Every file outside data/, bag-relative with '/' (bagit.txt, custom/x.xml…). */
  tagFiles: readonly string[]
  /** Every file under data/, bag-relative ('data/a/b.pdf'). Iterated at most once, so a generator will do. */
  payloadFiles: Iterable<string>
  /** Every directory under data/, bag-relative ('data/a'). Iterated at most once. */
  payloadDirs: Iterable<string>
  serialization: 'directory' | 'tar' | 'tar.gz' | 'zip'
  /** Total bytes of the payload files. Data-Empty needs it to accept a single placeholder file. */
  payloadOctets?: number
}

/** MIME types a profile may use in Accept-Serialization for each archive kind Lantai reads. */
export const SERIALIZATION_MIME_TYPES: Readonly<Record<Exclude<BagFacts['serialization'], 'directory'>, readonly string[]>> = {
  zip: ['application/zip', 'application/x-zip-compressed'],
  tar: ['application/x-tar', 'application/tar'],
  'tar.gz': ['application/gzip', 'application/x-gzip', 'application/tar+gzip', 'application/x-compressed-tar']
}

const PROFILE_ID_LABEL = 'bagit-profile-identifier'

/** Every profile violation as a finding (P2–P10); never stops at the first. */
export function checkProfile (profile: BagitProfile, facts: BagFacts): Finding[] {
  // The spec calls Accept-BagIt-Version and Accept-Serialization fatal and says to check them first.
  // They come first here too, but the rest still runs: the report is the one-time notice (一次性告知).
  return [
    ...checkVersion(profile, facts),
    ...checkSerialization(profile, facts),
    ...checkIdentifier(profile, facts),
    ...checkBagInfo(profile, facts),
    ...checkManifests(profile, facts),
    ...checkFetch(profile, facts),
    ...checkTagFiles(profile, facts),
    ...checkPayload(profile, facts)
  ]
}

// P3
function checkVersion (profile: BagitProfile, facts: BagFacts): Finding[] {
  if (facts.version !== null && profile.acceptBagItVersion.includes(facts.version)) return []
  return [finding('BAG_PROFILE_VERSION_NOT_ACCEPTED', {
    path: 'bagit.txt',
    expected: profile.acceptBagItVersion.join(', '),
    actual: facts.version ?? 'unknown',
    detail: facts.version === null
      ? `the bag's BagIt version is unknown; the profile accepts ${profile.acceptBagItVersion.join(', ')}`
      : `the bag is BagIt ${facts.version}; the profile accepts ${profile.acceptBagItVersion.join(', ')}`
  })]
}

// P4
function checkSerialization (profile: BagitProfile, facts: BagFacts): Finding[] {
  const kind = facts.serialization
  if (kind === 'directory') {
    return profile.serialization === 'required'
      ? [finding('BAG_PROFILE_SERIALIZATION', { expected: 'an archive', actual: 'directory', detail: 'the profile requires the bag to arrive as an archive, but it arrived as a directory' })]
      : []
  }
  if (profile.serialization === 'forbidden') {
    return [finding('BAG_PROFILE_SERIALIZATION', { expected: 'directory', actual: kind, detail: `the profile forbids serialized bags, but this bag arrived as ${kind}` })]
  }
  // Accept-Serialization speaks MIME types; a kind is accepted when any of its names is listed.
  const names = SERIALIZATION_MIME_TYPES[kind]
  if (names.some(n => profile.acceptSerialization.includes(n))) return []
  return [finding('BAG_PROFILE_SERIALIZATION_TYPE', {
    expected: profile.acceptSerialization.join(', '),
    actual: names[0],
    detail: `the bag arrived as ${kind} (${names[0]}); the profile accepts ${profile.acceptSerialization.join(', ') || 'no archive type'}`
  })]
}

/** bag-info.txt values by lowercased label (RFC 8493 §2.2.2: labels match case-insensitively). */
function valuesByLabel (facts: BagFacts): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (const { label, value } of facts.bagInfo ?? []) {
    const key = label.trim().toLowerCase()
    map.set(key, [...(map.get(key) ?? []), value.trim()])
  }
  return map
}

// P2: "Bags complying to a BagIt Profile MUST contain the tag BagIt-Profile-Identifier in their
// bag-info.txt … This tag MAY be repeated if the Bag conforms to multiple BagIt Profiles."
function checkIdentifier (profile: BagitProfile, facts: BagFacts): Finding[] {
  const ids = valuesByLabel(facts).get(PROFILE_ID_LABEL) ?? []
  if (ids.length === 0) {
    return [finding('BAG_PROFILE_IDENTIFIER_MISSING', {
      path: 'BagIt-Profile-Identifier',
      source: 'bag-info.txt',
      expected: profile.identifier,
      detail: facts.bagInfo === null
        ? `the bag has no bag-info.txt; add one with "BagIt-Profile-Identifier: ${profile.identifier}"`
        : `add "BagIt-Profile-Identifier: ${profile.identifier}" to bag-info.txt`
    })]
  }
  if (ids.includes(profile.identifier)) return []
  return [finding('BAG_PROFILE_IDENTIFIER_MISMATCH', {
    path: 'BagIt-Profile-Identifier',
    source: 'bag-info.txt',
    expected: profile.identifier,
    actual: ids.join(', '),
    detail: `bag-info.txt names ${ids.join(', ')}, but this bag is checked against ${profile.identifier}`
  })]
}

// P5
function checkBagInfo (profile: BagitProfile, facts: BagFacts): Finding[] {
  const byLabel = valuesByLabel(facts)
  const out: Finding[] = []
  // The spec says BagIt-Profile-Identifier "is always required, but SHOULD NOT be listed under
  // Bag-Info"; if a profile lists it anyway, P2 has already judged it.
  for (const rule of profile.bagInfo.filter(r => r.label.toLowerCase() !== PROFILE_ID_LABEL)) {
    const values = byLabel.get(rule.label.toLowerCase()) ?? []
    const about = { path: rule.label, source: 'bag-info.txt' }
    if (rule.required && values.every(v => v === '')) {
      out.push(finding('BAG_PROFILE_TAG_REQUIRED', {
        ...about,
        detail: facts.bagInfo === null
          ? `${rule.label} is required, and the bag has no bag-info.txt`
          : values.length === 0 ? `${rule.label} is required, and bag-info.txt does not have it` : `${rule.label} is required, and its value is empty`
      }))
    }
    if (!rule.repeatable && values.length > 1) {
      out.push(finding('BAG_PROFILE_TAG_REPEATED', { ...about, expected: '1', actual: String(values.length), detail: `${rule.label} may appear once, and appears ${values.length} times` }))
    }
    if (rule.values.length > 0) {
      for (const value of values.filter(v => !rule.values.includes(v))) {
        out.push(finding('BAG_PROFILE_TAG_VALUE', { ...about, expected: rule.values.join(' | '), actual: value, detail: `${rule.label} is "${value}"; the profile allows ${rule.values.map(v => `"${v}"`).join(', ')}` }))
      }
    }
  }
  return out
}

// P6
function checkManifests (profile: BagitProfile, facts: BagFacts): Finding[] {
  return [
    ...algorithmFindings(facts.payloadAlgorithms, profile.manifestsRequired, profile.manifestsAllowed, 'manifest', 'BAG_PROFILE_MANIFEST_REQUIRED', 'BAG_PROFILE_MANIFEST_NOT_ALLOWED'),
    ...algorithmFindings(facts.tagAlgorithms, profile.tagManifestsRequired, profile.tagManifestsAllowed, 'tagmanifest', 'BAG_PROFILE_TAGMANIFEST_REQUIRED', 'BAG_PROFILE_TAGMANIFEST_NOT_ALLOWED')
  ]
}

function algorithmFindings (
  present: readonly string[], required: readonly string[], allowed: readonly string[] | null, prefix: string,
  requiredCode: 'BAG_PROFILE_MANIFEST_REQUIRED' | 'BAG_PROFILE_TAGMANIFEST_REQUIRED',
  allowedCode: 'BAG_PROFILE_MANIFEST_NOT_ALLOWED' | 'BAG_PROFILE_TAGMANIFEST_NOT_ALLOWED'
): Finding[] {
  const out: Finding[] = []
  for (const alg of required.filter(a => !present.includes(a))) {
    out.push(finding(requiredCode, { path: `${prefix}-${alg}.txt`, algorithm: alg, detail: `the profile requires ${prefix}-${alg}.txt` }))
  }
  // "If not specified, all manifest types are permitted."
  if (allowed !== null) {
    for (const alg of present.filter(a => !allowed.includes(a))) {
      out.push(finding(allowedCode, { path: `${prefix}-${alg}.txt`, algorithm: alg, expected: allowed.join(', '), actual: alg, detail: `${prefix}-${alg}.txt uses ${alg}; the profile allows ${allowed.join(', ')}` }))
    }
  }
  return out
}

// P7
function checkFetch (profile: BagitProfile, facts: BagFacts): Finding[] {
  if (facts.hasFetch && !profile.allowFetch) return [finding('BAG_PROFILE_FETCH_NOT_ALLOWED', { path: 'fetch.txt', detail: 'remove fetch.txt and put its files in data/' })]
  if (!facts.hasFetch && profile.fetchRequired) return [finding('BAG_PROFILE_FETCH_REQUIRED', { path: 'fetch.txt', detail: 'the bag has no fetch.txt' })]
  return []
}

// Files whose presence other keys already govern (Manifests-*, Tag-Manifests-*, Allow-Fetch.txt) or that
// RFC 8493 requires. The spec does not say in so many words that Tag-Files-Allowed exempts them, but it
// says Tag-Files-Required "SHOULD NOT include bag-info.txt (which is always required), nor any required
// manifest files, which instead are required by Manifests-Required and Tag-Manifests-Required": these files
// are not what the Tag-Files-* keys are about. Judging them by Tag-Files-Allowed too would make a profile
// such as ["meta/*"] reject every bag, as bagit.txt and a manifest are mandatory.
const STRUCTURAL_TAG_FILE = /^(?:bagit\.txt|bag-info\.txt|fetch\.txt|(?:tag)?manifest-[a-z0-9]+\.txt)$/

// P9
function checkTagFiles (profile: BagitProfile, facts: BagFacts): Finding[] {
  const out: Finding[] = []
  const present = new Set(facts.tagFiles)
  for (const path of profile.tagFilesRequired.filter(p => !present.has(p))) {
    out.push(finding('BAG_PROFILE_TAGFILE_REQUIRED', { path, detail: `the profile requires the tag file ${path}` }))
  }
  const allowed = globMatcher(profile.tagFilesAllowed)
  for (const path of facts.tagFiles) {
    if (STRUCTURAL_TAG_FILE.test(path) || allowed(path)) continue
    out.push(finding('BAG_PROFILE_TAGFILE_NOT_ALLOWED', { path, expected: profile.tagFilesAllowed.join(', '), actual: path, detail: `${path} matches none of ${profile.tagFilesAllowed.join(', ')}` }))
  }
  return out
}

// P8 and P10 share one pass over the payload, which may hold 200,000 files.
function checkPayload (profile: BagitProfile, facts: BagFacts): Finding[] {
  const requiredFiles = new Set(profile.payloadFilesRequired.filter(p => !p.endsWith('/')))
  // "data/src/": the directory must exist and hold "at least one file or subdirectory".
  const requiredDirs = profile.payloadFilesRequired.filter(p => p.endsWith('/'))
  const dirExists = new Set<string>()
  const dirFilled = new Set<string>()
  const patterns = profile.payloadFilesAllowed
  const allowed = patterns === null ? null : globMatcher(patterns)
  const notAllowed: Finding[] = []
  let files = 0

  for (const path of facts.payloadFiles) {
    files++
    requiredFiles.delete(path)
    for (const dir of requiredDirs) if (path.startsWith(dir)) dirFilled.add(dir)
    if (allowed !== null && !allowed(path)) {
      notAllowed.push(finding('BAG_PROFILE_PAYLOAD_NOT_ALLOWED', {
        path,
        expected: patterns?.join(', '),
        actual: path,
        detail: `${path} matches none of ${patterns?.join(', ') ?? ''}`
      }))
    }
  }
  if (requiredDirs.length > 0) {
    for (const path of facts.payloadDirs) {
      for (const dir of requiredDirs) {
        if (`${path}/` === dir) dirExists.add(dir)
        else if (path.startsWith(dir)) dirFilled.add(dir)
      }
    }
  }

  const out: Finding[] = []
  // Data-Empty: "the /data directory must hold the minimum contents for the directory to be included
  // in the archive", i.e. nothing, or one zero-length placeholder (RFC 8493 §2.1.3: ".keep").
  if (profile.dataEmpty && (files > 1 || (files === 1 && facts.payloadOctets !== 0))) {
    out.push(finding('BAG_PROFILE_DATA_NOT_EMPTY', {
      path: 'data/',
      expected: 'no files, or one zero-length file',
      actual: facts.payloadOctets === undefined ? `${files} files` : `${files} files, ${facts.payloadOctets} bytes`,
      detail: files === 1
        ? `data/ holds one file that is not known to be zero-length (${facts.payloadOctets ?? 'unknown'} bytes)`
        : `data/ holds ${files} files`
    }))
  }
  for (const path of requiredFiles) {
    out.push(finding('BAG_PROFILE_PAYLOAD_REQUIRED', { path, detail: `the profile requires the payload file ${path}` }))
  }
  for (const dir of requiredDirs.filter(d => !dirFilled.has(d))) {
    out.push(finding('BAG_PROFILE_PAYLOAD_REQUIRED', {
      path: dir,
      detail: dirExists.has(dir) ? `the profile requires ${dir} to hold at least one file or directory, and it is empty` : `the profile requires the directory ${dir}, and it does not exist`
    }))
  }
  return [...out, ...notAllowed]
}
