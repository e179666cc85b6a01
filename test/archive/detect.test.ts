import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { detectArchiveKind, sniffArchiveKind } from '../../src/archive/index.js'
import { fileEntries, smallBag, writeTar, writeZip } from '../fixtures/archives.js'

t.test('detectArchiveKind knows tar, tar.gz and zip by their first bytes, whatever the file is called', async t => {
  const dir = t.testdir()
  await writeTar(join(dir, 'a'), fileEntries(smallBag()))
  await writeTar(join(dir, 'b'), fileEntries(smallBag()), { gzip: true })
  await writeZip(join(dir, 'c'), [{ name: 'bagit.txt', body: 'x' }])
  await writeZip(join(dir, 'd'), [])
  t.equal(await detectArchiveKind(join(dir, 'a')), 'tar')
  t.equal(await detectArchiveKind(join(dir, 'b')), 'tar.gz')
  t.equal(await detectArchiveKind(join(dir, 'c')), 'zip')
  t.equal(await detectArchiveKind(join(dir, 'd')), 'zip', 'an empty zip starts with PK\\x05\\x06')
})

t.test('random bytes, an empty file and a short text are not archives', async t => {
  const dir = t.testdir({ empty: '', text: 'BagIt-Version: 1.0\n' })
  await writeFile(join(dir, 'noise'), randomBytes(4096))
  t.equal(await detectArchiveKind(join(dir, 'noise')), null)
  t.equal(await detectArchiveKind(join(dir, 'empty')), null)
  t.equal(await detectArchiveKind(join(dir, 'text')), null)
})

t.test('a pre-POSIX (v7) tar header is recognised by its checksum', async t => {
  const header = Buffer.alloc(512)
  header.write('bagit.txt', 0, 'latin1')
  header.write('0000644\0', 100, 'latin1')
  header.write('00000000012\0', 124, 'latin1')
  header.fill(0x20, 148, 156)
  const sum = header.reduce((n, b) => n + b, 0)
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  t.equal(sniffArchiveKind(header), 'tar')
  header[0] = 0x41 // the checksum no longer matches
  t.equal(sniffArchiveKind(header), null)
})
