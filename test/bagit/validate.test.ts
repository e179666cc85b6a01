import t from 'tap'
import { execFileSync } from 'node:child_process'
import { appendFileSync, linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HashPool } from '../../src/hashing/hash.js'
import { validateBag, type BagReport } from '../../src/bagit/validate.js'
import { parseProfile } from '../../src/bagit/profile.js'
import { digest, makeBag, retag, scratch, writeFile } from '../fixtures/bags.js'

// The suite's gaps (EXPECTED.md, end) and Lantai's own rules, each as: make a valid bag, change one
// thing, check the finding. One pool serves every test, as the service will share one.
const pool = new HashPool({ workers: 2 })
t.teardown(() => pool.close())
const validate = async (root: string, opts: Parameters<typeof validateBag>[1] = {}): Promise<BagReport> => validateBag(root, { pool, ...opts })
const codes = (r: BagReport): string[] => r.findings.map(f => f.code)
const errorCodes = (r: BagReport): string[] => r.errors.map(f => f.code)

t.test('a fresh bag of two files is valid and complete, with its totals', async t => {
  const r = await validate(makeBag(t, { 'a.txt': 'alpha', 'sub/b.txt': 'beta' }, { algorithms: ['sha256', 'sha512'] }))
  t.same(r.errors, [])
  t.ok(r.valid)
  t.ok(r.complete)
  t.equal(r.version, '1.0')
  t.match(r.stats, { payloadFiles: 2, payloadBytes: 9, payloadAlgorithms: ['sha256', 'sha512'] })
})

t.test('precomputed digests and sizes are trusted as measured by the caller; only missing algorithms are read', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta' }, { algorithms: ['sha256', 'sha512'] })
  const seen = new Map<string, { size: number, digests: Record<string, string> }>()
  // The caller claims a wrong sha256 for a.txt (so its record is what gets compared) and gives no
  // sha512 for b.txt (so that one is read from disk and matches).
  const r = await validate(root, {
    precomputed: (path): { size: number, digests: Record<string, string> } | undefined => path === 'data/a.txt'
      ? { size: 5, digests: { sha256: '0'.repeat(64), sha512: digest('sha512', 'alpha') } }
      : path === 'data/b.txt' ? { size: 4, digests: { sha256: digest('sha256', 'beta') } } : undefined,
    onFile: (path, size, digests) => seen.set(path, { size, digests })
  })
  t.same(errorCodes(r), ['BAG_CHECKSUM_MISMATCH'])
  t.match(r.errors[0], { path: 'data/a.txt', algorithm: 'sha256', actual: '0'.repeat(64) })
  t.same(seen.get('data/b.txt'), { size: 4, digests: { sha256: digest('sha256', 'beta'), sha512: digest('sha512', 'beta') } })
})

t.test('a bag with many defects reports every one of them at once (一次性告知)', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta', 'c.txt': 'gamma' })
  writeFileSync(join(root, 'data/a.txt'), 'ALPHA') // corrupt
  rmSync(join(root, 'data/b.txt')) // missing
  writeFileSync(join(root, 'data/extra.txt'), 'x') // unlisted
  const r = await validate(root)
  t.same(new Set(errorCodes(r)), new Set(['BAG_CHECKSUM_MISMATCH', 'BAG_FILE_MISSING', 'BAG_FILE_NOT_IN_MANIFEST', 'BAG_INFO_OXUM_MISMATCH']))
  t.match(r.errors.find(f => f.code === 'BAG_CHECKSUM_MISMATCH'), { path: 'data/a.txt', algorithm: 'sha256', expected: digest('sha256', 'alpha'), actual: digest('sha256', 'ALPHA') })
  t.match(r.errors.find(f => f.code === 'BAG_FILE_MISSING'), { path: 'data/b.txt', source: 'manifest-sha256.txt' })
  t.match(r.errors.find(f => f.code === 'BAG_INFO_OXUM_MISMATCH'), { expected: '14.3', actual: '11.3' })
  t.notOk(r.valid)
  t.notOk(r.complete)
})

t.test('structure: no data/ directory and no payload manifest are both reported', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  rmSync(join(root, 'data'), { recursive: true })
  rmSync(join(root, 'manifest-sha256.txt'))
  retag(root)
  const r = await validate(root)
  t.ok(codes(r).includes('BAG_PAYLOAD_DIR_MISSING'))
  t.ok(codes(r).includes('BAG_MANIFEST_MISSING'))
})

