import t from 'tap'
import { join } from 'node:path'
import { loadNodePolicy, loadPlacementPolicy, loadSeismicZones, parseNodePolicy, parsePlacementPolicy, type SeismicZones } from '../../src/replication/index.js'

// nodes.yaml, placement.yaml and seismic-zones.yaml as an archive center writes them: the shipped files
// load, and every mistake is named by file:line:col and key, all at once.

const shipped = join(import.meta.dirname, '../../storage-policies')
const env: Record<string, string> = { LANTAI_NODE_SH_ACCESS_KEY: 'AKIAEXAMPLE', LANTAI_NODE_SH_SECRET_KEY: 'secret-example' }
const secretOf = (name: string): string | undefined => env[name]

let zones: SeismicZones
t.before(async () => { zones = await loadSeismicZones(shipped) })

const shanghai = (over = ''): string => `nodes:
  - id: sh-minio
    kind: s3
    endpoint: https://minio.sh.example.gov.cn:9000
    bucket: lantai-replica
    credentials: {accessKeyEnv: LANTAI_NODE_SH_ACCESS_KEY, secretKeyEnv: LANTAI_NODE_SH_SECRET_KEY}
    province: 上海
    city: 上海
    seismicRegion: SOUTH_CHINA
    media: disk
    operator: 上海城建档案馆
    implementation: minio
${over}`

t.test('the shipped files load: the seismic table, the primary alone, and the default rules', async t => {
  t.ok(zones.regions.has('QINGHAI_TIBET'))
  t.equal(zones.cities.get('成都')?.province, '四川')
  t.equal(zones.provinces.size, 34)
  const nodes = await loadNodePolicy(shipped, zones, secretOf)
  t.match(nodes, [{ id: 'primary', primary: true, kind: 'filesystem', path: 'store', clearance: '机密', state: 'active' }])
  const policy = await loadPlacementPolicy(shipped)
  t.match(policy.rules.非密, { copies: 3, provinces: 2, seismicRegions: 2, implementationsOrMedia: 2, encrypted: false })
  t.match(policy.rules.机密, { encrypted: true })
  t.match(policy.where('秘密', 'copies'), /placement\.yaml:\d+:\d+ tiers\.秘密\.copies$/)
})

t.test('a node definition as nodes.yaml gives it, with defaults applied', async t => {
  t.match(parseNodePolicy('nodes.yaml', shanghai(), zones, secretOf), [{
    id: 'sh-minio', kind: 's3', primary: false, endpoint: 'https://minio.sh.example.gov.cn:9000', bucket: 'lantai-replica', path: null,
    credentials: { accessKeyEnv: 'LANTAI_NODE_SH_ACCESS_KEY', secretKeyEnv: 'LANTAI_NODE_SH_SECRET_KEY' }, clearance: '非密', state: 'active', capacityBytes: null
  }])
})

t.test('an unknown region, a city placed in another province and an unset credential variable are each named by file:line:col', async t => {
  const yaml = shanghai().replace('seismicRegion: SOUTH_CHINA', 'seismicRegion: EAST_CHINA').replace('province: 上海', 'province: 江苏')
  const noKey = (name: string): string | undefined => name === 'LANTAI_NODE_SH_ACCESS_KEY' ? 'AKIA' : undefined
  const err = await t.rejects(async () => parseNodePolicy('nodes.yaml', yaml, zones, noKey), { code: 'CONFIG_INVALID' }) as unknown
  const message = (err as Error).message
  t.match(message, /nodes\.yaml:9:20 nodes\.0\.seismicRegion: EAST_CHINA is not a seismic region/)
  t.match(message, /nodes\.yaml:7:15 nodes\.0\.province: 上海 is in 上海, not 江苏/)
  t.match(message, /nodes\.yaml:6:\d+ nodes\.0\.credentials\.secretKeyEnv: LANTAI_NODE_SH_SECRET_KEY is not set/)
  t.notMatch(message, /accessKeyEnv/, 'the set variable is no problem')
})

t.test('an unknown province, a typo in a key, a second primary and a duplicate id are refused together', async t => {
  const yaml = `nodes:
  - {id: a, kind: filesystem, path: /mnt/a, province: 江東, city: 某市, seismicRegion: SOUTH_CHINA, media: disk, operator: o, implementation: x, primary: true}
  - {id: a, kind: filesystem, path: /mnt/b, province: 江苏, city: 某市, seismicRegion: SOUTH_CHINA, media: disk, operator: o, implementation: x, primary: true}
`
  await t.rejects(async () => parseNodePolicy('nodes.yaml', yaml, zones, secretOf), {
    code: 'CONFIG_INVALID',
    message: /nodes\.yaml:2:\d+ nodes\.0\.province: 江東 is not a province.*nodes\.yaml:3:\d+ nodes\.1\.id: a is declared twice.*nodes\.yaml:3:\d+ nodes\.1\.primary: only one node is the primary/
  })
  await t.rejects(async () => parseNodePolicy('nodes.yaml', shanghai('    regoin: x\n'), zones, secretOf), { code: 'CONFIG_INVALID', message: /nodes\.yaml:13:13 nodes\.0\.regoin: Unexpected property/ })
})

t.test('placement.yaml: an unencrypted classified tier and a spread wider than the copies are refused by file:line:col', async t => {
  const yaml = 'tiers:\n  秘密:\n    copies: 2\n    provinces: 3\n    encrypted: false\n'
  await t.rejects(async () => parsePlacementPolicy('placement.yaml', yaml), {
    code: 'CONFIG_INVALID',
    message: /placement\.yaml:5:16 tiers\.秘密\.encrypted: 秘密 copies leave the primary only encrypted.*placement\.yaml:4:16 tiers\.秘密\.provinces: 3 provinces need at least as many copies/
  })
  await t.rejects(async () => parsePlacementPolicy('placement.yaml', 'tiers:\n  绝密: {copies: 5}\n'), { code: 'CONFIG_INVALID', message: /placement\.yaml:2:7 tiers\.绝密: Unexpected property/ })
  t.match(parsePlacementPolicy('placement.yaml', '').rules.秘密, { copies: 3, encrypted: true }, 'no file: the default rules')
})
