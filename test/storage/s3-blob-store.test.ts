import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { resolveS3Credentials, S3BlobStore } from '../../src/storage/index.js'
import { freshS3Store, removeTestBucket, s3TestServers, testBucketName } from '../fixtures/s3-servers.js'
import { blobStoreContract } from './contract.js'

// S3BlobStore against two real, different S3 implementations (issue 16 items 1 and 9): Ceph RGW and
// OpenStack Swift with s3api, started by scripts/s3-test-servers.ts.

const MiB = 1024 * 1024
const servers = s3TestServers(t)

const read = async (stream: NodeJS.ReadableStream): Promise<string> => await text(stream as NodeJS.ReadableStream & AsyncIterable<Uint8Array>)
const sha512 = (data: Uint8Array | string): string => createHash('sha512').update(data).digest('hex')

for (const server of servers) {
  t.test(`on ${server.name}`, async t => {
    t.test('S3BlobStore meets the BlobStore contract', async t => {
      blobStoreContract(t, async t => await freshS3Store(t, server))
    })

    t.test('S3BlobStore under a key prefix meets the contract too, and lists without the prefix', async t => {
      blobStoreContract(t, async t => await freshS3Store(t, server, { prefix: '南宁站/' }))
    })

    t.test('two stores sharing a bucket under different prefixes see only their own keys', async t => {
      const a = await freshS3Store(t, server, { prefix: 'site-a/' })
      const b = new S3BlobStore({ endpoint: server.endpoint, bucket: a.bucket, prefix: 'site-b/', credentials: { accessKey: server.accessKey, secretKey: server.secretKey } })
      t.teardown(() => { b.close() })
      await a.putBytes('k', 'from a')
      await b.putBytes('k', 'from b')
      t.equal(await read(await a.get('k')), 'from a')
      await b.deletePrefix('')
      const keys: string[] = []
      for await (const k of a.list('')) keys.push(k)
      t.same(keys, ['k'], 'deleting all of b leaves a alone')
    })

    t.test('Chinese metadata values round-trip, beside the digests kept for comparing replicas', async t => {
      const store = await freshS3Store(t, server)
      const key = '项目/房建-2026/竣工图 第1册.pdf'
      await store.putBytes(key, '竣工图', { metadata: { title: '竣工图（第一册）：兰台 100% 完成', unit: 'ABC' } })
      const info = await store.describe(key)
      t.same(info?.metadata, { title: '竣工图（第一册）：兰台 100% 完成', unit: 'ABC' })
      t.same(info?.digests, { sha512: sha512('竣工图') }, 'sha512 computed by the store when the caller gives none')
      t.equal(info?.size, Buffer.byteLength('竣工图'))
      t.equal(await store.describe('项目/absent'), null)
    })

    t.test('putFile keeps the digests its caller passes, and a file larger than the part size goes up in real parts', async t => {
      const store = await freshS3Store(t, server, { partSize: 5 * MiB })
      const dir = t.testdir({})
      const data = randomBytes(11 * MiB + 17)
      const src = join(dir, 'big.bin')
      await writeFile(src, data)
      const digests = { sha512: sha512(data), sm3: createHash('sm3').update(data).digest('hex') }
      await store.putFile('大文件/big.bin', src, { digests })
      const info = await store.describe('大文件/big.bin')
      // 11 MiB in 5 MiB parts is three parts; minio-js numbers parts from 2, which every server accepts.
      t.match(info?.etag, /-3$/, 'a multipart ETag names its three parts')
      t.same(info?.digests, digests)
      t.equal(info?.size, data.length)
      const back = createHash('sha512')
      for await (const chunk of await store.get('大文件/big.bin') as AsyncIterable<Buffer>) back.update(chunk)
      t.equal(back.digest('hex'), digests.sha512, 'the bytes read back are the bytes sent')
      const tail: Buffer[] = []
      for await (const chunk of await store.get('大文件/big.bin', { start: 6 * MiB - 5, end: 6 * MiB + 4 }) as AsyncIterable<Buffer>) tail.push(chunk)
      t.same(Buffer.concat(tail), data.subarray(6 * MiB - 5, 6 * MiB + 5), 'a range across a part boundary')
    })

    t.test('list and deletePrefix go page by page through more keys than one page holds', async t => {
      const store = await freshS3Store(t, server, { listPageSize: 7 })
      const keys = Array.from({ length: 30 }, (_, i) => `批次/${String(i).padStart(3, '0')}`)
      for (const k of keys) await store.putBytes(k, k)
      await store.putBytes('other', 'x')
      const listed: string[] = []
      for await (const k of store.list('批次/')) listed.push(k)
      t.same(listed.sort(), keys)
      await store.deletePrefix('批次/')
      const left: string[] = []
      for await (const k of store.list('')) left.push(k)
      t.same(left, ['other'])
    })

    t.test('a wrong secret is STORAGE_CREDENTIALS_REJECTED', async t => {
      const good = await freshS3Store(t, server)
      await good.putBytes('k', 'v')
      const bad = new S3BlobStore({ endpoint: server.endpoint, bucket: good.bucket, credentials: { accessKey: server.accessKey, secretKey: 'not-the-secret' } })
      t.teardown(() => { bad.close() })
      await t.rejects(bad.putBytes('k2', 'v'), { code: 'STORAGE_CREDENTIALS_REJECTED' })
      await t.rejects(bad.get('k'), { code: 'STORAGE_CREDENTIALS_REJECTED' })
      await t.rejects(bad.stat('k'), { code: 'STORAGE_CREDENTIALS_REJECTED' })
      await t.rejects(async () => { for await (const _ of bad.list('')) { /* walk */ } }, { code: 'STORAGE_CREDENTIALS_REJECTED' })
    })

    t.test('processes starting together all make the same new bucket without error', async t => {
      const bucket = testBucketName()
      const credentials = { accessKey: server.accessKey, secretKey: server.secretKey }
      const stores = [1, 2, 3].map(() => new S3BlobStore({ endpoint: server.endpoint, bucket, credentials }))
      t.teardown(async () => { for (const s of stores) s.close(); await removeTestBucket(server, bucket) })
      await Promise.all(stores.map(async s => { await s.ensureBucket() }))
      await stores[0]?.putBytes('k', 'v')
      t.equal((await stores[2]?.stat('k'))?.size, 1, 'one bucket, seen by all')
    })

    t.test('a bucket that does not exist is STORAGE_BUCKET_MISSING', async t => {
      const store = new S3BlobStore({ endpoint: server.endpoint, bucket: `lantai-absent-${randomBytes(4).toString('hex')}`, credentials: { accessKey: server.accessKey, secretKey: server.secretKey } })
      t.teardown(() => { store.close() })
      await t.rejects(store.putBytes('k', 'v'), { code: 'STORAGE_BUCKET_MISSING' })
    })
  })
}