t.test('a manifest entry that names a directory is BAG_MANIFEST_NAMES_DIRECTORY', async t => {
  const root = makeBag(t, { 'dir/a.txt': 'alpha' })
  appendFileSync(join(root, 'manifest-sha256.txt'), `${digest('sha256', '')}  data/dir\n`)
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_MANIFEST_NAMES_DIRECTORY'])
  t.equal(r.errors[0]?.path, 'data/dir')
})

t.test('§2.2.1: tag manifests list tag files only, and every payload manifest', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' }, { algorithms: ['sha256', 'sha512'], tagAlgorithms: ['sha256'] })
  appendFileSync(join(root, 'tagmanifest-sha256.txt'), `${digest('sha256', 'alpha')} data/a.txt\n${digest('sha256', 'x')} tagmanifest-sha512.txt\n`)
  const lines = readFileSync(join(root, 'tagmanifest-sha256.txt'), 'utf8').split('\n').filter(l => !l.endsWith(' manifest-sha512.txt'))
  writeFileSync(join(root, 'tagmanifest-sha256.txt'), lines.join('\n'))
  const r = await validate(root)
  t.same(new Set(errorCodes(r)), new Set(['BAG_TAGMANIFEST_LISTS_PAYLOAD', 'BAG_TAGMANIFEST_LISTS_TAGMANIFEST', 'BAG_TAGMANIFEST_OMITS_MANIFEST']))
  t.match(r.errors.find(f => f.code === 'BAG_TAGMANIFEST_OMITS_MANIFEST'), { path: 'manifest-sha512.txt', source: 'tagmanifest-sha256.txt' })
})

t.test('a bag without a tag manifest is valid with a warning', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  rmSync(join(root, 'tagmanifest-sha256.txt'))
  const r = await validate(root)
  t.ok(r.valid)
  t.same(codes(r), ['BAG_TAGMANIFEST_MISSING'])
})

t.test('1.0 percent-encoding: %0A, %0D and %25 are decoded and nothing else', async t => {
  const root = makeBag(t, { 'plain.txt': 'p' })
  const files: Record<string, string> = { 'data/line\nbreak.txt': 'n', 'data/cr\rname.txt': 'r', 'data/100%.txt': 'pct', 'data/%41.txt': 'literal' }
  for (const [path, data] of Object.entries(files)) writeFile(root, path, data)
  const encoded = ['data/line%0Abreak.txt', 'data/cr%0dname.txt', 'data/100%25.txt', 'data/%41.txt']
  appendFileSync(join(root, 'manifest-sha256.txt'), encoded.map((p, i) => `${digest('sha256', Object.values(files)[i] ?? '')}  ${p}\n`).join(''))
  writeFileSync(join(root, 'bag-info.txt'), `Payload-Oxum: ${1 + 1 + 1 + 3 + 7}.5\n`)
  retag(root)
  const r = await validate(root)
  t.same(r.errors, [])
})

t.test('before 1.0 nothing is percent-decoded', async t => {
  const root = makeBag(t, { '100%25.txt': 'literal name' }, { version: '0.97' })
  const r = await validate(root)
  t.same(r.errors, [])
})

t.test('Payload-Oxum: repeated, malformed, or missing', async t => {
  const repeated = await validate(makeBag(t, { 'a.txt': 'alpha' }, { bagInfo: ['Payload-Oxum: 5.1', 'Payload-Oxum: 5.1'] }))
  t.same(errorCodes(repeated), ['BAG_INFO_OXUM_REPEATED'])
  const malformed = await validate(makeBag(t, { 'a.txt': 'alpha' }, { bagInfo: ['Payload-Oxum: five'] }))
  t.same(errorCodes(malformed), ['BAG_INFO_OXUM_MALFORMED'])
  const missing = await validate(makeBag(t, { 'a.txt': 'alpha' }, { bagInfo: ['Contact-Name: Li Wei'] }))
  t.ok(missing.valid)
  t.same(codes(missing), ['BAG_INFO_OXUM_MISSING'])
})

t.test('bag-info: continuation lines fold, reserved labels match any case, bad dates warn', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' }, { bagInfo: ['PAYLOAD-OXUM: 5.1', 'External-Description: first part', '  second part', 'Bagging-Date: 24/11/2026'] })
  const r = await validate(root)
  t.ok(r.valid)
  t.same(codes(r), ['BAG_INFO_VALUE_MALFORMED'])
  t.match(r.bagInfo, [{ label: 'PAYLOAD-OXUM', value: '5.1' }, { label: 'External-Description', value: 'first part second part' }, { label: 'Bagging-Date' }])
})

