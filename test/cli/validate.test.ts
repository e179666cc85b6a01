import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lantai } from '../fixtures/cli.js'
import { basicBag, makeBag, scratch } from '../fixtures/bags.js'
import { fileEntries, smallBag, tree, writeTar, writeZip, zipEntries } from '../fixtures/archives.js'

t.test('a valid directory bag: exit 0 and a VALID report', async t => {
  const r = lantai(['validate', makeBag(t, { 'plan.pdf': '%PDF-1.7' })])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^VALID 有效 .*BagIt 1\.0, directory, 1 payload files/)
})

t.test('an invalid bag: exit 1, one line per finding, and --json gives the same findings', async t => {
  const root = makeBag(t, { 'plan.pdf': '%PDF-1.7', 'spec.txt': 'spec' })
  writeFileSync(join(root, 'data/plan.pdf'), '%PDF-1.7 changed')
  const text = lantai(['validate', root])
  t.equal(text.code, 1)
  t.match(text.stdout, /BAG_CHECKSUM_MISMATCH data\/plan\.pdf: the file's checksum does not match the manifest: data\/plan\.pdf: sha256 expected [0-9a-f]{64} found [0-9a-f]{64}/)
  t.match(text.stdout, /BAG_INFO_OXUM_MISMATCH bag-info\.txt/)
  const json = lantai(['validate', root, '--json'])
  t.equal(json.code, 1)
  const report = JSON.parse(json.stdout) as { valid: boolean, errors: Array<{ code: string, path: string, message: string }>, warnings: unknown[] }
  t.equal(report.valid, false)
  t.same(report.errors.map(e => e.code).sort(), ['BAG_CHECKSUM_MISMATCH', 'BAG_INFO_OXUM_MISMATCH'])
  t.match(report.errors[0], { code: String, path: String, message: String })
})

t.test('--lang zh prints the Chinese wording', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  writeFileSync(join(root, 'data/a.txt'), 'other')
  t.match(lantai(['validate', root, '--lang', 'zh']).stdout, /文件摘要与清单不符/)
})

