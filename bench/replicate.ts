// Part 7 of `npm run bench`: replication (issue 16 item 10). The bench bag is ingested once by `lantai
// serve` on a fresh data directory whose nodes.yaml declares one Ceph RGW node (started by the project's
// own scripts/s3-test-servers.ts) as `draining`; the service is stopped, and a child process
// (replicate-run.ts) turns the node on and runs the queue until the version's copy is `verified`: every
// file streamed to the node, read back from it and its sha512 compared with the catalogue's. The peer is
// what an operator would run by hand over the same storage root, to the same server, another bucket:
// `rclone copy`, then `rclone check --download` (both sides read and compared byte for byte), under
// /usr/bin/time for its peak RSS. One run each: every run of ours needs a node that holds nothing yet.
import { randomBytes } from 'node:crypto'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Client } from 'minio'
import { readState, startServers, stopServers, type S3ServerState } from '../scripts/s3-test-servers.js'
import { PROJECT } from './ingest.js'
import { settle, startServiceChild, upload } from './service.js'
import { fmtBytes, mbps, progress, REPO, run, warm } from './util.js'

const NODE = 'bench-rgw'
const ACCESS_ENV = 'LANTAI_BENCH_RGW_ACCESS_KEY'
const SECRET_ENV = 'LANTAI_BENCH_RGW_SECRET_KEY'

export interface ReplicateSide { ms: number, bytes: number, files: number, maxRssMB: number, outcome: string }
export interface ReplicateOutcome {
  lantai: ReplicateSide
  rcloneCopy: ReplicateSide
  rcloneCheck: ReplicateSide
  /** the store's content as rclone sees it (every file under the storage root) */
  endpoint: string
  wrong: boolean
}

interface ReplicateRun { ms: number, files: number, bytes: number, state: string, verified: boolean, maxRssMB: number }

export async function benchReplicate (root: string, tarFile: string): Promise<ReplicateOutcome> {
  progress('replicate: starting the S3 test servers (scripts/s3-test-servers.ts)')
  const before = readState()
  const state = await startServers()
  const ours = before === null || before.startedAt !== state.startedAt
  const rgw = state.servers.find(s => s.name === 'ceph-rgw')
  const buckets: string[] = []
  try {
    if (rgw === undefined) throw new Error('no Ceph RGW among the S3 test servers (Debian radosgw ceph-mon ceph-osd)')
    const tag = randomBytes(3).toString('hex')
    const lantaiBucket = `lantai-bench-${tag}`
    const rcloneBucket = `rclone-bench-${tag}`
    const admin = adminClient(rgw)
    for (const b of [lantaiBucket, rcloneBucket]) { await admin.makeBucket(b); buckets.push(b) }

    const dataDir = join(root, 'data-replicate')
    const policiesDir = join(root, 'policies-replicate')
    await mkdir(dataDir)
    await writePolicies(policiesDir, rgw, lantaiBucket)
    process.env[ACCESS_ENV] = rgw.accessKey
    process.env[SECRET_ENV] = rgw.secretKey

    // 1. Ingest, not timed here (part 2 times it); the node is draining, so nothing is copied yet.
    progress('replicate: ingesting the bag (not timed)')
    const service = await startServiceChild({ dataDir, policiesDir })
    try {
      const project = await service.api('POST', '/v1/projects', { code: PROJECT, name: 'bench project', unit: 'bench' })
      if (project.status !== 201) throw new Error(`POST /v1/projects: ${project.status} ${JSON.stringify(project.body)}`)
      const res = await upload(service, `/v1/submissions?project=${PROJECT}`, tarFile)
      if (res.status !== 202) throw new Error(`POST /v1/submissions: ${res.status} ${JSON.stringify(res.body)}`)
      const sub = await settle(service, (res.body as { id: string }).id)
      if (sub.state !== 'stored') throw new Error(`the bag ended ${sub.state}, not stored`)
    } finally {
      await service.stop()
    }
    const store = join(dataDir, 'store')
    progress('replicate: warming the page cache for the store')
    await warm(store)

    // 2. Ours: the node turned on, the copy queued, sent, read back, verified.
    progress('replicate: lantai, queue → verified')
    // The child opens the data directory as `lantai replicate run` would: through LANTAI_* alone.
    process.env.LANTAI_DATA = dataDir
    process.env.LANTAI_POLICIES = policiesDir
    process.env.LANTAI_LOG_LEVEL = 'warn'
    const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'replicate-run.ts'), NODE], REPO)
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as ReplicateRun
    const lantai: ReplicateSide = { ms: r.ms, bytes: r.bytes, files: r.files, maxRssMB: r.maxRssMB, outcome: r.verified && r.state === 'done' ? 'verified' : `NOT verified (${r.state})` }

    // 3. The peer over the same files (the whole storage root), to the same server, its own bucket.
    const conf = join(root, 'rclone.conf')
    await writeFile(conf, `[rgw]\ntype = s3\nprovider = Ceph\nendpoint = ${rgw.endpoint}\naccess_key_id = ${rgw.accessKey}\nsecret_access_key = ${rgw.secretKey}\n`, { mode: 0o600 })
    const listing = await run('sh', ['-c', "find . -type f -printf '%s\\n'"], store)
    const sizes = listing.trim().split('\n').filter(l => l !== '').map(Number)
    const peerBytes = sizes.reduce((a, b) => a + b, 0)
    await warm(store)
    progress('replicate: rclone copy')
    const copy = await timedRclone(root, ['copy', '--config', conf, store, `rgw:${rcloneBucket}/store`])
    await warm(store)
    progress('replicate: rclone check --download')
    const check = await timedRclone(root, ['check', '--download', '--config', conf, store, `rgw:${rcloneBucket}/store`])
    const peer = (t: { ms: number, maxRssMB: number, ok: boolean }, good: string): ReplicateSide =>
      ({ ms: t.ms, bytes: peerBytes, files: sizes.length, maxRssMB: t.maxRssMB, outcome: t.ok ? good : 'FAILED' })
    return {
      lantai,
      rcloneCopy: peer(copy, 'copied'),
      rcloneCheck: peer(check, 'matched'),
      endpoint: rgw.endpoint,
      wrong: lantai.outcome !== 'verified' || !copy.ok || !check.ok
    }
  } finally {
    if (ours) {
      stopServers()
    } else if (rgw !== undefined) {
      // Servers someone else runs (a test run's) are left running, without our buckets.
      for (const b of buckets) await removeBucket(adminClient(rgw), b).catch(() => {})
    }
    for (const name of [ACCESS_ENV, SECRET_ENV, 'LANTAI_DATA', 'LANTAI_POLICIES', 'LANTAI_LOG_LEVEL']) Reflect.deleteProperty(process.env, name)
  }
}

