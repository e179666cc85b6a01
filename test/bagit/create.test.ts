import t from 'tap'
import { lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { createBag } from '../../src/bagit/create.js'
import { loadProfile, validateBag } from '../../src/bagit/index.js'
import { isLantaiError } from '../../src/errors.js'
import { digest, scratch } from '../fixtures/bags.js'

const PROFILE = join(import.meta.dirname, '../../storage-policies/bagit-profile.json')
const CENTER_INFO = [
  { label: 'Source-Organization', value: '上海某置业有限公司' },
  { label: 'Contact-Name', value: '王芳' },
  { label: 'Project-Code', value: '2019-310104-47-01-000123' },
  { label: 'Project-Name', value: '滨江花园二期' },
  { label: 'Transfer-Type', value: 'initial' }
]

const listing = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).sort()

async function codeOf (p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e)
  return isLantaiError(err) ? err.code : `not a LantaiError: ${String(err)}`
}

t.test('a folder is bagged in place: its files move into data/, with manifests, tag manifests and bag-info', async t => {
  const dir = scratch(t, { 'a.txt': 'alpha\n', '竣工图/总平面图.pdf': '%PDF-1.7' })
  const made = await createBag(dir, { now: new Date('2026-11-24T10:00:00Z') })
  t.match(made, { root: dir, files: 2, bytes: 14, algorithms: ['sha512', 'sha256'] })
  t.same(listing(dir), ['bag-info.txt', 'bagit.txt', 'data', 'data/a.txt', 'data/竣工图', 'data/竣工图/总平面图.pdf',
    'manifest-sha256.txt', 'manifest-sha512.txt', 'tagmanifest-sha256.txt', 'tagmanifest-sha512.txt'])
  t.equal(readFileSync(join(dir, 'bagit.txt'), 'utf8'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')
  t.equal(readFileSync(join(dir, 'manifest-sha256.txt'), 'utf8'),
    `${digest('sha256', 'alpha\n')}  data/a.txt\n${digest('sha256', '%PDF-1.7')}  data/竣工图/总平面图.pdf\n`)
  t.equal(readFileSync(join(dir, 'bag-info.txt'), 'utf8'), 'Bagging-Date: 2026-11-24\nPayload-Oxum: 14.2\n')
  t.match(readFileSync(join(dir, 'tagmanifest-sha512.txt'), 'utf8'), / {2}bagit\.txt\n.* {2}bag-info\.txt\n.* {2}manifest-sha512\.txt\n.* {2}manifest-sha256\.txt\n$/s)
  const report = await validateBag(dir)
  t.same(report.findings, [])
  t.same(readdirSync(join(dir, '..')).filter(n => n.includes('bagging')), [], 'no staging directory is left beside it')
})

t.test('--into makes the bag in a new folder and leaves the source untouched', async t => {
  const src = scratch(t, { 'a.txt': 'alpha' })
  const into = join(scratch(t), 'bag')
  const made = await createBag(src, { into, algorithms: ['sha256'] })
  t.equal(made.root, into)
  t.same(listing(src), ['a.txt'])
  t.same(listing(into), ['bag-info.txt', 'bagit.txt', 'data', 'data/a.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt'])
  t.equal(readFileSync(join(into, 'data/a.txt'), 'utf8'), 'alpha')
  t.equal(await codeOf(createBag(src, { into })), 'BAG_CREATE_TARGET_EXISTS', 'an existing target is never overwritten')
})

t.test('the center profile: its required tags come from --info, its identifier is filled in, and the bag meets it', async t => {
  const profile = await loadProfile(PROFILE)
  const dir = scratch(t, { 'a.txt': 'alpha' })
  await createBag(dir, { profile, info: CENTER_INFO, algorithms: ['sm3'] })
  const info = readFileSync(join(dir, 'bag-info.txt'), 'utf8')
  t.match(info, /^Source-Organization: 上海某置业有限公司\n/)
  t.match(info, /BagIt-Profile-Identifier: https:\/\/lantai\.example\/profiles\/construction-submission\/v1\.json\n/)
  t.ok(lstatSync(join(dir, 'manifest-sha256.txt')).isFile(), 'the profile\'s required sha256 is added to the algorithms asked for')
  t.ok(lstatSync(join(dir, 'manifest-sm3.txt')).isFile())
  t.same((await validateBag(dir, { profile })).errors, [])
})

t.test('a missing required tag is BAG_CREATE_TAG_MISSING naming every one, and the folder is left as it was', async t => {
  const profile = await loadProfile(PROFILE)
  const dir = scratch(t, { 'a.txt': 'alpha' })
  const err = await createBag(dir, { profile, info: CENTER_INFO.slice(0, 2) }).then(() => null, (e: unknown) => e)
  t.ok(isLantaiError(err) && err.code === 'BAG_CREATE_TAG_MISSING')
  t.same((isLantaiError(err) ? err.details.missing as Array<{ label: string }> : []).map(m => m.label), ['Project-Code', 'Project-Name', 'Transfer-Type'])
  t.same(listing(dir), ['a.txt'])
})

t.test('a bag that fails our validator is undone: the folder is exactly what it was, and nothing is left beside it', async t => {
  const profile = await loadProfile(PROFILE)
  const parent = scratch(t, { 'demo/a.txt': 'alpha', 'demo/sub/b.txt': 'beta' })
  const dir = join(parent, 'demo')
  const info = CENTER_INFO.map(i => i.label === 'Transfer-Type' ? { ...i, value: 'whenever' } : i)
  const err = await createBag(dir, { profile, info }).then(() => null, (e: unknown) => e)
  t.ok(isLantaiError(err) && err.code === 'BAG_CREATE_RESULT_INVALID')
  t.match(isLantaiError(err) ? err.details.findings : [], [{ code: 'BAG_PROFILE_TAG_VALUE' }])
  t.same(listing(parent), ['demo', 'demo/a.txt', 'demo/sub', 'demo/sub/b.txt'])
})

t.test('links and special files are refused, all named at once, before anything moves', async t => {
  const dir = scratch(t, { 'a.txt': 'alpha' })
  symlinkSync('/etc/passwd', join(dir, 'passwd'))
  symlinkSync('a.txt', join(dir, 'again'))
  const err = await createBag(dir).then(() => null, (e: unknown) => e)
  t.ok(isLantaiError(err) && err.code === 'BAG_CREATE_SOURCE_INVALID')
  t.match((err as Error).message, /again \(a link\), passwd \(a link\)|passwd \(a link\), again \(a link\)/)
  t.same(listing(dir), ['a.txt', 'again', 'passwd'])
})

t.test('a path that is not a folder is refused', async t => {
  t.equal(await codeOf(createBag('/no/such/folder')), 'PATH_NOT_FOUND')
  const dir = scratch(t, { 'a.txt': 'alpha' })
  t.equal(await codeOf(createBag(join(dir, 'a.txt'))), 'BAG_CREATE_SOURCE_INVALID')
})

t.test('a name with % or a newline is percent-encoded in the manifests (RFC 8493 §2.1.3) and the bag is valid', async t => {
  const dir = scratch(t, { '100%.txt': 'full', 'two\nlines.txt': 'odd' })
  await createBag(dir, { algorithms: ['sha256'] })
  const manifest = readFileSync(join(dir, 'manifest-sha256.txt'), 'utf8')
  t.match(manifest, / {2}data\/100%25\.txt\n/)
  t.match(manifest, / {2}data\/two%0Alines\.txt\n/)
  t.same((await validateBag(dir)).errors, [])
})