t.test('tar, tar.gz and zip packages are validated like the directory they hold', async t => {
  const root = makeBag(t, { 'plan.pdf': '%PDF-1.7' })
  const out = scratch(t)
  execFileSync('tar', ['-cf', join(out, 'bag.tar'), '-C', root, '.'])
  execFileSync('tar', ['-czf', join(out, 'bag.tar.gz'), '-C', root, '.'])
  for (const name of ['bag.tar', 'bag.tar.gz']) {
    const r = lantai(['validate', join(out, name), '--json'])
    t.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`)
    t.match(JSON.parse(r.stdout), { valid: true, serialization: name === 'bag.tar' ? 'tar' : 'tar.gz' })
  }
})

t.test('a zip made by the zip tool and a GBK-named zip from Chinese Windows are validated', async t => {
  const root = makeBag(t, { '竣工图/总平面图.pdf': '%PDF-1.7' })
  const out = scratch(t)
  execFileSync('zip', ['-qr', join(out, 'bag.zip'), '.'], { cwd: root })
  const r = lantai(['validate', join(out, 'bag.zip'), '--json'])
  t.equal(r.code, 0, r.stdout)
  t.match(JSON.parse(r.stdout), { valid: true, serialization: 'zip' })
  // Windows Explorer in a Chinese locale writes names in GBK without the UTF-8 flag: the bag is valid
  // only if data/工程.txt is read back under its real name.
  const files = smallBag('bag/')
  files['bag/manifest-sha256.txt'] += `${createHash('sha256').update('x').digest('hex')}  data/工程.txt\n`
  files['bag/bag-info.txt'] = 'Payload-Oxum: 12.3\n'
  const gbk = [...zipEntries(files).map(e => ({ ...e, utf8: false })), { name: Buffer.concat([Buffer.from('bag/data/'), Buffer.from([0xb9, 0xa4, 0xb3, 0xcc]), Buffer.from('.txt')]), body: 'x', utf8: false }]
  await writeZip(join(out, 'gbk.zip'), gbk)
  const g = lantai(['validate', join(out, 'gbk.zip'), '--json'])
  t.equal(g.code, 0, g.stdout)
})

t.test('hostile archives are refused with a named rule (exit 1) and nothing lands outside staging', async t => {
  const out = scratch(t)
  const staging = scratch(t)
  const victim = join(out, 'victim')
  const good = fileEntries(smallBag())
  await writeTar(join(out, 'slip.tar'), [...good, { name: '../victim', body: 'pwned' }])
  await writeTar(join(out, 'link.tar.gz'), [...good, { name: 'data/passwd', type: 'symlink', linkname: '/etc/passwd' }], { gzip: true })
  await writeZip(join(out, 'slip.zip'), [...zipEntries(smallBag()), { name: '../../victim', body: 'pwned' }])
  await writeTar(join(out, 'bomb.tar.gz'), [...good, { name: 'data/zeros.bin', zeros: 32 * 1024 * 1024 }], { gzip: true })
  await writeTar(join(out, 'big.tar'), [...good, { name: 'data/big.bin', body: randomBytes(5 * 1024 * 1024) }])
  const cases: Array<[string, string, string[]]> = [
    ['slip.tar', 'BAG_ARCHIVE_ENTRY_UNSAFE', []],
    ['link.tar.gz', 'BAG_ARCHIVE_ENTRY_LINK', []],
    ['slip.zip', 'BAG_ARCHIVE_ENTRY_UNSAFE', []],
    // measured against the compressed bytes read so far, a bomb stops long before its 32 MiB
    ['bomb.tar.gz', 'BAG_LIMIT_COMPRESSION_RATIO', []],
    ['big.tar', 'BAG_LIMIT_TOTAL_SIZE', ['--max-total-bytes', String(4 * 1024 * 1024)]]
  ]
  for (const [name, code, extra] of cases) {
    const r = lantai(['validate', join(out, name), '--json', '--staging', staging, ...extra])
    t.equal(r.code, 1, name)
    const report = JSON.parse(r.stdout) as { errors: Array<{ code: string, rule: string }> }
    t.ok(report.errors.some(e => e.code === code && e.rule.startsWith('Lantai')), `${name}: ${code}`)
  }
  t.same(await tree(staging), [], 'staging is emptied after each run')
  t.throws(() => readdirSync(victim), 'nothing was written outside staging')
})

t.test('a file that is not an archive is an invalid package (exit 1), not a usage error', async t => {
  const file = join(scratch(t), 'notes.txt')
  writeFileSync(file, 'this is not a bag')
  const r = lantai(['validate', file, '--json'])
  t.equal(r.code, 1)
  t.match(JSON.parse(r.stdout), { valid: false, errors: [{ code: 'BAG_ARCHIVE_UNKNOWN_FORMAT' }] })
})

t.test('usage errors and unopenable paths exit 2 with a message naming the problem', async t => {
  const missing = lantai(['validate', '/no/such/bag'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /PATH_NOT_FOUND.*\/no\/such\/bag/)
  const none = lantai(['validate'])
  t.equal(none.code, 2)
  t.match(none.stderr, /give exactly one package path/)
  const flag = lantai(['validate', '.', '--bogus'])
  t.equal(flag.code, 2)
  t.match(flag.stderr, /Unknown option '--bogus'/)
  const badProfile = lantai(['validate', makeBag(t, { 'a.txt': 'a' }), '--profile', '/no/profile.json'])
  t.equal(badProfile.code, 2)
  t.match(badProfile.stderr, /PROFILE_INVALID/)
  t.equal(lantai(['frobnicate']).code, 2)
})

t.test('every command has --help', async t => {
  const top = lantai(['--help'])
  t.equal(top.code, 0)
  t.match(top.stdout, /validate/)
  const v = lantai(['validate', '--help'])
  t.equal(v.code, 0)
  t.match(v.stdout, /usage: lantai validate <dir\|tar\|tar\.gz\|zip>/)
})

t.test('the center profile rejects a plain bag and names what is missing', async t => {
  const r = lantai(['validate', makeBag(t, { 'a.txt': 'a' }), '--profile', 'storage-policies/bagit-profile.json', '--json'])
  t.equal(r.code, 1)
  const codes = (JSON.parse(r.stdout) as { errors: Array<{ code: string }> }).errors.map(e => e.code)
  t.ok(codes.includes('BAG_PROFILE_IDENTIFIER_MISSING'))
  t.ok(codes.includes('BAG_PROFILE_TAG_REQUIRED'))
})

t.test('a bag is read in place and nothing is written into it', async t => {
  const bag = basicBag(t, { corrupt: true })
  const before = readdirSync(bag, { recursive: true }).length
  const r = lantai(['validate', bag])
  t.equal(r.code, 1)
  t.equal(readdirSync(bag, { recursive: true }).length, before)
})
