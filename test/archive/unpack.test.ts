import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { unpackArchive, type EntryFile, type Progress } from '../../src/archive/index.js'
import { assertConfined, cut, fileEntries, place, smallBag, tree, writeTar, writeZip, zipEntries } from '../fixtures/archives.js'

const codes = (r: { findings: ReadonlyArray<{ code: string }> }): string[] => r.findings.map(f => f.code)

/** An EntryFile that records what it is given and writes the file at end(), as ingest's hash worker does. */
function recorder (seen: Map<string, { chunks: Buffer[], size?: number, aborted?: Error }>): (path: string, target: string) => EntryFile {
  return (path, target) => {
    const record: { chunks: Buffer[], size?: number, aborted?: Error } = { chunks: [] }
    seen.set(path, record)
    return {
      // Async on purpose: the writer must wait for each update before the next chunk.
      update: async chunk => { await new Promise(resolve => setImmediate(resolve)); record.chunks.push(Buffer.from(chunk)) },
      end: async size => { record.size = size; await writeFile(target, Buffer.concat(record.chunks), { flag: 'wx' }) },
      abort: async reason => { record.aborted = reason }
    }
  }
}

t.test('onFile receives exactly the bytes of each regular file, then its size, and writes it in the unpacker\'s place', async t => {
  const p = place(t, 'bag.tar.gz')
  const files = { ...smallBag(), 'data/random.bin': randomBytes(200 * 1024).toString('base64') }
  await writeTar(p.archive, [{ name: 'data/', type: 'directory' }, ...fileEntries(files)], { gzip: true })
  const seen = new Map<string, { chunks: Buffer[], size?: number }>()
  const result = await unpackArchive(p.archive, p.staging, { onFile: recorder(seen) })
  t.same(result.findings, [])
  t.same([...seen.keys()].sort(), Object.keys(files).sort(), 'called for files only, never for the directory')
  for (const [path, body] of Object.entries(files)) {
    const record = seen.get(path)
    t.equal(Buffer.concat(record?.chunks ?? []).toString(), body, path)
    t.equal(record?.size, Buffer.byteLength(body), `${path} size`)
    t.equal(await readFile(join(p.staging, path), 'utf8'), body, `${path} on disk`)
  }
})

t.test('onFile is told the size each entry declares, from the tar header and from the zip directory', async t => {
  const files = { ...smallBag(), 'data/random.bin': randomBytes(70 * 1024).toString('base64'), 'data/empty.txt': '' }
  for (const [name, write] of [
    ['bag.tar', async (archive: string) => { await writeTar(archive, fileEntries(files)) }],
    ['bag.zip', async (archive: string) => { await writeZip(archive, zipEntries(files)) }]
  ] as const) {
    const p = place(t, name)
    await write(p.archive)
    const declared = new Map<string, number | undefined>()
    await unpackArchive(p.archive, p.staging, { onFile: (path, _target, size) => { declared.set(path, size); return undefined } })
    t.same(Object.fromEntries(declared), Object.fromEntries(Object.entries(files).map(([path, body]) => [path, Buffer.byteLength(body)])), name)
  }
})