t.test('an endpoint nobody listens on is STORAGE_UNREACHABLE, a transient error', async t => {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  const store = new S3BlobStore({ endpoint: `http://127.0.0.1:${port}`, bucket: 'lantai-b', credentials: { accessKey: 'a', secretKey: 's' } })
  t.teardown(() => { store.close() })
  const err = await store.putBytes('k', 'v').catch((e: unknown) => e)
  t.match(err, { code: 'STORAGE_UNREACHABLE', details: { endpoint: `http://127.0.0.1:${port}` } })
  t.equal((err as { transient?: boolean }).transient, true)
  await t.rejects(store.stat('k'), { code: 'STORAGE_UNREACHABLE' })
})

t.test('a server that accepts connections but never answers is given up after the timeout (STORAGE_UNREACHABLE)', async t => {
  // A stopped (SIGSTOP) or wedged server: the kernel accepts, nothing replies.
  const sockets: Socket[] = []
  const silent = createServer(socket => { sockets.push(socket) })
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  t.teardown(() => { for (const s of sockets) s.destroy(); silent.close() })
  const { port } = silent.address() as { port: number }
  const store = new S3BlobStore({ endpoint: `http://127.0.0.1:${port}`, bucket: 'lantai-b', credentials: { accessKey: 'a', secretKey: 's' }, timeoutMs: 300 })
  t.teardown(() => { store.close() })
  await t.rejects(store.get('k'), { code: 'STORAGE_UNREACHABLE' })
  await t.rejects(store.putBytes('k', 'v'), { code: 'STORAGE_UNREACHABLE' })
})

t.test('credentials come from the environment variables a node names, never from the definition itself', async t => {
  const ref = { accessKeyVar: 'LANTAI_S3_GZ_ACCESS_KEY', secretKeyVar: 'LANTAI_S3_GZ_SECRET_KEY' }
  t.same(resolveS3Credentials(ref, { LANTAI_S3_GZ_ACCESS_KEY: 'ak', LANTAI_S3_GZ_SECRET_KEY: 'sk' }), { accessKey: 'ak', secretKey: 'sk' })
  t.throws(() => resolveS3Credentials(ref, { LANTAI_S3_GZ_ACCESS_KEY: 'ak' }), { code: 'STORAGE_CREDENTIALS_MISSING', details: { variables: ['LANTAI_S3_GZ_SECRET_KEY'] } })
})

t.test('a server that falls silent in the middle of an object fails the read with STORAGE_UNREACHABLE, not with a short object', async t => {
  // Answers 200 with 100 bytes announced, sends 10, then nothing.
  const sockets: Socket[] = []
  const stalling = createServer(socket => {
    sockets.push(socket)
    socket.once('data', () => { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/octet-stream\r\n\r\n0123456789') })
  })
  stalling.listen(0, '127.0.0.1')
  await once(stalling, 'listening')
  t.teardown(() => { for (const s of sockets) s.destroy(); stalling.close() })
  const { port } = stalling.address() as { port: number }
  const store = new S3BlobStore({ endpoint: `http://127.0.0.1:${port}`, bucket: 'lantai-b', credentials: { accessKey: 'a', secretKey: 's' }, timeoutMs: 300 })
  t.teardown(() => { store.close() })
  const body = await store.get('k')
  await t.rejects(read(body), { code: 'STORAGE_UNREACHABLE' })
})
