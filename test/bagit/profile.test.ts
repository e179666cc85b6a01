import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkProfile, loadProfile, parseProfile, type BagFacts, type BagitProfile } from '../../src/bagit/profile.js'
import type { BagCode } from '../../src/bagit/codes.js'

// Make it valid, change one thing, check the finding (STYLE.md "Tests").

const ID = 'https://lantai.example/profiles/test/v1.json'
const CENTER_PROFILE = fileURLToPath(new URL('../../storage-policies/bagit-profile.json', import.meta.url))

type Json = Record<string, unknown>

/** A profile that sets every rule P2–P10 can check (Fetch.txt-Required and Data-Empty get their own). */
const baseJson = (): Json => ({
  'BagIt-Profile-Info': {
    'Source-Organization': 'City Construction Archive',
    'External-Description': 'test profile',
    Version: '1',
    'BagIt-Profile-Identifier': ID,
    'BagIt-Profile-Version': '1.4.0'
  },
  'Bag-Info': {
    'Source-Organization': { required: true },
    'Transfer-Type': { required: true, repeatable: false, values: ['initial', 'supplement', 'correction'] },
    'Contact-Phone': { required: false }
  },
  'Manifests-Required': ['sha256'],
  'Manifests-Allowed': ['sha256', 'sha512'],
  'Tag-Manifests-Required': ['sha256'],
  'Tag-Manifests-Allowed': ['sha256', 'sha512'],
  'Allow-Fetch.txt': false,
  Serialization: 'optional',
  'Accept-Serialization': ['application/zip', 'application/x-tar'],
  'Accept-BagIt-Version': ['1.0'],
  'Tag-Files-Required': ['metadata/project.xml'],
  'Tag-Files-Allowed': ['metadata/*'],
  'Payload-Files-Required': ['data/catalogue.xml', 'data/files/'],
  'Payload-Files-Allowed': ['data/catalogue.xml', 'data/files/*']
})

/** Round-trips through JSON, as a profile file would, so `key: undefined` in a test means "absent". */
const asJson = (value: Json): Json => JSON.parse(JSON.stringify(value)) as Json

function profileOf (json: Json): BagitProfile {
  const parsed = parseProfile(asJson(json))
  if (!parsed.ok) throw new Error(`test profile is invalid: ${parsed.problems.join('; ')}`)
  return parsed.profile
}

const validFacts = (): BagFacts => ({
  version: '1.0',
  bagInfo: [
    { label: 'BagIt-Profile-Identifier', value: ID },
    { label: 'Source-Organization', value: '某市城市建设投资集团有限公司' },
    { label: 'Transfer-Type', value: 'initial' }
  ],
  payloadAlgorithms: ['sha256'],
  tagAlgorithms: ['sha256'],
  hasFetch: false,
  tagFiles: ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'metadata/project.xml'],
  payloadFiles: ['data/catalogue.xml', 'data/files/plan.pdf'],
  payloadDirs: ['data/files'],
  serialization: 'directory'
})

const withInfo = (...entries: Array<[string, string]>): BagFacts['bagInfo'] => entries.map(([label, value]) => ({ label, value }))
const codes = (profile: BagitProfile, facts: BagFacts): BagCode[] => checkProfile(profile, facts).map(f => f.code)

t.test('a bag that meets every rule of the profile has no findings', async t => {
  t.same(checkProfile(profileOf(baseJson()), validFacts()), [])
})

t.test('the payload is read in one pass, so generators will do for 200,000 files', async t => {
  function * files (): Generator<string> { yield 'data/catalogue.xml'; yield 'data/files/plan.pdf' }
  function * dirs (): Generator<string> { yield 'data/files' }
  t.same(checkProfile(profileOf(baseJson()), { ...validFacts(), payloadFiles: files(), payloadDirs: dirs() }), [])
})

interface Row {
  rule: string
  name: string
  facts?: Partial<BagFacts>
  profile?: Json
  /** Exactly these codes, in order; [] for a case that must pass. */
  expect: BagCode[]
  /** What the single finding must also hold. */
  match?: Json
}

