import { randomBytes } from 'node:crypto'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import { unpackArchive } from '../../src/archive/index.js'
import { RATIO_ALLOWANCE_BYTES } from '../../src/bagit/limits.js'
import { assertConfined, deflatedZeros, fileEntries, place, smallBag, tarGzBomb, treeBytes, writeTar, writeZip, zipEntries } from '../fixtures/archives.js'

const MiB = 1024 * 1024
// 64 MiB of zeros compresses to about 64 KiB: a thousandfold bomb that is quick to build.
const BOMB = 64 * MiB
const codes = (r: { findings: ReadonlyArray<{ code: string }> }): string[] => r.findings.map(f => f.code)

t.test('a gzip bomb stops at maxTotalBytes with BAG_LIMIT_TOTAL_SIZE, not at a full disk', async t => {
  const p = place(t, 'bomb.tar.gz')
  await writeTar(p.archive, [...fileEntries(smallBag('bag/')), { name: 'bag/data/zeros.bin', zeros: BOMB }], { gzip: true })
  const limit = 8 * MiB
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxTotalBytes: limit, maxCompressionRatio: 10_000 } })
  t.same(codes(result), ['BAG_LIMIT_TOTAL_SIZE'])
  t.match(result.findings[0], { path: 'bag/data/zeros.bin' })
  t.ok(result.bytes <= limit, `read ${result.bytes} bytes, limit ${limit}`)
  t.ok(await treeBytes(p.staging) <= limit)
  t.notOk((await readdir(join(p.staging, 'bag/data'))).includes('zeros.bin'), 'the partial file is removed')
  await assertConfined(t, p)
})

t.test('a gzip bomb stops once it expands past maxCompressionRatio × the compressed bytes read so far', async t => {
  const p = place(t, 'bomb.tar.gz')
  await writeTar(p.archive, [...fileEntries(smallBag('bag/')), { name: 'bag/data/zeros.bin', zeros: BOMB }], { gzip: true })
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxCompressionRatio: 10 } })
  t.same(codes(result), ['BAG_LIMIT_COMPRESSION_RATIO'])
  t.match(result.findings[0], { path: 'bag/data/zeros.bin', message: /maxCompressionRatio is 10/ })
  // The 64 KiB archive would have allowed 640 KiB + its allowance if the whole archive counted: the
  // bound is the allowance plus ten times what zlib had consumed when the bomb was stopped.
  t.ok(result.bytes < RATIO_ALLOWANCE_BYTES + 256 * 1024, `read ${result.bytes} bytes`)
  t.ok(await treeBytes(p.staging) < RATIO_ALLOWANCE_BYTES + 256 * 1024)
})

t.test('a 64 MiB gzip bomb at the default ratio writes little more than the 1 MiB allowance to staging', async t => {
  const p = place(t, 'bomb.tar.gz')
  await writeFile(p.archive, tarGzBomb(smallBag('bag/'), 'bag/data/zeros.bin', 64))
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_LIMIT_COMPRESSION_RATIO'])
  t.match(result.findings[0], { path: 'bag/data/zeros.bin', rule: /maxCompressionRatio/ })
  // result.bytes counts every byte handed to staging, before it is written.
  t.ok(result.bytes < 2 * RATIO_ALLOWANCE_BYTES, `${result.bytes} bytes written to staging`)
  t.notOk((await readdir(join(p.staging, 'bag/data'))).includes('zeros.bin'), 'the partial file is removed')
})

t.test('a gzip bomb that arrives as one chunk is measured by what zlib inflated, not by what arrived', async t => {
  const p = place(t, 'unused')
  const bomb = tarGzBomb(smallBag('bag/'), 'bag/data/zeros.bin', 64)
  // An HTTP body can come in one piece; counting the piece would credit the whole archive at once.
  const result = await unpackArchive(Readable.from([bomb]), p.staging)
  t.same(codes(result), ['BAG_LIMIT_COMPRESSION_RATIO'])
  t.ok(result.bytes < 2 * RATIO_ALLOWANCE_BYTES, `read ${result.bytes} bytes`)
})

