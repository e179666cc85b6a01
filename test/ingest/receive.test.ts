import t from 'tap'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Digests } from '../../src/hashing/index.js'
import { describeHead, manifestAlgorithmOf, packageSha256, sniffUpload } from '../../src/ingest/receive.js'

const sha = (s: string): string => createHash('sha512').update(s).digest('hex')
const listing = (entries: Array<[string, string]>): Map<string, { digests: Digests }> =>
  new Map(entries.map(([path, content]) => [path, { digests: { sha512: sha(content) } }]))

t.test('a name holding a line break cannot make one bag\'s package digest equal another\'s', async t => {
  // One file whose name spells a second listing line, against the two files that line describes.
  const forged = listing([[`data/a\n${sha('b')}  data/b`, 'a']])
  const honest = listing([['data/a', 'a'], ['data/b', 'b']])
  t.not(packageSha256(forged), packageSha256(honest))
})

t.test('a payload manifest is known by its name outside data/, wherever the bag root sits in the archive', async t => {
  t.equal(manifestAlgorithmOf('manifest-sha256.txt'), 'sha256')
  t.equal(manifestAlgorithmOf('bag/manifest-sha1.txt'), 'sha1')
  t.equal(manifestAlgorithmOf('bag/tagmanifest-sha1.txt'), undefined, 'a tag manifest lists tag files, not the payload')
  t.equal(manifestAlgorithmOf('bag/data/manifest-md5.txt'), undefined, 'a payload file of that name declares nothing')
  t.equal(manifestAlgorithmOf('data/manifest-md5.txt'), undefined)
})

t.test('sniffing an upload gives every byte back, however the body was chunked', async t => {
  const body = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(2000, 7)])
  const pieces = Array.from({ length: Math.ceil(body.length / 100) }, (_, i) => body.subarray(i * 100, i * 100 + 100))
  const sniffed = await sniffUpload(Readable.from(pieces))
  t.equal(sniffed.kind, 'tar.gz')
  const chunks: Buffer[] = []
  for await (const c of sniffed.body) chunks.push(c as Buffer)
  t.same(Buffer.concat(chunks), body)
})

t.test('what is not an archive is named by its first bytes', async t => {
  t.match(describeHead(Buffer.from('Rar!\x1a\x07\x00', 'latin1')), /52 61 72 21 1a 07 00 \(a RAR archive\)/)
  t.match(describeHead(Buffer.from([0, 1, 2, 3])), /^the first bytes are 00 01 02 03; not tar/)
})