t.test('BagIt 1.0 bag-info is strict about the separator; 0.97 is lenient', async t => {
  const strict = await validate(makeBag(t, { 'a.txt': 'alpha' }, { bagInfo: ['Payload-Oxum: 5.1', 'Contact-Name : Li Wei'] }))
  t.same(errorCodes(strict), ['BAG_INFO_LINE_MALFORMED'])
  t.match(strict.errors[0], { source: 'bag-info.txt', line: 2 })
  const lenient = await validate(makeBag(t, { 'a.txt': 'alpha' }, { version: '0.97', bagInfo: ['Payload-Oxum: 5.1', 'Contact-Name : Li Wei'] }))
  t.same(lenient.errors, [])
})

t.test('fetch.txt: files not yet fetched make the bag incomplete; Lantai never fetches', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha', 'remote.bin': 'far away' }, { tagFiles: { 'fetch.txt': 'http://127.0.0.1:9/remote.bin 8 data/remote.bin\n' } })
  rmSync(join(root, 'data/remote.bin'))
  const r = await validate(root)
  t.same(errorCodes(r).filter(c => c !== 'BAG_INFO_OXUM_MISMATCH'), ['BAG_FETCH_PENDING'])
  t.notOk(r.complete)
  const told = await validate(root, { allowMissingFetched: true })
  t.same(told.warnings.map(f => f.code).filter(c => c === 'BAG_FETCH_PENDING'), ['BAG_FETCH_PENDING'])
})

t.test('fetch.txt lines must be "url length path" with an absolute URL', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' }, { tagFiles: { 'fetch.txt': 'not-a-url - data/a.txt\nhttp://127.0.0.1/a abc data/a.txt\n' } })
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_FETCH_URL_INVALID', 'BAG_FETCH_LINE_MALFORMED'])
})

t.test('an algorithm we cannot compute is reported, and its entries still count for completeness', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  writeFileSync(join(root, 'manifest-whirlpool.txt'), `${'ab'.repeat(64)}  data/a.txt\n${'cd'.repeat(64)}  data/gone.txt\n`)
  retag(root)
  const r = await validate(root)
  t.same(new Set(errorCodes(r)), new Set(['BAG_ALGORITHM_UNSUPPORTED', 'BAG_FILE_MISSING']))
})

t.test('manifest names must use the normalized algorithm name', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  execFileSync('mv', [join(root, 'manifest-sha256.txt'), join(root, 'manifest-SHA256.txt')])
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_ALGORITHM_NAME_INVALID'])
})

t.test('uppercase hex checksums are accepted (§2.1.3); wrong lengths are not', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta' })
  writeFileSync(join(root, 'manifest-sha256.txt'), `${digest('sha256', 'alpha').toUpperCase()}  data/a.txt\n${digest('sha256', 'beta').slice(2)}  data/b.txt\n`)
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_CHECKSUM_MALFORMED'])
  t.equal(r.errors[0]?.path, 'data/b.txt')
})

t.test('malformed manifest lines are reported with their line numbers', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  appendFileSync(join(root, 'manifest-sha256.txt'), 'just-one-token\n')
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_MANIFEST_LINE_MALFORMED'])
  t.match(r.errors[0], { source: 'manifest-sha256.txt', line: 2 })
})

t.test('1.0: a file missing from one of several manifests is an error; before 1.0 a warning', async t => {
  const make = (version: string): string => {
    const root = makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta' }, { version, algorithms: ['sha256', 'sha512'] })
    const lines = readFileSync(join(root, 'manifest-sha512.txt'), 'utf8').split('\n').filter(l => !l.endsWith('data/b.txt'))
    writeFileSync(join(root, 'manifest-sha512.txt'), lines.join('\n'))
    retag(root, ['sha256', 'sha512'])
    return root
  }
  const strict = await validate(make('1.0'))
  t.same(errorCodes(strict), ['BAG_FILE_NOT_IN_MANIFEST'])
  t.match(strict.errors[0], { path: 'data/b.txt', source: 'manifest-sha512.txt' })
  const old = await validate(make('0.97'))
  t.ok(old.valid)
  t.ok(codes(old).includes('BAG_FILE_NOT_IN_MANIFEST'))
})

t.test('a UTF-8 BOM in a manifest is an error, and the manifest is still read', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  const m = join(root, 'manifest-sha256.txt')
  writeFileSync(m, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(m)]))
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_TAGFILE_BOM'])
})

