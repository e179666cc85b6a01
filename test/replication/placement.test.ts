import t from 'tap'
import type { StorageNode } from '../../src/catalogue/index.js'
import { assess, defaultRule, place, type PlacementRule } from '../../src/replication/index.js'

// The placement engine on small node sets: it keeps good copies, adds as few nodes as meet the rule,
// prefers diversity then spare room, and says in both languages what no choice can meet.

const node = (id: string, over: Partial<StorageNode> = {}): StorageNode => ({
  id, kind: 's3', primary: false, endpoint: `https://${id}.example`, bucket: 'lantai', path: null, credentials: null,
  province: '北京', city: '北京', seismicRegion: 'NORTH_CHINA', media: 'disk', operator: 'op', implementation: 'minio',
  clearance: '非密', state: 'active', capacityBytes: null, source: 'api', createdAt: '', updatedAt: '', ...over
})

const rule: PlacementRule = defaultRule('非密')
const primary = node('primary', { primary: true, kind: 'filesystem', path: 'store', implementation: 'local-ocfl', clearance: '机密' })
const shanghai = node('sh', { province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA' })
const chengdu = node('cd', { province: '四川', city: '成都', seismicRegion: 'QINGHAI_TIBET', implementation: 'ceph-rgw' })
const tianjin = node('tj', { province: '天津', city: '天津' })
const beijing2 = node('bj2', { implementation: 'ceph-rgw' })

t.test('the primary and two remote nodes in other provinces and regions meet the default rule', async t => {
  const p = place({ nodes: [primary, shanghai, chengdu, tianjin], rule, tier: '非密', held: ['primary'] })
  t.same(p.keep, ['primary'])
  t.same(p.add.length, 2)
  t.same(p.unmet, [])
  t.notOk(p.encrypt)
})

t.test('with six nodes it finds the one pair that spans two regions and a second implementation', async t => {
  // only 'cd' brings a second region; with it, two copies more make three
  const nodes = [primary, tianjin, beijing2, node('bj3'), node('hb', { province: '河北', city: '石家庄' }), chengdu]
  const p = place({ nodes, rule, tier: '非密', held: ['primary'] })
  t.ok(p.add.includes('cd'), 'the only node outside NORTH_CHINA is chosen')
  t.equal(p.add.length, 2)
  t.same(p.unmet, [])
})

t.test('between equally diverse choices, the node with more spare room wins', async t => {
  const full = node('sh-full', { province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA', implementation: 'ceph-rgw', capacityBytes: 10 })
  const roomy = node('sh-roomy', { province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA', implementation: 'ceph-rgw', capacityBytes: 10_000 })
  const spare = new Map([['sh-full', 10], ['sh-roomy', 10_000]])
  const p = place({ nodes: [primary, full, roomy, tianjin], rule, tier: '非密', held: ['primary'], spare })
  t.same(p.add.sort(), ['sh-roomy', 'tj'])
})

t.test('copies already verified are kept and not placed again', async t => {
  const p = place({ nodes: [primary, shanghai, chengdu], rule, tier: '非密', held: ['primary', 'sh'] })
  t.same(p.keep, ['primary', 'sh'])
  t.same(p.add, ['cd'])
})

t.test('draining and lost nodes hold no copy that counts and take no new one', async t => {
  const nodes = [primary, { ...shanghai, state: 'lost' as const }, { ...chengdu, state: 'draining' as const }, tianjin]
  const p = place({ nodes, rule, tier: '非密', held: ['primary', 'sh', 'cd'] })
  t.same(p.keep, ['primary'])
  t.same(p.add, ['tj'])
  t.match(p.unmet, [{ rule: 'copies', required: 3, found: 2 }, { rule: 'seismicRegions', required: 2, found: 1 }])
})

t.test('a rule no set of nodes can satisfy is reported with why, in English and Chinese', async t => {
  const p = place({ nodes: [primary, tianjin], rule, tier: '非密', held: ['primary'] })
  t.same(p.add, ['tj'], 'as near as the nodes allow')
  t.match(p.unmet, [
    { rule: 'copies', required: 3, found: 2, en: /2 good copies .* at least 3/, zh: /2 份有效副本.*至少 3/ },
    { rule: 'seismicRegions', required: 2, found: 1, en: /1 seismic region;/, zh: /1 个地震区/ }
  ])
})

t.test('classified copies go only to cleared nodes, encrypted; a copy on an uncleared node is a violation', async t => {
  const secretRule = defaultRule('秘密')
  const cleared = [{ ...shanghai, clearance: '秘密' as const }, { ...chengdu, clearance: '机密' as const }]
  const p = place({ nodes: [primary, ...cleared, tianjin], rule: secretRule, tier: '秘密', held: ['primary'] })
  t.same(p.add.sort(), ['cd', 'sh'])
  t.ok(p.encrypt)
  t.notOk(p.add.includes('tj'), 'a 非密 node never takes a 秘密 copy')
  const unmet = assess({ nodes: [primary, tianjin], rule: secretRule, tier: '秘密', held: ['primary', 'tj'] })
  t.match(unmet[0], { rule: 'clearance', found: 1, en: 'copies on nodes not cleared for 秘密: tj', zh: '副本位于未获秘密授权的节点：tj' })
})

t.test('implementations or media: disk and tape of one implementation are enough', async t => {
  const tape = node('tape', { kind: 'filesystem', path: '/mnt/tape', province: '湖北', city: '武汉', seismicRegion: 'SOUTH_CHINA', media: 'tape', implementation: 'local-ocfl' })
  const disk = node('disk', { kind: 'filesystem', path: '/mnt/nas', province: '湖北', city: '武汉', seismicRegion: 'SOUTH_CHINA', implementation: 'local-ocfl' })
  t.same(assess({ nodes: [primary, tape, disk], rule, tier: '非密', held: ['primary', 'tape', 'disk'] }), [])
  t.match(assess({ nodes: [primary, disk], rule: { ...rule, copies: 2 }, tier: '非密', held: ['primary', 'disk'] }), [{ rule: 'implementationsOrMedia', found: 1 }])
})
