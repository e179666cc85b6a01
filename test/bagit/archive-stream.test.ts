import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HashPool } from '../../src/hashing/hash.js'
import { validatePackage, type PackageReport } from '../../src/bagit/package.js'
import { validateArchiveAsStream } from '../../src/bagit/archive-stream.js'
import { digest, makeBag, retag, scratch, writeFile, type TestLike } from '../fixtures/bags.js'

// A tar or tar.gz is validated as a stream (src/bagit/archive-stream.ts): its payload is hashed as it is
// read and never written. Whatever the way in, a bag gets the same findings as the same bag as a
// directory.
const pool = new HashPool({ workers: 2 })
t.teardown(() => pool.close())

const findings = (r: PackageReport): string[] => r.findings.map(f => `${f.severity} ${f.code} ${f.path ?? ''}`).sort()

/** `tar` over the bag's own entries, in the order given (default: the directory's, as `tar -C root .`). */
function pack (t: TestLike, root: string, name: string, entries: readonly string[] = ['.']): string {
  const out = join(scratch(t), name)
  execFileSync('tar', [name.endsWith('.gz') ? '-czf' : '-cf', out, '-C', root, ...entries])
  return out
}

t.test('a bag with many defects: the same findings as a directory, as a tar.gz and as a tar with a top-level directory', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha', 'b.txt': 'beta', 'c.txt': 'gamma', 'sub/d.txt': 'delta', 'Case.txt': 'one', 'case.txt': 'two' }, { algorithms: ['sha256', 'sha512'] })
  writeFileSync(join(root, 'data/a.txt'), 'ALPHA') // corrupt
  rmSync(join(root, 'data/b.txt')) // missing
  writeFileSync(join(root, 'data/extra.txt'), 'x') // unlisted
  writeFileSync(join(root, 'data/.DS_Store'), 'junk') // junk, unlisted
  mkdirSync(join(root, 'data/empty')) // an empty directory: nothing to report
  writeFile(root, 'manifest-sha512.txt', `${digest('sha512', 'wrong')}  data/c.txt\n${digest('sha512', 'delta')}  data/sub/d.txt\n`)
  retag(root, ['sha256'])

  const asDirectory = await validatePackage(root, { pool })
  t.notOk(asDirectory.valid)
  t.ok(findings(asDirectory).length >= 6, 'the defects are found')

  const archive = pack(t, root, 'bag.tar.gz')
  t.not(await validateArchiveAsStream(archive, 'tar.gz', { pool }), null, 'read as a stream, not unpacked')
  const tgz = await validatePackage(archive, { pool })
  t.equal(tgz.serialization, 'tar.gz')
  t.same(findings(tgz), findings(asDirectory))
  t.same(tgz.stats.payloadFiles, asDirectory.stats.payloadFiles)
  t.same(tgz.stats.payloadBytes, asDirectory.stats.payloadBytes)

  // The bag in one top-level directory (RFC 8493 §4.2), as `tar -cf bag.tar mybag` makes it.
  const parent = scratch(t)
  execFileSync('cp', ['-a', root, join(parent, 'mybag')])
  const tar = await validatePackage(pack(t, parent, 'bag.tar', ['mybag']), { pool })
  t.equal(tar.serialization, 'tar')
  t.same(findings(tar), findings(asDirectory))
})

t.test('manifests after the files they list: the archive is read again for the algorithms still missing', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha', 'sub/b.txt': 'beta' }, { algorithms: ['md5', 'sha384'] })
  const tagFiles = readdirSync(root).filter(n => n !== 'data')
  // data/ first: no manifest is known while the payload goes by.
  const good = await validatePackage(pack(t, root, 'late.tar.gz', ['data', ...tagFiles]), { pool })
  t.same(good.errors, [])
  t.ok(good.valid)
  t.same(good.stats.payloadAlgorithms, ['md5', 'sha384'])

  writeFileSync(join(root, 'data/sub/b.txt'), 'BETA')
  const bad = await validatePackage(pack(t, root, 'late-bad.tar.gz', ['data', ...tagFiles]), { pool })
  t.same(bad.errors.map(f => `${f.code} ${f.path ?? ''} ${String(f.algorithm)}`).sort(), [
    'BAG_CHECKSUM_MISMATCH data/sub/b.txt md5',
    'BAG_CHECKSUM_MISMATCH data/sub/b.txt sha384'
  ])
})

t.test('a payload-like tag directory (data/ inside a tag directory) is unpacked and validated as before', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' }, { tagFiles: { 'meta/data/notes.txt': 'a tag file in a tag directory' } })
  const asDirectory = await validatePackage(root, { pool })
  const archive = pack(t, root, 'tagdir.tar.gz')
  t.equal(await validateArchiveAsStream(archive, 'tar.gz', { pool }), null, 'the stream path declines it')
  const tgz = await validatePackage(archive, { pool })
  t.ok(asDirectory.valid)
  t.same(findings(tgz), findings(asDirectory))
  t.ok(tgz.valid)
})

t.test('the archive\'s own findings still come first: a link entry is refused and reported', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  execFileSync('ln', ['-s', 'a.txt', join(root, 'data/link.txt')])
  const r = await validatePackage(pack(t, root, 'link.tar.gz'), { pool })
  t.match(r.findings[0], { code: 'BAG_ARCHIVE_ENTRY_LINK', path: 'data/link.txt' })
  t.notOk(r.valid)
})