/** The repository's policies, with the RGW node beside the primary, a rule of two copies, and no decision step. */
async function writePolicies (dir: string, rgw: S3ServerState, bucket: string): Promise<void> {
  await cp(join(REPO, 'storage-policies'), dir, { recursive: true })
  const nodes = await readFile(join(dir, 'nodes.yaml'), 'utf8')
  const primary = nodes.slice(nodes.indexOf('nodes:'), nodes.indexOf('# Remote copies'))
  await writeFile(join(dir, 'nodes.yaml'), `${primary}  - id: ${NODE}
    kind: s3
    endpoint: ${rgw.endpoint}
    bucket: ${bucket}
    credentials: {accessKeyEnv: ${ACCESS_ENV}, secretKeyEnv: ${SECRET_ENV}}
    province: 上海
    city: 上海
    seismicRegion: SOUTH_CHINA
    media: disk
    operator: bench
    implementation: ceph-rgw
    clearance: 秘密
    state: draining
`)
  // The bag is to be stored at once, not wait for an archivist's decision (notice (六)).
  const acceptance = await readFile(join(dir, 'acceptance.yaml'), 'utf8')
  const decided = acceptance.replace(/^decision:\n {2}required: true$/m, 'decision:\n  required: false')
  if (decided === acceptance) throw new Error('storage-policies/acceptance.yaml no longer says decision.required: true where the bench looks')
  await writeFile(join(dir, 'acceptance.yaml'), decided)
  await writeFile(join(dir, 'placement.yaml'), 'tiers:\n  非密: {copies: 2, provinces: 2, seismicRegions: 2, implementationsOrMedia: 2, encrypted: false}\n')
}

async function timedRclone (root: string, argv: readonly string[]): Promise<{ ms: number, maxRssMB: number, ok: boolean }> {
  const rss = join(root, 'rclone.rss')
  // rclone 1.60's AWS SDK refuses any AWS_CA_BUNDLE with its own HTTP transport (LoadCustomCABundleError);
  // the server is plain HTTP on loopback, so the bundle is dropped for rclone's run and put back after.
  const bundle = process.env.AWS_CA_BUNDLE
  Reflect.deleteProperty(process.env, 'AWS_CA_BUNDLE')
  const started = performance.now()
  let ok = true
  await run('/usr/bin/time', ['-o', rss, '-f', '%M', 'rclone', '--log-level', 'ERROR', ...argv], root, true).catch((err: unknown) => {
    process.stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`)
    ok = false
  })
  const ms = Math.round(performance.now() - started)
  if (bundle !== undefined) process.env.AWS_CA_BUNDLE = bundle
  const kB = Number(/(\d+)\s*$/.exec(await readFile(rss, 'utf8').catch(() => ''))?.[1] ?? NaN)
  return { ms, maxRssMB: Math.round(kB / 1024), ok }
}

function adminClient (s: S3ServerState): Client {
  const url = new URL(s.endpoint)
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: s.accessKey, secretKey: s.secretKey, region: 'us-east-1', pathStyle: true })
}

async function removeBucket (admin: Client, bucket: string): Promise<void> {
  const names: string[] = []
  for await (const o of admin.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) if (o.name !== undefined) names.push(o.name)
  for (let i = 0; i < names.length; i += 1000) await admin.removeObjects(bucket, names.slice(i, i + 1000))
  await admin.removeBucket(bucket)
}

/** The part's table: ours, the peer's two steps and their sum, and the ratio that is the goal. */
export function replicateRows (o: ReplicateOutcome): string[][] {
  const row = (side: string, s: ReplicateSide, note = ''): string[] =>
    [side, String(s.files), fmtBytes(s.bytes), String(s.ms), mbps(s.bytes, s.ms).toFixed(0), String(s.maxRssMB), s.outcome, note]
  const peerMs = o.rcloneCopy.ms + o.rcloneCheck.ms
  const ratio = peerMs / o.lantai.ms
  const sum: ReplicateSide = { ...o.rcloneCopy, ms: peerMs, maxRssMB: Math.max(o.rcloneCopy.maxRssMB, o.rcloneCheck.maxRssMB), outcome: o.rcloneCheck.outcome }
  return [
    row('lantai (queue → verified, read back)', o.lantai, `rclone/lantai = ${ratio.toFixed(2)} ${ratio >= 1 ? 'PASS' : 'FAIL'}`),
    row('rclone copy', o.rcloneCopy, `rclone copy/lantai = ${(o.rcloneCopy.ms / o.lantai.ms).toFixed(2)}`),
    row('rclone check --download', o.rcloneCheck),
    row('rclone copy + check', sum)
  ]
}
