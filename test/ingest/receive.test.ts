import t from 'tap'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Digests } from '../../src/hashing/index.js'
import { describeHead, packageSha256, sniffUpload } from '../../src/ingest/receive.js'

const sha = (s: string): string => createHash('sha256').update(s).digest('hex')
const listing = (entries: Array<[string, string]>): Map<string, { digests: Digests }> =>
  new Map(entries.map(([path, content]) => [path, { digests: { sha256: sha(content) } as unknown as Digests }]))

t.test('a name holding a line break cannot make one bag\'s package digest equal another\'s', async t => {
  // One file whose name spells a second listing line, against the two files that line describes.
  const forged = listing([[`data/a\n${sha('b')}  data/b`, 'a']])
  const honest = listing([['data/a', 'a'], ['data/b', 'b']])
  t.not(packageSha256(forged), packageSha256(honest))
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
