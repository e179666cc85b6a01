import { createReadStream } from 'node:fs'
import { access, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import t from 'tap'
import { unpackArchive } from '../../src/archive/index.js'
import { assertConfined, cut, place, smallBag, tree, writeZip, zipEntries } from '../fixtures/archives.js'

const codes = (r: { findings: ReadonlyArray<{ code: string }> }): string[] => r.findings.map(f => f.code)

t.test('a zip whose bag is one top-level directory unpacks with that directory as the root', async t => {
  const p = place(t, 'bag.zip')
  await writeZip(p.archive, [{ name: 'mybag/' }, ...zipEntries(smallBag('mybag/'))])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  t.equal(result.kind, 'zip')
  t.equal(result.root, join(p.staging, 'mybag'))
  t.equal(await readFile(join(p.staging, 'mybag/data/a/b.txt'), 'utf8'), 'world!')
})

t.test('a zip of a bag\'s contents, stored and deflated, unpacks with staging itself as the root', async t => {
  const p = place(t, 'bag.zip')
  await writeZip(p.archive, zipEntries(smallBag()).map((e, i) => ({ ...e, method: i % 2 === 0 ? 0 : 8 })))
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  t.equal(result.root, p.staging)
  t.equal(await readFile(join(p.staging, 'data/hello.txt'), 'utf8'), 'hello')
})

t.test('macOS __MACOSX/ and .DS_Store at the top do not hide the single bag directory', async t => {
  const p = place(t, 'mac.zip')
  await writeZip(p.archive, [...zipEntries(smallBag('mybag/')), { name: '__MACOSX/mybag/._bagit.txt', body: 'x' }, { name: '.DS_Store', body: 'x' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  t.equal(result.root, join(p.staging, 'mybag'))
})

t.test('zip slip ("../../evil", "/tmp/evil", "..\\\\evil") is refused entry by entry as BAG_ARCHIVE_ENTRY_UNSAFE', async t => {
  const p = place(t, 'slip.zip')
  await writeZip(p.archive, [
    { name: '../../evil', body: 'pwned' },
    { name: '/tmp/evil', body: 'pwned' },
    { name: '..\\..\\evil', body: 'pwned' },
    ...zipEntries(smallBag('mybag/'))
  ])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_UNSAFE', 'BAG_ARCHIVE_ENTRY_UNSAFE', 'BAG_ARCHIVE_ENTRY_UNSAFE'])
  t.same(result.findings.map(f => f.path), ['../../evil', '/tmp/evil', '..\\..\\evil'])
  t.equal(result.root, join(p.staging, 'mybag'), 'the good entries after the hostile ones are unpacked')
  await t.rejects(access(join(p.dir, 'evil')))
  await assertConfined(t, p)
})

t.test('a zip entry whose Unix mode says symlink is refused as BAG_ARCHIVE_ENTRY_LINK', async t => {
  const p = place(t, 'link.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/x', body: '/etc/passwd', mode: 0o120777, method: 0 }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_LINK'])
  t.match(result.findings[0], { path: 'data/x' })
  t.notOk((await readdir(join(p.staging, 'data'))).includes('x'))
  await assertConfined(t, p)
})

t.test('a zip entry whose Unix mode says FIFO is refused as BAG_ARCHIVE_ENTRY_SPECIAL', async t => {
  const p = place(t, 'fifo.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/pipe', mode: 0o010644 }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_SPECIAL'])
  t.match(result.findings[0], { path: 'data/pipe' })
})

t.test('an encrypted zip entry is BAG_ARCHIVE_ENTRY_ENCRYPTED and the others are unpacked', async t => {
  const p = place(t, 'secret.zip')
  await writeZip(p.archive, [{ name: 'data/secret.pdf', body: 'ciphertext', encrypted: true }, ...zipEntries(smallBag())])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_ENCRYPTED'])
  t.match(result.findings[0], { path: 'data/secret.pdf' })
  t.equal(result.root, p.staging)
  t.notOk((await readdir(join(p.staging, 'data'))).includes('secret.pdf'))
})

t.test('a zip entry compressed with an unknown method is BAG_ARCHIVE_ENTRY_UNSUPPORTED', async t => {
  const p = place(t, 'bzip.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/c.bin', body: 'BZh9…', method: 12 }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_UNSUPPORTED'])
  t.match(result.findings[0], { path: 'data/c.bin', message: /method 12/ })
})

t.test('a duplicate zip entry is BAG_ARCHIVE_ENTRY_DUPLICATE and the first copy is kept', async t => {
  const p = place(t, 'dup.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/hello.txt', body: 'evil twin' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_ENTRY_DUPLICATE'])
  t.equal(await readFile(join(p.staging, 'data/hello.txt'), 'utf8'), 'hello')
})

t.test('a CRC-32 mismatch is BAG_ARCHIVE_CORRUPT naming the entry, and its file is removed', async t => {
  const p = place(t, 'crc.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/bad.txt', body: 'flipped', crc: 0xdeadbeef }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_CORRUPT'])
  t.match(result.findings[0], { path: 'data/bad.txt', message: /CRC-32/ })
  t.notOk((await readdir(join(p.staging, 'data'))).includes('bad.txt'))
})

t.test('a truncated zip (no central directory) is BAG_ARCHIVE_CORRUPT', async t => {
  const p = place(t, 'cut.zip')
  await writeZip(p.archive, zipEntries(smallBag()))
  await cut(p.archive, 0.7)
  const result = await unpackArchive(p.archive, p.staging)
  t.equal(result.kind, 'zip')
  t.same(codes(result), ['BAG_ARCHIVE_CORRUPT'])
  t.equal(result.root, null)
  t.same(await tree(p.staging), [])
})

t.test('a zip name without the UTF-8 flag is read as UTF-8 when it is valid, else in nameEncoding', async t => {
  const p = place(t, 'names.zip')
  await writeZip(p.archive, [
    ...zipEntries(smallBag()),
    { name: Buffer.from('data/图纸.txt', 'utf8'), body: 'a', utf8: false },
    { name: iconv.encode('data/竣工.txt', 'gbk'), body: 'b', utf8: false }
  ])
  const result = await unpackArchive(p.archive, p.staging, { nameEncoding: 'gbk' })
  t.same(result.findings, [])
  t.same((await readdir(join(p.staging, 'data'))).sort(), ['a', 'hello.txt', '图纸.txt', '竣工.txt'].sort())
})

t.test('a zip given as a stream is refused with USAGE: zip needs random access', async t => {
  const p = place(t, 'bag.zip')
  await writeZip(p.archive, zipEntries(smallBag()))
  await t.rejects(unpackArchive(createReadStream(p.archive), p.staging), { code: 'USAGE' })
})