t.test('tag files are decoded in the declared encoding (ISO-8859-1 is real latin1)', async t => {
  const root = makeBag(t, { 'café.txt': 'x' })
  writeFileSync(join(root, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\n')
  writeFileSync(join(root, 'manifest-sha256.txt'), Buffer.from(`${digest('sha256', 'x')}  data/café.txt\n`, 'latin1'))
  writeFileSync(join(root, 'bag-info.txt'), Buffer.from('Payload-Oxum: 1.1\nContact-Name: Zoë\n', 'latin1'))
  retag(root)
  const r = await validate(root)
  t.same(r.errors, [])
  t.same(codes(r), ['BAG_ENCODING_NOT_UTF8'])
  t.match(r.bagInfo, [{}, { value: 'Zoë' }])
})

t.test('bytes that are not valid UTF-8 are reported', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' }, { bagInfo: null })
  writeFileSync(join(root, 'bag-info.txt'), Buffer.from([0x43, 0x3a, 0x20, 0xff, 0xfe, 0x0a]))
  retag(root)
  const r = await validate(root)
  t.ok(errorCodes(r).includes('BAG_TAGFILE_UNDECODABLE'))
})

t.test('an unknown encoding is reported and the tag files are read as UTF-8', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  writeFileSync(join(root, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: KLINGON-8\n')
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_ENCODING_UNSUPPORTED'])
})

t.test('a symlink in the payload is refused and never followed', async t => {
  const outside = scratch(t, { 'secret.txt': 'top secret' })
  const root = makeBag(t, { 'a.txt': 'alpha' })
  symlinkSync(join(outside, 'secret.txt'), join(root, 'data/secret.txt'))
  appendFileSync(join(root, 'manifest-sha256.txt'), `${digest('sha256', 'top secret')}  data/secret.txt\n`)
  retag(root)
  const r = await validate(root)
  t.ok(errorCodes(r).includes('BAG_SYMLINK'))
  t.match(r.errors.find(f => f.code === 'BAG_SYMLINK'), { path: 'data/secret.txt' })
  t.ok(errorCodes(r).includes('BAG_FILE_MISSING'), 'the link does not count as the file')
})

t.test('data/ itself as a symlink out of the bag is refused', async t => {
  const outside = scratch(t, { 'a.txt': 'alpha' })
  const root = makeBag(t, { 'a.txt': 'alpha' })
  rmSync(join(root, 'data'), { recursive: true })
  symlinkSync(outside, join(root, 'data'))
  const r = await validate(root)
  t.ok(errorCodes(r).includes('BAG_SYMLINK'))
  t.ok(errorCodes(r).includes('BAG_PAYLOAD_DIR_MISSING'))
  t.equal(r.stats.payloadFiles, 0, 'nothing behind the link was read')
})

t.test('a FIFO in the payload is refused without blocking', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  execFileSync('mkfifo', [join(root, 'data/pipe')])
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_SPECIAL_FILE'])
})

t.test('a hard-linked payload file is a warning', async t => {
  const outside = scratch(t, { 'shared.txt': 'alpha' })
  const root = makeBag(t, { 'b.txt': 'beta' })
  linkSync(join(outside, 'shared.txt'), join(root, 'data/a.txt'))
  appendFileSync(join(root, 'manifest-sha256.txt'), `${digest('sha256', 'alpha')}  data/a.txt\n`)
  writeFileSync(join(root, 'bag-info.txt'), 'Payload-Oxum: 9.2\n')
  retag(root)
  const r = await validate(root)
  t.ok(r.valid)
  t.same(codes(r), ['BAG_HARDLINK'])
})

t.test('OS junk and names Windows cannot hold are warnings', async t => {
  const r = await validate(makeBag(t, { '.DS_Store': 'x', 'Thumbs.db': 'y', 'CON.txt': 'z', 'what?.txt': 'w' }))
  t.ok(r.valid)
  t.same(r.warnings.map(f => `${f.code} ${f.path ?? ''}`).sort(), [
    'BAG_JUNK_FILE data/.DS_Store', 'BAG_JUNK_FILE data/Thumbs.db', 'BAG_NAME_NOT_PORTABLE data/CON.txt', 'BAG_NAME_NOT_PORTABLE data/what?.txt'
  ])
})

t.test('limits: a payload file 200 directories deep is valid under the default limits', async t => {
  const root = makeBag(t, { [`${'d/'.repeat(200)}plan.pdf`]: '%PDF-1.7' })
  const r = await validate(root)
  t.same(r.errors, [])
})

t.test('limits: a 1025-level nesting stops at the default maxPathDepth (1024) with a named rule', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  mkdirSync(join(root, 'data', ...Array.from({ length: 1025 }, () => 'd')), { recursive: true })
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_LIMIT_PATH_DEPTH'])
  t.match(r.errors[0]?.rule, /maxPathDepth/)
})