t.test('a zip bomb entry is judged on its own compressed bytes: incompressible entries before it earn it no credit', async t => {
  const p = place(t, 'bomb.zip')
  const noise = randomBytes(4 * MiB)
  await writeZip(p.archive, [
    ...zipEntries(smallBag('bag/')),
    { name: 'bag/data/noise.bin', body: noise, method: 0 },
    { name: 'bag/data/zeros.bin', packed: deflatedZeros(64) }
  ])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_LIMIT_COMPRESSION_RATIO'])
  t.match(result.findings[0], { path: 'bag/data/zeros.bin', message: /of this entry/ })
  t.ok(result.bytes < noise.length + 2 * RATIO_ALLOWANCE_BYTES, `${result.bytes} bytes written to staging`)
})

t.test('well-compressing files below the allowance are no bomb, however large their ratio', async t => {
  const p = place(t, 'text.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/blank.dwg', zeros: RATIO_ALLOWANCE_BYTES / 2 }, { name: 'data/blank2.dwg', zeros: RATIO_ALLOWANCE_BYTES / 2 }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
})

t.test('a package larger than the staging volume can take less its reserve fails as STAGING_FAILED, before the disk fills', async t => {
  const p = place(t, 'big.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/zeros.bin', zeros: 2 * MiB }])
  // A reserve as large as any disk: staging can take nothing.
  await t.rejects(unpackArchive(p.archive, p.staging, { limits: { stagingReserveBytes: Number.MAX_SAFE_INTEGER } }),
    { code: 'STAGING_FAILED', message: /kept in reserve/ })
  t.ok(await treeBytes(p.staging) < 64 * 1024)
})

t.test('a zip bomb stops at maxTotalBytes with BAG_LIMIT_TOTAL_SIZE', async t => {
  const p = place(t, 'bomb.zip')
  await writeZip(p.archive, [...zipEntries(smallBag('bag/')), { name: 'bag/data/zeros.bin', zeros: BOMB }])
  const limit = 8 * MiB
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxTotalBytes: limit, maxCompressionRatio: 10_000 } })
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

t.test('a zip bomb stops when it expands beyond maxCompressionRatio × the compressed bytes read so far', async t => {
  const p = place(t, 'bomb.zip')
  await writeZip(p.archive, [{ name: 'data/zeros.bin', zeros: BOMB }])
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxCompressionRatio: 10 } })
  t.same(codes(result), ['BAG_LIMIT_COMPRESSION_RATIO'])
  t.ok(result.bytes < RATIO_ALLOWANCE_BYTES + 256 * 1024, `read ${result.bytes} bytes`)
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

t.test('a 1025-level directory entry is BAG_LIMIT_PATH_DEPTH under the default limit of 1024, and the rest is unpacked', async t => {
  const p = place(t, 'deep.tar')
  const deep = 'd/'.repeat(1025)
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

t.test('a path the limits admit but that would pass PATH_MAX below staging is BAG_LIMIT_PATH_LENGTH, not a failed staging', async t => {
  const p = place(t, 'long.tar')
  // 20 segments of 200 bytes: 4 KiB of path, over Linux's PATH_MAX once under the staging directory.
  const long = `data/${Array.from({ length: 20 }, () => 'x'.repeat(200)).join('/')}/f.txt`
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: long, body: 'x' }])
  const result = await unpackArchive(p.archive, p.staging, { limits: { maxPathBytes: 8192 } })
  t.same(codes(result), ['BAG_LIMIT_PATH_LENGTH'])
  t.match(result.findings[0], { path: long, message: /PATH_MAX/ })
  t.same((await readdir(join(p.staging, 'data'))).sort(), ['a', 'hello.txt'])
})
