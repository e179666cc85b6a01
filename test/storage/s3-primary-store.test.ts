import t from 'tap'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { objectRootOf, validateStorageRoot } from '../../src/ocfl/index.js'
import { S3BlobStore, parseS3StoreUrl } from '../../src/storage/index.js'
import { basicBag } from '../fixtures/bags.js'
import { freshS3Store, s3TestServers } from '../fixtures/s3-servers.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'

// The service with an S3 bucket as its primary store (LANTAI_STORE_URL), the shape of a scaled-out site
// whose workers share one S3 cluster: ingest, download, readyz and fixity go through the BlobStore
// interface alone, with no local file behind a key.

const ROOT = join(import.meta.dirname, '../..')
const rgw = s3TestServers(t).find(s => s.name === 'ceph-rgw')

if (rgw !== undefined) {
  t.test('a bag ingested into an RGW-backed store is stored as a valid OCFL object, read back, and passes fixity', async t => {
    const bucketStore = await freshS3Store(t, rgw)
    const url = new URL(rgw.endpoint)
    const s = await buildTestApp(t, {
      LANTAI_STORE_URL: `s3+http://${url.host}/${bucketStore.bucket}/${encodeURIComponent('华南')}/`,
      LANTAI_STORE_ACCESS_KEY: rgw.accessKey,
      LANTAI_STORE_SECRET_KEY: rgw.secretKey
    })
    const auth = s.auth()
    const project = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: auth, payload: { code: '2026-440106-47-01-000001', name: '珠江新城二期', unit: '某建设单位' } })
    t.equal(project.statusCode, 201, project.body)

    // 1. Ingest: the OCFL writer publishes every file with putFiles, and the digests it has go along.
    const tar = tarOf(t, basicBag(t))
    const submitted = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2026-440106-47-01-000001', headers: { ...auth, 'content-type': 'application/x-tar' }, payload: tar })
    t.equal(submitted.statusCode, 202, submitted.body)
    const sub = await s.settle((submitted.json() as { id: string }).id)
    t.match(sub, { state: 'stored', version: 1 })
    const pkg = await s.catalogue.packages.get(String(sub.packageId))
    const objectRoot = objectRootOf(pkg?.ocflId ?? '')

    // 2. The bytes are in the bucket under the prefix, each with its sha512 and SM3 beside it.
    const view = new S3BlobStore({ endpoint: rgw.endpoint, bucket: bucketStore.bucket, prefix: '华南/', credentials: { accessKey: rgw.accessKey, secretKey: rgw.secretKey } })
    t.teardown(() => { view.close() })
    const content = 'Fri Feb 26 14:26:16 EST 2016\n'
    const info = await view.describe(`${objectRoot}/v1/content/data/text-file.txt`)
    t.match(info?.digests, { sha512: createHash('sha512').update(content).digest('hex'), sm3: createHash('sm3').update(content).digest('hex') })
    const report = await validateStorageRoot(view)
    t.same([...report.errors, ...report.warnings], [], 'the storage root in the bucket validates clean')
    t.equal(report.objects, 1)

    // 3. A download streams from the bucket; readyz reads the storage root's declaration there.
    const dl = await s.app.inject({ method: 'GET', url: `/v1/packages/${String(sub.packageId)}/files/data/text-file.txt`, headers: auth })
    t.equal(dl.statusCode, 200)
    t.equal(dl.body, content)
    const ready = await s.app.inject({ method: 'GET', url: '/readyz' })
    t.equal(ready.statusCode, 200, ready.body)

    // 4. Fixity reads every file back through get() and finds them whole.
    const run = await s.app.inject({ method: 'POST', url: '/v1/fixity/runs', headers: auth, payload: {} })
    t.equal(run.statusCode, 202, run.body)
    type Round = { checked: number, ok: number, mismatches: number, missing: number }
    let last: Round | null = null
    while (last === null) {
      await Promise.all(s.runners.map(r => r.idle()))
      last = ((await s.app.inject({ method: 'GET', url: '/v1/fixity', headers: auth })).json() as { lastRound: Round | null }).lastRound
    }
    t.match(last, { mismatches: 0, missing: 0 })
    t.ok(last.checked >= 2, 'both payload files (and the stored tag files) were checked')
    t.equal(last.ok, last.checked)
  })
}

t.test('LANTAI_STORE_URL names endpoint, bucket and prefix; keys stay in their own variables', async t => {
  t.same(parseS3StoreUrl('s3+http://127.0.0.1:7480/lantai-archive/site-a'), { endpoint: 'http://127.0.0.1:7480', bucket: 'lantai-archive', prefix: 'site-a/' })
  t.same(parseS3StoreUrl('s3://rgw.gz.example/lantai/'), { endpoint: 'https://rgw.gz.example', bucket: 'lantai', prefix: '' })
  t.same(parseS3StoreUrl(`s3+https://rgw.example/lantai/${encodeURIComponent('华南')}/`), { endpoint: 'https://rgw.example', bucket: 'lantai', prefix: '华南/' })
  for (const bad of ['http://h/b', 's3+http://ak:sk@h/bucket', 's3+http://h/', 's3+http://h/UPPER', 's3+http://h/b/../x', 's3+http://h/bucket?x=1']) {
    t.equal(parseS3StoreUrl(bad), null, bad)
  }
  const config = loadConfig({ LANTAI_STORE_URL: 's3+http://127.0.0.1:7480/lantai', LANTAI_STORE_ACCESS_KEY: 'ak', LANTAI_STORE_SECRET_KEY: 'sk' }, ROOT)
  t.same([config.storeUrl, config.storeCredentials], ['s3+http://127.0.0.1:7480/lantai', { accessKey: 'ak', secretKey: 'sk' }])
  t.equal(loadConfig({}, ROOT).storeUrl, null, 'unset: the local store in LANTAI_DATA')
  const refusal = (env: Record<string, string>): Error => { try { loadConfig(env, ROOT) } catch (e) { return e as Error } throw new Error('accepted') }
  const noKey = refusal({ LANTAI_STORE_URL: 's3+http://127.0.0.1:7480/lantai', LANTAI_STORE_SECRET_KEY: 'topsecret' })
  t.match(noKey, { code: 'CONFIG_INVALID', message: /LANTAI_STORE_ACCESS_KEY/ }, 'an S3 store needs both keys')
  t.notMatch(noKey.message, /topsecret/)
  const inUrl = refusal({ LANTAI_STORE_URL: 's3+http://ak:topsecret@127.0.0.1/lantai', LANTAI_STORE_ACCESS_KEY: 'ak', LANTAI_STORE_SECRET_KEY: 'sk' })
  t.match(inUrl, { code: 'CONFIG_INVALID', message: /LANTAI_STORE_URL/ }, 'a secret put in the URL is refused')
  t.notMatch(inUrl.message, /topsecret/, 'and not echoed')
})