t.test('onFile is not called for refused entries; undefined leaves the writing to the unpacker', async t => {
  const p = place(t, 'bag.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: '../evil', body: 'x' }, { name: 'data/l', body: '/etc', mode: 0o120777 }])
  const seen: string[] = []
  await unpackArchive(p.archive, p.staging, { onFile: path => { seen.push(path); return undefined } })
  t.same(seen.sort(), Object.keys(smallBag()).sort())
  t.equal(await readFile(join(p.staging, 'bagit.txt'), 'utf8'), smallBag()['bagit.txt'])
})

t.test('a file the archive breaks off inside is aborted, so its writer can remove what it wrote', async t => {
  const p = place(t, 'bag.tar')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/zeros.bin', zeros: 4 * 1024 * 1024 }])
  await cut(p.archive, 0.6)
  const seen = new Map<string, { chunks: Buffer[], size?: number, aborted?: Error }>()
  const result = await unpackArchive(p.archive, p.staging, { onFile: recorder(seen) })
  t.same(codes(result), ['BAG_ARCHIVE_CORRUPT'])
  t.ok(seen.get('data/zeros.bin')?.aborted, 'the broken entry was aborted')
  t.equal(seen.get('data/zeros.bin')?.size, undefined, 'and never ended')
})

t.test('a file the filesystem refuses on end (EEXIST) is a finding; a full disk (ENOSPC) is STAGING_FAILED', async t => {
  const failing = (code: string) => (path: string): EntryFile | undefined => path !== 'data/hello.txt'
    ? undefined
    : { update: () => {}, end: async () => { throw Object.assign(new Error(code), { code }) }, abort: async () => {} }
  const p = place(t, 'bag.tar')
  await writeTar(p.archive, fileEntries(smallBag()))
  const refused = await unpackArchive(p.archive, p.staging, { onFile: failing('EEXIST') })
  t.same(codes(refused), ['BAG_ARCHIVE_ENTRY_DUPLICATE'])
  const q = place(t, 'bag.tar')
  await writeTar(q.archive, fileEntries(smallBag()))
  await t.rejects(unpackArchive(q.archive, q.staging, { onFile: failing('ENOSPC') }), { code: 'STAGING_FAILED' })
})

t.test('onProgress reports entries and bytes, ending with the totals', async t => {
  const p = place(t, 'bag.tar.gz')
  await writeTar(p.archive, fileEntries(smallBag()), { gzip: true })
  const reports: Progress[] = []
  const result = await unpackArchive(p.archive, p.staging, { onProgress: r => reports.push(r) })
  t.ok(reports.length >= 5)
  t.match(reports.at(-1), { entries: result.entries, bytes: result.bytes, compressedBytes: Number })
})

t.test('an abort while streaming rejects with ABORTED', async t => {
  const p = place(t, 'bag.tar.gz')
  await writeTar(p.archive, [...fileEntries(smallBag()), { name: 'data/zeros.bin', zeros: 4 * 1024 * 1024 }], { gzip: true })
  const controller = new AbortController()
  const run = unpackArchive(p.archive, p.staging, {
    signal: controller.signal,
    onFile: path => path === 'data/zeros.bin' ? { update: () => { controller.abort() }, end: async () => {}, abort: async () => {} } : undefined
  })
  await t.rejects(run, { name: 'LantaiError', code: 'ABORTED' })
  await assertConfined(t, p)
})

t.test('an abort while reading a zip rejects with ABORTED', async t => {
  const p = place(t, 'bag.zip')
  await writeZip(p.archive, [...zipEntries(smallBag()), { name: 'data/zeros.bin', zeros: 4 * 1024 * 1024 }])
  const controller = new AbortController()
  const run = unpackArchive(p.archive, p.staging, {
    signal: controller.signal,
    onFile: path => path === 'data/zeros.bin' ? { update: () => { controller.abort() }, end: async () => {}, abort: async () => {} } : undefined
  })
  await t.rejects(run, { code: 'ABORTED' })
})

t.test('an abort while a streamed upload stalls before its first bytes rejects with ABORTED', async t => {
  const p = place(t, 'never.tar.gz')
  const stalled = new PassThrough() // an HTTP body whose client went quiet
  const controller = new AbortController()
  const run = unpackArchive(stalled, p.staging, { signal: controller.signal })
  setImmediate(() => controller.abort())
  await t.rejects(run, { code: 'ABORTED' })
  t.ok(stalled.destroyed, 'the upload stream is released')
})

t.test('an already aborted signal rejects with ABORTED before anything is read', async t => {
  const p = place(t, 'bag.tar')
  await writeTar(p.archive, fileEntries(smallBag()))
  await t.rejects(unpackArchive(p.archive, p.staging, { signal: AbortSignal.abort() }), { code: 'ABORTED' })
  t.same(await tree(p.staging), [])
})

t.test('a file that is not an archive is BAG_ARCHIVE_UNKNOWN_FORMAT with no root', async t => {
  const p = place(t, 'noise.bin')
  await writeFile(p.archive, randomBytes(4096))
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_UNKNOWN_FORMAT'])
  t.equal(result.root, null)
  t.same(await tree(p.staging), [])
})

t.test('two top-level directories are BAG_ARCHIVE_LAYOUT with no root', async t => {
  const p = place(t, 'two.tar')
  await writeTar(p.archive, [...fileEntries(smallBag('one/')), ...fileEntries(smallBag('two/'))])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_LAYOUT'])
  t.equal(result.root, null)
})

t.test('loose files at the top without bagit.txt are BAG_ARCHIVE_LAYOUT', async t => {
  const p = place(t, 'loose.zip')
  await writeZip(p.archive, [{ name: 'readme.txt', body: 'x' }, { name: 'data/a.txt', body: 'y' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(codes(result), ['BAG_ARCHIVE_LAYOUT'])
  t.equal(result.root, null)
})

t.test('one top-level directory without bagit.txt is still the root: the validator reports what is missing', async t => {
  const p = place(t, 'nobagit.tar')
  await writeTar(p.archive, [{ name: 'bag/data/a.txt', body: 'x' }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  t.equal(result.root, join(p.staging, 'bag'))
})

t.test('an empty archive is BAG_ARCHIVE_LAYOUT', async t => {
  const p = place(t, 'empty.zip')
  await writeZip(p.archive, [])
  const result = await unpackArchive(p.archive, p.staging)
  t.equal(result.kind, 'zip')
  t.same(codes(result), ['BAG_ARCHIVE_LAYOUT'])
})

t.test('a staging directory that is not empty is refused with STAGING_FAILED', async t => {
  const p = place(t, 'bag.tar')
  await writeTar(p.archive, fileEntries(smallBag()))
  await writeFile(join(p.staging, 'left-over'), 'x')
  await t.rejects(unpackArchive(p.archive, p.staging), { code: 'STAGING_FAILED' })
})

t.test('a staging directory that does not exist is refused with STAGING_FAILED', async t => {
  const p = place(t, 'bag.tar')
  await writeTar(p.archive, fileEntries(smallBag()))
  await t.rejects(unpackArchive(p.archive, join(p.staging, 'nope')), { code: 'STAGING_FAILED' })
})

t.test('a missing archive file is PATH_NOT_FOUND', async t => {
  const p = place(t, 'bag.tar')
  await t.rejects(unpackArchive(p.archive, p.staging), { code: 'PATH_NOT_FOUND' })
})

t.test('files are created 0644 and directories 0755 whatever modes the archive records', async t => {
  const p = place(t, 'modes.zip')
  await writeZip(p.archive, [{ name: 'bag/', mode: 0o040777 }, { name: 'bag/bagit.txt', body: 'x', mode: 0o104777 }])
  const result = await unpackArchive(p.archive, p.staging)
  t.same(result.findings, [])
  const umask = process.umask()
  t.equal((await stat(join(p.staging, 'bag'))).mode & 0o7777, 0o755 & ~umask)
  t.equal((await stat(join(p.staging, 'bag/bagit.txt'))).mode & 0o7777, 0o644 & ~umask)
})