t.test('limits: a huge manifest line stops that file with BAG_LIMIT_LINE_LENGTH', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  appendFileSync(join(root, 'manifest-sha256.txt'), `${digest('sha256', 'x')}  data/${'x'.repeat(200_000)}\n`)
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_LIMIT_LINE_LENGTH'])
})

t.test('limits: total bytes and file count stop the walk and say so', async t => {
  const root = makeBag(t, { 'a.txt': 'a'.repeat(1000), 'b.txt': 'b'.repeat(1000), 'c.txt': 'c' })
  const big = await validate(root, { limits: { maxTotalBytes: 1500 } })
  t.ok(errorCodes(big).includes('BAG_LIMIT_TOTAL_SIZE'))
  const many = await validate(root, { limits: { maxFiles: 2 } })
  t.ok(errorCodes(many).includes('BAG_LIMIT_FILE_COUNT'))
})

t.test('a dangling symlink is refused as a link, never opened', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  symlinkSync('/nonexistent/nowhere', join(root, 'data/dangling'))
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_SYMLINK'])
})

t.test('a BagIt profile is checked in the same report', async t => {
  const parsed = parseProfile({
    'BagIt-Profile-Info': { 'BagIt-Profile-Identifier': 'https://lantai.example/p.json', 'Source-Organization': 'X', 'External-Description': 'test', Version: '1' },
    'Bag-Info': { 'Source-Organization': { required: true } },
    'Manifests-Required': ['sha512'],
    'Accept-BagIt-Version': ['1.0'],
    'Accept-Serialization': ['application/zip']
  })
  if (!parsed.ok) throw new Error(parsed.problems.join('; '))
  const r = await validate(makeBag(t, { 'a.txt': 'alpha' }), { profile: parsed.profile })
  t.same(new Set(errorCodes(r)), new Set(['BAG_PROFILE_IDENTIFIER_MISSING', 'BAG_PROFILE_TAG_REQUIRED', 'BAG_PROFILE_MANIFEST_REQUIRED']))
})

t.test('progress reports files and bytes done against the totals', async t => {
  const seen: Array<{ filesDone: number, bytesDone: number, filesTotal: number | null, bytesTotal: number | null }> = []
  await validate(makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta' }), { onProgress: p => seen.push(p) })
  t.match(seen.at(-1), { filesDone: 2, bytesDone: 9, filesTotal: 2, bytesTotal: 9 })
})

// The payload index lives on disk (payload-index.ts); these are its rules, each in one bag.
t.test('names that differ only in case are reported, naming the one listed first', async t => {
  const root = makeBag(t, { 'Plan.pdf': 'v1', 'plan.pdf': 'v2', 'other.txt': 'x' })
  const r = await validate(root)
  const collisions = r.findings.filter(f => f.code === 'BAG_NAME_CASE_COLLISION')
  t.equal(collisions.length, 1)
  t.match(collisions[0], { path: 'data/plan.pdf', message: /data\/Plan\.pdf/ })
})

t.test('one name listed in NFC and in NFD is one entry, reported as a normalization variant', async t => {
  const nfc = 'data/caf\u00e9.txt'
  const nfd = 'data/cafe\u0301.txt'
  const root = makeBag(t, { 'caf\u00e9.txt': 'coffee' }, { algorithms: ['sha256', 'sha512'] })
  writeFileSync(join(root, 'manifest-sha512.txt'), `${digest('sha512', 'coffee')}  ${nfd}\n`)
  retag(root, ['sha256', 'sha512'])
  const r = await validate(root)
  t.same(errorCodes(r), [])
  t.match(r.findings.find(f => f.code === 'BAG_NAME_NORMALIZATION_VARIANT'), { path: nfd, source: 'manifest-sha512.txt', message: new RegExp(nfc) })
  t.equal(r.stats.payloadFiles, 1)
})

t.test('a file listed twice in one manifest with two checksums is a conflict, and both are checked', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  appendFileSync(join(root, 'manifest-sha256.txt'), `${digest('sha256', 'other')}  data/a.txt\n`)
  retag(root)
  const r = await validate(root)
  t.same(errorCodes(r), ['BAG_MANIFEST_DUPLICATE_CONFLICT', 'BAG_CHECKSUM_MISMATCH'])
  t.match(r.errors[1], { path: 'data/a.txt', expected: digest('sha256', 'other'), actual: digest('sha256', 'alpha') })
})

t.test('files listed but absent are reported by the manifest that lists them first', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta' }, { algorithms: ['sha256', 'sha512'] })
  rmSync(join(root, 'data/b.txt'))
  const r = await validate(root)
  t.match(r.errors.filter(f => f.code === 'BAG_FILE_MISSING'), [{ path: 'data/b.txt', source: 'manifest-sha256.txt' }])
})