const rows: Row[] = [
  // P2 BagIt-Profile-Identifier
  { rule: 'P2', name: 'bag-info.txt without BagIt-Profile-Identifier', facts: { bagInfo: withInfo(['Source-Organization', 'x'], ['Transfer-Type', 'initial']) }, expect: ['BAG_PROFILE_IDENTIFIER_MISSING'], match: { path: 'BagIt-Profile-Identifier', expected: ID } },
  { rule: 'P2', name: 'BagIt-Profile-Identifier naming another profile', facts: { bagInfo: withInfo(['BagIt-Profile-Identifier', 'https://other.example/p.json'], ['Source-Organization', 'x'], ['Transfer-Type', 'initial']) }, expect: ['BAG_PROFILE_IDENTIFIER_MISMATCH'], match: { expected: ID, actual: 'https://other.example/p.json' } },
  { rule: 'P2', name: 'a repeated BagIt-Profile-Identifier where one value names this profile', facts: { bagInfo: withInfo(['BagIt-Profile-Identifier', 'https://other.example/p.json'], ['BagIt-Profile-Identifier', ID], ['Source-Organization', 'x'], ['Transfer-Type', 'initial']) }, expect: [] },
  { rule: 'P2', name: 'labels written in another case (RFC 8493 §2.2.2)', facts: { bagInfo: withInfo(['bagit-profile-identifier', ID], ['SOURCE-ORGANIZATION', 'x'], ['transfer-type', 'initial']) }, expect: [] },
  // P3 Accept-BagIt-Version
  { rule: 'P3', name: 'a BagIt 0.97 bag', facts: { version: '0.97' }, expect: ['BAG_PROFILE_VERSION_NOT_ACCEPTED'], match: { expected: '1.0', actual: '0.97' } },
  { rule: 'P3', name: 'a bag whose version is unknown', facts: { version: null }, expect: ['BAG_PROFILE_VERSION_NOT_ACCEPTED'], match: { actual: 'unknown' } },
  // P4 Serialization / Accept-Serialization
  { rule: 'P4', name: 'a zip archive where zip is accepted', facts: { serialization: 'zip' }, expect: [] },
  { rule: 'P4', name: 'a tar archive where application/x-tar is accepted', facts: { serialization: 'tar' }, expect: [] },
  { rule: 'P4', name: 'a tar.gz archive where no gzip type is accepted', facts: { serialization: 'tar.gz' }, expect: ['BAG_PROFILE_SERIALIZATION_TYPE'], match: { actual: 'application/gzip' } },
  { rule: 'P4', name: 'a tar.gz archive where application/tar+gzip is accepted', facts: { serialization: 'tar.gz' }, profile: { 'Accept-Serialization': ['application/tar+gzip'] }, expect: [] },
  { rule: 'P4', name: 'a directory where Serialization is required', profile: { Serialization: 'required' }, expect: ['BAG_PROFILE_SERIALIZATION'], match: { actual: 'directory' } },
  { rule: 'P4', name: 'a zip archive where Serialization is forbidden', facts: { serialization: 'zip' }, profile: { Serialization: 'forbidden' }, expect: ['BAG_PROFILE_SERIALIZATION'], match: { expected: 'directory', actual: 'zip' } },
  { rule: 'P4', name: 'a directory where Serialization is forbidden', profile: { Serialization: 'forbidden' }, expect: [] },
  // P5 Bag-Info
  { rule: 'P5', name: 'a required tag is missing', facts: { bagInfo: withInfo(['BagIt-Profile-Identifier', ID], ['Transfer-Type', 'initial']) }, expect: ['BAG_PROFILE_TAG_REQUIRED'], match: { path: 'Source-Organization', source: 'bag-info.txt' } },
  { rule: 'P5', name: 'a required tag has an empty value', facts: { bagInfo: withInfo(['BagIt-Profile-Identifier', ID], ['Source-Organization', ''], ['Transfer-Type', 'initial']) }, expect: ['BAG_PROFILE_TAG_REQUIRED'], match: { path: 'Source-Organization' } },
  { rule: 'P5', name: 'a value outside the allowed values', facts: { bagInfo: withInfo(['BagIt-Profile-Identifier', ID], ['Source-Organization', 'x'], ['Transfer-Type', 'final']) }, expect: ['BAG_PROFILE_TAG_VALUE'], match: { path: 'Transfer-Type', actual: 'final', expected: 'initial | supplement | correction' } },
  { rule: 'P5', name: 'a tag that is not repeatable appears twice', facts: { bagInfo: withInfo(['BagIt-Profile-Identifier', ID], ['Source-Organization', 'x'], ['Transfer-Type', 'initial'], ['transfer-type', 'supplement']) }, expect: ['BAG_PROFILE_TAG_REPEATED'], match: { path: 'Transfer-Type', expected: '1', actual: '2' } },
  { rule: 'P5', name: 'a repeatable tag (the default) appears twice', facts: { bagInfo: withInfo(['BagIt-Profile-Identifier', ID], ['Source-Organization', 'x'], ['Source-Organization', 'y'], ['Transfer-Type', 'initial']) }, expect: [] },
  // P6 Manifests-* / Tag-Manifests-*
  { rule: 'P6', name: 'the required sha256 manifest is missing', facts: { payloadAlgorithms: ['sha512'] }, expect: ['BAG_PROFILE_MANIFEST_REQUIRED'], match: { path: 'manifest-sha256.txt', algorithm: 'sha256' } },
  { rule: 'P6', name: 'a manifest uses an algorithm not in Manifests-Allowed', facts: { payloadAlgorithms: ['sha256', 'md5'] }, expect: ['BAG_PROFILE_MANIFEST_NOT_ALLOWED'], match: { path: 'manifest-md5.txt', actual: 'md5' } },
  { rule: 'P6', name: 'any algorithm is allowed when Manifests-Allowed is absent', facts: { payloadAlgorithms: ['sha256', 'md5'] }, profile: { 'Manifests-Allowed': undefined }, expect: [] },
  { rule: 'P6', name: 'the required sha256 tag manifest is missing', facts: { tagAlgorithms: [] }, expect: ['BAG_PROFILE_TAGMANIFEST_REQUIRED'], match: { path: 'tagmanifest-sha256.txt' } },
  { rule: 'P6', name: 'a tag manifest uses an algorithm not in Tag-Manifests-Allowed', facts: { tagAlgorithms: ['sha256', 'sha1'] }, expect: ['BAG_PROFILE_TAGMANIFEST_NOT_ALLOWED'], match: { path: 'tagmanifest-sha1.txt' } },
  { rule: 'P6', name: 'every allowed algorithm at once', facts: { payloadAlgorithms: ['sha256', 'sha512'], tagAlgorithms: ['sha512', 'sha256'] }, expect: [] },
  // P7 Allow-Fetch.txt / Fetch.txt-Required
  { rule: 'P7', name: 'fetch.txt where Allow-Fetch.txt is false', facts: { hasFetch: true }, expect: ['BAG_PROFILE_FETCH_NOT_ALLOWED'], match: { path: 'fetch.txt' } },
  { rule: 'P7', name: 'fetch.txt where Allow-Fetch.txt is true', facts: { hasFetch: true }, profile: { 'Allow-Fetch.txt': true }, expect: [] },
  { rule: 'P7', name: 'no fetch.txt where Fetch.txt-Required is true', profile: { 'Allow-Fetch.txt': true, 'Fetch.txt-Required': true }, expect: ['BAG_PROFILE_FETCH_REQUIRED'] },
  { rule: 'P7', name: 'fetch.txt where Fetch.txt-Required is true', facts: { hasFetch: true }, profile: { 'Allow-Fetch.txt': true, 'Fetch.txt-Required': true }, expect: [] },
  // P8 Data-Empty (the payload rules are lifted so only Data-Empty speaks)
  { rule: 'P8', name: 'two payload files where Data-Empty is true', profile: { 'Data-Empty': true, 'Payload-Files-Required': undefined }, expect: ['BAG_PROFILE_DATA_NOT_EMPTY'], match: { path: 'data/', actual: '2 files' } },
  { rule: 'P8', name: 'one non-empty file where Data-Empty is true', facts: { payloadFiles: ['data/.keep'], payloadOctets: 12 }, profile: { 'Data-Empty': true, 'Payload-Files-Required': undefined, 'Payload-Files-Allowed': undefined }, expect: ['BAG_PROFILE_DATA_NOT_EMPTY'] },
  { rule: 'P8', name: 'one file of unknown size where Data-Empty is true', facts: { payloadFiles: ['data/.keep'] }, profile: { 'Data-Empty': true, 'Payload-Files-Required': undefined, 'Payload-Files-Allowed': undefined }, expect: ['BAG_PROFILE_DATA_NOT_EMPTY'] },
  { rule: 'P8', name: 'one zero-length placeholder where Data-Empty is true', facts: { payloadFiles: ['data/.keep'], payloadOctets: 0 }, profile: { 'Data-Empty': true, 'Payload-Files-Required': undefined, 'Payload-Files-Allowed': undefined }, expect: [] },
  { rule: 'P8', name: 'an empty data/ where Data-Empty is true', facts: { payloadFiles: [], payloadDirs: [], payloadOctets: 0 }, profile: { 'Data-Empty': true, 'Payload-Files-Required': undefined }, expect: [] },
  // P9 Tag-Files-Required / Tag-Files-Allowed
  { rule: 'P9', name: 'a required tag file is missing', facts: { tagFiles: ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt'] }, expect: ['BAG_PROFILE_TAGFILE_REQUIRED'], match: { path: 'metadata/project.xml' } },
  { rule: 'P9', name: 'a tag file outside Tag-Files-Allowed', facts: { tagFiles: [...validFacts().tagFiles, 'notes/readme.txt'] }, expect: ['BAG_PROFILE_TAGFILE_NOT_ALLOWED'], match: { path: 'notes/readme.txt' } },
  { rule: 'P9', name: 'a nested tag file matched by "*" across directories', facts: { tagFiles: [...validFacts().tagFiles, 'metadata/photos/index.xml'] }, expect: [] },
  { rule: 'P9', name: 'bagit.txt, bag-info.txt, fetch.txt and (tag)manifests outside Tag-Files-Allowed', facts: { hasFetch: true, payloadAlgorithms: ['sha256', 'sha512'], tagFiles: [...validFacts().tagFiles, 'manifest-sha512.txt', 'fetch.txt'] }, profile: { 'Allow-Fetch.txt': true }, expect: [] },
  // P10 Payload-Files-Required / Payload-Files-Allowed
  { rule: 'P10', name: 'a required payload file is missing', facts: { payloadFiles: ['data/files/plan.pdf'] }, expect: ['BAG_PROFILE_PAYLOAD_REQUIRED'], match: { path: 'data/catalogue.xml' } },
  { rule: 'P10', name: 'a required directory does not exist', facts: { payloadFiles: ['data/catalogue.xml'], payloadDirs: [] }, expect: ['BAG_PROFILE_PAYLOAD_REQUIRED'], match: { path: 'data/files/', message: /does not exist/ } },
  { rule: 'P10', name: 'a required directory is empty', facts: { payloadFiles: ['data/catalogue.xml'], payloadDirs: ['data/files'] }, expect: ['BAG_PROFILE_PAYLOAD_REQUIRED'], match: { path: 'data/files/', message: /empty/ } },
  { rule: 'P10', name: 'a required directory that holds only a subdirectory', facts: { payloadFiles: ['data/catalogue.xml'], payloadDirs: ['data/files', 'data/files/2024'] }, expect: [] },
  { rule: 'P10', name: 'a payload file outside Payload-Files-Allowed', facts: { payloadFiles: [...validFacts().payloadFiles, 'data/other.txt'] }, expect: ['BAG_PROFILE_PAYLOAD_NOT_ALLOWED'], match: { path: 'data/other.txt' } }
]

for (const row of rows) {
  const verdict = row.expect.length === 0 ? 'passes' : `yields ${row.expect.join(', ')}`
  t.test(`${row.rule}: ${row.name} ${verdict}`, async t => {
    const profile = profileOf({ ...baseJson(), ...row.profile })
    const found = checkProfile(profile, { ...validFacts(), ...row.facts })
    t.same(found.map(f => f.code), row.expect)
    if (row.match !== undefined) t.match(found[0], row.match)
  })
}

t.test('every finding names what it is about and says what was found', async t => {
  const facts: BagFacts = { ...validFacts(), version: '0.97', hasFetch: true, payloadAlgorithms: ['md5'] }
  for (const f of checkProfile(profileOf(baseJson()), facts)) {
    t.ok(f.path !== undefined && f.path.length > 0, `${f.code} has a path`)
    t.match(f.message, /: .+/, `${f.code} has a detail`)
    t.equal(f.severity, 'error')
  }
})

t.test('several rules broken at once yield every finding, version and serialization first', async t => {
  const facts: BagFacts = {
    ...validFacts(),
    version: '0.97',
    serialization: 'tar.gz',
    bagInfo: withInfo(['BagIt-Profile-Identifier', ID], ['Transfer-Type', 'final']),
    payloadAlgorithms: ['md5'],
    hasFetch: true,
    tagFiles: ['bagit.txt', 'bag-info.txt', 'manifest-md5.txt', 'tagmanifest-sha256.txt', 'notes.txt'],
    payloadFiles: ['data/files/plan.pdf', 'data/other.txt']
  }
  t.same(codes(profileOf(baseJson()), facts), [
    'BAG_PROFILE_VERSION_NOT_ACCEPTED',
    'BAG_PROFILE_SERIALIZATION_TYPE',
    'BAG_PROFILE_TAG_REQUIRED',
    'BAG_PROFILE_TAG_VALUE',
    'BAG_PROFILE_MANIFEST_REQUIRED',
    'BAG_PROFILE_MANIFEST_NOT_ALLOWED',
    'BAG_PROFILE_FETCH_NOT_ALLOWED',
    'BAG_PROFILE_TAGFILE_REQUIRED',
    'BAG_PROFILE_TAGFILE_NOT_ALLOWED',
    'BAG_PROFILE_PAYLOAD_REQUIRED',
    'BAG_PROFILE_PAYLOAD_NOT_ALLOWED'
  ])
})

t.test('a bag without bag-info.txt gets IDENTIFIER_MISSING plus one TAG_REQUIRED per required tag', async t => {
  const found = checkProfile(profileOf(baseJson()), { ...validFacts(), bagInfo: null })
  t.same(found.map(f => f.code), ['BAG_PROFILE_IDENTIFIER_MISSING', 'BAG_PROFILE_TAG_REQUIRED', 'BAG_PROFILE_TAG_REQUIRED'])
  t.same(found.slice(1).map(f => f.path), ['Source-Organization', 'Transfer-Type'])
  t.match(found[0]?.message, /no bag-info\.txt/)
})

t.test('a profile that lists BagIt-Profile-Identifier under Bag-Info does not report it twice', async t => {
  const json = baseJson()
  json['Bag-Info'] = { ...(json['Bag-Info'] as Json), 'BagIt-Profile-Identifier': { required: true, repeatable: false } }
  const facts = { ...validFacts(), bagInfo: withInfo(['Source-Organization', 'x'], ['Transfer-Type', 'initial']) }
  t.same(codes(profileOf(json), facts), ['BAG_PROFILE_IDENTIFIER_MISSING'])
})

// — P1: the profile itself —

t.test('P1: a minimal profile parses and gets the spec\'s defaults', async t => {
  const parsed = parseProfile({
    'BagIt-Profile-Info': { 'Source-Organization': 'o', 'External-Description': 'd', Version: '1', 'BagIt-Profile-Identifier': ID },
    'Bag-Info': { 'Contact-Name': {} },
    'Accept-Serialization': ['Application/Zip'],
    'Accept-BagIt-Version': ['1.0']
  })
  t.ok(parsed.ok)
  if (!parsed.ok) return
  t.match(parsed.profile, {
    identifier: ID,
    info: { profileVersion: '1.1.0' },
    bagInfo: [{ label: 'Contact-Name', required: false, repeatable: true, values: [] }],
    manifestsRequired: [],
    manifestsAllowed: null,
    tagManifestsAllowed: null,
    allowFetch: true,
    fetchRequired: false,
    dataEmpty: false,
    serialization: 'optional',
    acceptSerialization: ['application/zip'],
    tagFilesAllowed: ['*'],
    payloadFilesAllowed: null
  })
})

t.test('P1: manifest algorithm names are normalized as RFC 8493 §2.4 does', async t => {
  const profile = profileOf({ ...baseJson(), 'Manifests-Required': ['SHA-256'], 'Manifests-Allowed': ['SHA-256', 'sha512'] })
  t.same(profile.manifestsRequired, ['sha256'])
  t.same(profile.manifestsAllowed, ['sha256', 'sha512'])
})

const info = (over: Json): Json => ({ ...(baseJson()['BagIt-Profile-Info'] as Json), ...over })
const p1Rows: Array<[string, Json, RegExp]> = [
  ['a missing Source-Organization in BagIt-Profile-Info', { 'BagIt-Profile-Info': info({ 'Source-Organization': undefined }) }, /^\/BagIt-Profile-Info\/Source-Organization: expected required property/],
  ['a missing Version in BagIt-Profile-Info', { 'BagIt-Profile-Info': info({ Version: undefined }) }, /^\/BagIt-Profile-Info\/Version:/],
  ['a BagIt-Profile-Identifier that is not a URI', { 'BagIt-Profile-Info': info({ 'BagIt-Profile-Identifier': 'construction v1' }) }, /must be a URI/],
  ['a missing Accept-BagIt-Version', { 'Accept-BagIt-Version': undefined }, /^\/Accept-BagIt-Version: expected required property/],
  ['an empty Accept-BagIt-Version', { 'Accept-BagIt-Version': [] }, /^\/Accept-BagIt-Version:/],
  ['a Serialization outside forbidden|required|optional', { Serialization: 'sometimes' }, /^\/Serialization: must be one of "forbidden", "required", "optional", not "sometimes"/],
  ['no Accept-Serialization while Serialization is optional', { 'Accept-Serialization': [] }, /^\/Accept-Serialization: needs at least one MIME type/],
  ['a Bag-Info rule whose required is not a boolean', { 'Bag-Info': { 'Contact-Name': { required: 'yes' } } }, /^\/Bag-Info\/Contact-Name\/required: expected boolean/],
  ['two Bag-Info rules for one label in different case', { 'Bag-Info': { 'Contact-Name': {}, 'contact-name': {} } }, /^\/Bag-Info\/contact-name: the same label as "Contact-Name"/],
  ['a key in the wrong case', { 'manifests-required': ['md5'] }, /did you mean "Manifests-Required"/],
  ['Manifests-Allowed without a required algorithm', { 'Manifests-Allowed': ['sha512'] }, /^\/Manifests-Allowed: does not include "sha256"/],
  ['Tag-Manifests-Allowed without a required algorithm', { 'Tag-Manifests-Allowed': ['sha512'] }, /^\/Tag-Manifests-Allowed: does not include "sha256"/],
  ['Fetch.txt-Required true while Allow-Fetch.txt is false', { 'Fetch.txt-Required': true }, /^\/Fetch.txt-Required:/],
  ['Tag-Files-Allowed that does not cover Tag-Files-Required', { 'Tag-Files-Allowed': ['docs/*'] }, /^\/Tag-Files-Allowed: does not cover "metadata\/project.xml"/],
  ['a required tag file under data/', { 'Tag-Files-Required': ['data/x.xml'], 'Tag-Files-Allowed': undefined }, /lies under data\//],
  ['Payload-Files-Allowed that does not cover Payload-Files-Required', { 'Payload-Files-Allowed': ['data/catalogue.xml'] }, /^\/Payload-Files-Allowed: does not cover "data\/files\/"/],
  ['a Payload-Files-Allowed pattern written relative to data/', { 'Payload-Files-Allowed': ['data/catalogue.xml', 'data/files/*', 'files/*'] }, /"files\/\*" can never match/],
  ['a Payload-Files-Required path outside data/', { 'Payload-Files-Required': ['catalogue.xml'], 'Payload-Files-Allowed': undefined }, /must name a file or directory under data\//],
  ['a Payload-Files-Required path that climbs out with ..', { 'Payload-Files-Required': ['data/../bagit.txt'], 'Payload-Files-Allowed': undefined }, /"\.\." segment/]
]

for (const [name, change, problem] of p1Rows) {
  t.test(`P1: ${name} is the one problem reported`, async t => {
    const parsed = parseProfile(asJson({ ...baseJson(), ...change }))
    t.equal(parsed.ok, false)
    if (parsed.ok) return
    t.equal(parsed.problems.length, 1, parsed.problems.join('; '))
    t.match(parsed.problems[0], problem)
  })
}

t.test('P1: parseProfile reports several shape problems at once', async t => {
  const parsed = parseProfile(asJson({
    ...baseJson(),
    'BagIt-Profile-Info': info({ Version: undefined, 'External-Description': 7 }),
    Serialization: 'sometimes',
    'Accept-BagIt-Version': [],
    'Manifests-Allowed': ['sha512'],
    'Tag-Files-Allowed': ['docs/*'],
    'Allow-Fetch.txt': 'no'
  }))
  t.equal(parsed.ok, false)
  if (parsed.ok) return
  const expected = [/\/External-Description:/, /\/Version:/, /^\/Allow-Fetch.txt:/, /^\/Serialization:/, /^\/Accept-BagIt-Version:/, /^\/Manifests-Allowed:/, /^\/Tag-Files-Allowed:/]
  for (const re of expected) t.ok(parsed.problems.some(p => re.test(p)), `reports ${re.source}`)
  t.equal(parsed.problems.length, expected.length, parsed.problems.join('; '))
})

t.test('P1: something that is not a JSON object is one problem', async t => {
  t.same(parseProfile([]), { ok: false, problems: ['(the profile): expected object'] })
})

// — loadProfile —

t.test('loadProfile on a missing file throws PROFILE_INVALID naming the file', async t => {
  const file = join(t.testdir(), 'absent.json')
  await t.rejects(loadProfile(file), { name: 'LantaiError', code: 'PROFILE_INVALID', message: new RegExp(`${file}: cannot be read \\(ENOENT\\)`) })
})

t.test('loadProfile on a file that is not JSON throws PROFILE_INVALID naming the file', async t => {
  const file = join(t.testdir(), 'profile.json')
  await writeFile(file, '{ "BagIt-Profile-Info": ')
  await t.rejects(loadProfile(file), { code: 'PROFILE_INVALID', message: new RegExp(`${file}: not JSON`) })
})

t.test('loadProfile on a badly shaped profile throws PROFILE_INVALID listing every problem', async t => {
  const file = join(t.testdir(), 'profile.json')
  await writeFile(file, JSON.stringify({ ...baseJson(), Serialization: 'sometimes', 'Manifests-Allowed': ['md5'] }))
  await t.rejects(loadProfile(file), {
    code: 'PROFILE_INVALID',
    message: new RegExp(`${file}: /Serialization: .+; /Manifests-Allowed: does not include "sha256"`),
    details: { file, problems: [/Serialization/, /Manifests-Allowed/] }
  })
})

// — the center's own profile —

t.test('the center\'s profile in storage-policies/ parses', async t => {
  const profile = await loadProfile(CENTER_PROFILE)
  t.equal(profile.identifier, 'https://lantai.example/profiles/construction-submission/v1.json')
  t.same(profile.acceptBagItVersion, ['1.0'])
  t.same(profile.manifestsRequired, ['sha256'])
  t.same(profile.manifestsAllowed, ['sha256', 'sha512', 'sm3'])
  t.same(profile.tagManifestsRequired, ['sha256'])
  t.equal(profile.allowFetch, false)
  t.equal(profile.serialization, 'optional')
  const rule = (label: string) => profile.bagInfo.find(r => r.label === label)
  for (const label of ['Source-Organization', 'Contact-Name', 'Bagging-Date', 'Payload-Oxum', 'Project-Code', 'Project-Name', 'Transfer-Type']) {
    t.equal(rule(label)?.required, true, `${label} is required`)
  }
  t.match(rule('Project-Code'), { repeatable: false, description: /统一项目代码/ })
  t.same(rule('Transfer-Type')?.values, ['initial', 'supplement', 'correction'])
  t.ok(profile.bagInfo.every(r => (r.description ?? '').length > 0), 'every tag is described')
})

t.test('a construction submission made to the center\'s profile has no findings, as a directory or a tar.gz', async t => {
  const profile = await loadProfile(CENTER_PROFILE)
  const facts: BagFacts = {
    version: '1.0',
    bagInfo: withInfo(
      ['BagIt-Profile-Identifier', profile.identifier],
      ['Source-Organization', '某市城市建设投资集团有限公司'],
      ['Contact-Name', '张工'],
      ['Bagging-Date', '2024-09-20'],
      ['Payload-Oxum', '2483911.1'],
      ['Project-Code', '2019-440305-48-01-012345'],
      ['Project-Name', '某市轨道交通3号线一期工程'],
      ['Transfer-Type', 'initial']
    ),
    payloadAlgorithms: ['sha256', 'sm3'],
    tagAlgorithms: ['sha256'],
    hasFetch: false,
    tagFiles: ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sm3.txt', 'tagmanifest-sha256.txt'],
    payloadFiles: ['data/12.pdf'],
    payloadDirs: [],
    serialization: 'directory'
  }
  t.same(checkProfile(profile, facts), [])
  t.same(checkProfile(profile, { ...facts, serialization: 'tar.gz' }), [])
  t.same(codes(profile, { ...facts, bagInfo: withInfo(['BagIt-Profile-Identifier', profile.identifier]) }).length, 7)
})
