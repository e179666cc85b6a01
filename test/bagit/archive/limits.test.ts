import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { unpackArchive } from '../../../src/bagit/archive/index.js'
import { assertConfined, fileEntries, place, smallBag, treeBytes, writeTar, writeZip, zipEntries } from '../../fixtures/archives.js'

const MiB = 1024 * 1024
// 64 MiB of zeros compresses to about 64 KiB: a thousandfold bomb that is quick to build.
const BOMB = 64 * MiB
const codes = (r: { findings: ReadonlyArray<{ code: string }> }): string[] => r.findings.map(f => f.code)

t.test('a gzip bomb stops at maxTotalBytes with BAG_LIMIT_TOTAL_SIZE, not at a full disk', async t => {
  const p = place(t, 'bomb.tar.gz')
  await writeTar(p.archive, [...fileEntries(smallBag('bag/')), { name: 'bag/data/zeros.bin', zeros: BOMB }], { gzip: true })
  const limit = 8 * MiB
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxTotalBytes: limit } })
  t.same(codes(result), ['BAG_LIMIT_TOTAL_SIZE'])
  t.match(result.findings[0], { path: 'bag/data/zeros.bin' })
  t.ok(result.bytes <= limit, `read ${result.bytes} bytes, limit ${limit}`)
  t.ok(await treeBytes(p.staging) <= limit)
  t.notOk((await readdir(join(p.staging, 'bag/data'))).includes('zeros.bin'), 'the partial file is removed')
  await assertConfined(t, p)
})

t.test('a gzip bomb stops once past 16 MiB when it expands beyond maxCompressionRatio', async t => {
  const p = place(t, 'bomb.tar.gz')
  await writeTar(p.archive, [...fileEntries(smallBag('bag/')), { name: 'bag/data/zeros.bin', zeros: BOMB }], { gzip: true })
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxCompressionRatio: 10 } })
  t.same(codes(result), ['BAG_LIMIT_COMPRESSION_RATIO'])
  t.match(result.findings[0], { path: 'bag/data/zeros.bin' })
  t.ok(result.bytes <= 16 * MiB + 64 * 1024, `read ${result.bytes} bytes`)
  t.ok(result.bytes < BOMB)
})

t.test('a zip bomb stops at maxTotalBytes with BAG_LIMIT_TOTAL_SIZE', async t => {
  const p = place(t, 'bomb.zip')
  await writeZip(p.archive, [...zipEntries(smallBag('bag/')), { name: 'bag/data/zeros.bin', zeros: BOMB }])
  const limit = 8 * MiB
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxTotalBytes: limit } })
  t.same(codes(result), ['BAG_LIMIT_TOTAL_SIZE'])
  t.ok(result.bytes <= limit)
  t.ok(await treeBytes(p.staging) <= limit)
})

t.test('a zip entry that inflates past the size its header claims is BAG_ARCHIVE_CORRUPT, and its file is removed', async t => {
  const p = place(t, 'liar.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/zeros.bin', zeros: MiB, claimSize: 10 }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_CORRUPT'])
  t.match(result.findings[0], { path: 'data/zeros.bin' })
  t.notOk((await readdir(join(p.staging, 'data'))).includes('zeros.bin'))
})

t.test('a zip bomb stops when it expands beyond maxCompressionRatio', async t => {
  const p = place(t, 'bomb.zip')
  await writeZip(p.archive, [{ name: 'data/zeros.bin', zeros: BOMB }])
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxCompressionRatio: 10 } })
  t.same(codes(result), ['BAG_LIMIT_COMPRESSION_RATIO'])
  t.ok(result.bytes <= 16 * MiB + 64 * 1024)
})

t.test('a plain tar is never judged by compression ratio', async t => {
  const p = place(t, 'big.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/zeros.bin', zeros: 17 * MiB }])
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxCompressionRatio: 1 } })
  t.same(result.findings, [])
})

t.test('more entries than maxFiles is BAG_LIMIT_FILE_COUNT and unpacking stops there', async t => {
  const p = place(t, 'many.tar')
  const files = Array.from({ length: 10 }, (_, i) => ({ name: `data/f${i}.txt`, body: String(i) }))
  await writeTar(p.archive, files)
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxFiles: 3 } })
  t.same(codes(result), ['BAG_LIMIT_FILE_COUNT'])
  t.match(result.findings[0], { path: 'data/f3.txt' })
  t.same((await readdir(join(p.staging, 'data'))).sort(), ['f0.txt', 'f1.txt', 'f2.txt'])
})

t.test('a 200-level directory entry is BAG_LIMIT_PATH_DEPTH under the default limit of 64, and the rest is unpacked', async t => {
  const p = place(t, 'deep.tar')
  const deep = 'd/'.repeat(200)
  await writeTar(p.archive, [{ name: deep, type: 'directory' }, { name: `${deep}f.txt`, body: 'x' }, ...fileEntries(smallBag())])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_LIMIT_PATH_DEPTH', 'BAG_LIMIT_PATH_DEPTH'])
  t.equal(result.findings[0]?.path, deep.slice(0, -1))
  t.notOk((await readdir(p.staging)).includes('d'))
  t.equal(result.root, p.staging)
})

t.test('a path longer than maxPathBytes is BAG_LIMIT_PATH_LENGTH', async t => {
  const p = place(t, 'long.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: `data/${'x'.repeat(100)}/${'y'.repeat(100)}.txt`, body: 'x' }])
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxPathBytes: 128 } })
  t.same(codes(result), ['BAG_LIMIT_PATH_LENGTH'])
})
