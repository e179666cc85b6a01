import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { access, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import { unpackArchive } from '../../src/archive/index.js'
import { assertConfined, cut, fileEntries, place, smallBag, tree, writeTar } from '../fixtures/archives.js'

const codes = (r: { findings: ReadonlyArray<{ code: string }> }): string[] => r.findings.map(f => f.code)

t.test('a tar of a bag\'s contents ("./bagit.txt" …) unpacks with staging itself as the root', async t => {
  const p = place(t, 'bag.tar')
  await writeTar(p.archive, [{ name: './', type: 'directory' }, ...fileEntries(smallBag('./'))])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  t.equal(result.kind, 'tar')
  t.equal(result.root, p.staging)
  t.equal(await readFile(join(p.staging, 'data/a/b.txt'), 'utf8'), 'world!')
  t.equal(result.bytes, Object.values(smallBag()).reduce((n, s) => n + Buffer.byteLength(s), 0))
})

t.test('a tar.gz whose bag is one top-level directory unpacks with that directory as the root', async t => {
  const p = place(t, 'bag.tar.gz')
  await writeTar(p.archive, [{ name: 'mybag/', type: 'directory' }, ...fileEntries(smallBag('mybag/'))], { gzip: true })
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  t.equal(result.kind, 'tar.gz')
  t.equal(result.root, join(p.staging, 'mybag'))
  t.same(await tree(p.staging), ['mybag/', 'mybag/bag-info.txt', 'mybag/bagit.txt', 'mybag/data/', 'mybag/data/a/', 'mybag/data/a/b.txt', 'mybag/data/hello.txt', 'mybag/manifest-sha256.txt'])
})

t.test('a tar.gz read from a stream (an HTTP body) unpacks like the file, its kind sniffed from the first bytes', async t => {
  const p = place(t, 'bag.tar.gz')
  await writeTar(p.archive, fileEntries(smallBag('mybag/')), { gzip: true })
  // Small chunks: the sniffing must gather 512 bytes across several of them and replay them.
  const result = await unpackArchive(createReadStream(p.archive, { highWaterMark: 100 }), p.staging)
  t.same(result.findings, [])
  t.equal(result.kind, 'tar.gz')
  t.equal(result.root, join(p.staging, 'mybag'))
  t.equal(await readFile(join(p.staging, 'mybag/data/hello.txt'), 'utf8'), 'hello')
})

t.test('a plain tar read from a stream is sniffed by its ustar magic', async t => {
  const p = place(t, 'bag.tar')
  await writeTar(p.archive, fileEntries(smallBag('mybag/')))
  const bytes = await readFile(p.archive)
  const result = await unpackArchive(Readable.from([bytes.subarray(0, 300), bytes.subarray(300)]), p.staging)
  t.same(result.findings, [])
  t.equal(result.kind, 'tar')
  t.equal(result.root, join(p.staging, 'mybag'))
})

t.test('a 200-character name (carried in a pax header) is unpacked whole', async t => {
  const p = place(t, 'bag.tar')
  const long = `bag/data/${'n'.repeat(200)}.txt`
  await writeTar(p.archive, [...fileEntries(smallBag('bag/')), { name: long, body: 'long' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  t.equal(await readFile(join(p.staging, long), 'utf8'), 'long')
})

t.test('tar slip "../../evil" is refused as BAG_ARCHIVE_ENTRY_UNSAFE and the rest is unpacked', async t => {
  const p = place(t, 'slip.tar')
  await writeTar(p.archive, [{ name: '../../evil', body: 'pwned' }, { name: 'bag/../../../evil2', body: 'pwned' }, ...fileEntries(smallBag('bag/'))])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_UNSAFE', 'BAG_ARCHIVE_ENTRY_UNSAFE'])
  t.match(result.findings[0], { path: '../../evil', message: /\.\./ })
  t.match(result.findings[1], { path: 'bag/../../../evil2' })
  t.equal(result.root, join(p.staging, 'bag'))
  await t.rejects(access(join(p.dir, 'evil')))
  await assertConfined(t, p)
})

t.test('an absolute name "/tmp/evil" is refused as BAG_ARCHIVE_ENTRY_UNSAFE', async t => {
  const p = place(t, 'abs.tar')
  const target = `/tmp/lantai-evil-${process.pid}-${randomBytes(4).toString('hex')}`
  await writeTar(p.archive, [{ name: target, body: 'pwned' }, ...fileEntries(smallBag())])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_UNSAFE'])
  t.match(result.findings[0], { path: target, message: /absolute/ })
  await t.rejects(access(target))
  await assertConfined(t, p)
})

t.test('a symlink entry pointing outside is refused as BAG_ARCHIVE_ENTRY_LINK and never created', async t => {
  const p = place(t, 'link.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/x', type: 'symlink', linkname: '/etc/passwd' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_LINK'])
  t.match(result.findings[0], { path: 'data/x', message: /-> \/etc\/passwd/ })
  t.notOk((await readdir(join(p.staging, 'data'))).includes('x'))
  await assertConfined(t, p)
})

t.test('a hard-link entry is refused as BAG_ARCHIVE_ENTRY_LINK', async t => {
  const p = place(t, 'hard.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/copy', type: 'link', linkname: 'data/hello.txt' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_LINK'])
  t.match(result.findings[0], { path: 'data/copy' })
  t.notOk((await readdir(join(p.staging, 'data'))).includes('copy'))
})

t.test('FIFO and character-device entries are refused as BAG_ARCHIVE_ENTRY_SPECIAL', async t => {
  const p = place(t, 'special.tar')
  await writeTar(p.archive, [
    { name: 'data/pipe', type: 'fifo' },
    { name: 'data/null', type: 'character-device', devmajor: 1, devminor: 3 },
    ...fileEntries(smallBag())
  ])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_SPECIAL', 'BAG_ARCHIVE_ENTRY_SPECIAL'])
  t.same(result.findings.map(f => f.path), ['data/pipe', 'data/null'])
  t.same((await readdir(join(p.staging, 'data'))).sort(), ['a', 'hello.txt'])
})

t.test('a path given twice is BAG_ARCHIVE_ENTRY_DUPLICATE and the first copy is kept', async t => {
  const p = place(t, 'dup.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/hello.txt', body: 'evil twin' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_DUPLICATE'])
  t.match(result.findings[0], { path: 'data/hello.txt' })
  t.equal(await readFile(join(p.staging, 'data/hello.txt'), 'utf8'), 'hello')
})

t.test('an entry below a file entry is BAG_ARCHIVE_ENTRY_UNSAFE', async t => {
  const p = place(t, 'under.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/hello.txt/inner', body: 'x' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_UNSAFE'])
  t.match(result.findings[0], { path: 'data/hello.txt/inner', message: /parent data\/hello\.txt is a file/ })
})

t.test('a truncated tar.gz is BAG_ARCHIVE_CORRUPT naming the entry being read, and its partial file is removed', async t => {
  const p = place(t, 'cut.tar.gz')
  // Random bytes do not compress, so cutting the archive in half cuts this entry.
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/big.bin', body: randomBytes(256 * 1024) }], { gzip: true })
  await cut(p.archive, 0.5)
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_CORRUPT'])
  t.match(result.findings[0], { path: 'data/big.bin' })
  t.notOk((await readdir(join(p.staging, 'data'))).includes('big.bin'))
  t.equal(result.root, p.staging, 'what was read is still laid out for inspection')
})

t.test('a truncated plain tar is BAG_ARCHIVE_CORRUPT naming the entry being read', async t => {
  const p = place(t, 'cut.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/big.bin', body: randomBytes(64 * 1024) }])
  await cut(p.archive, 0.6)
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_CORRUPT'])
  t.match(result.findings[0], { path: 'data/big.bin' })
  t.notOk((await readdir(join(p.staging, 'data'))).includes('big.bin'))
})

t.test('a tar whose header checksum is wrong is BAG_ARCHIVE_CORRUPT after the last good entry', async t => {
  const p = place(t, 'bad.tar')
  await writeTar(p.archive, [{ name: 'a.txt', body: 'a' }, { name: 'b.txt', body: 'b' }])
  const bytes = await readFile(p.archive)
  bytes[1024] = 0x41 // the second header's name: its checksum no longer matches
  await writeFile(p.archive, bytes)
  const result = await unpackArchive(p.archive, p.staging, { kind: 'tar' })
  t.same(codes(result), ['BAG_ARCHIVE_CORRUPT'])
  t.match(result.findings[0], { path: 'a.txt', message: /after this entry/ })
  t.same(await tree(p.staging), ['a.txt'])
})
