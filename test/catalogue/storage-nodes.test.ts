import t from 'tap'
import type { StorageNodeInput } from '../../src/catalogue/index.js'
import { eachEngine, makeCatalogue, thrown } from './helpers.js'

// The node registry on both engines: seeded from the policy file, changed through the API, every change
// an event; the policy owns a node's settings, the operators its state.

const primary: StorageNodeInput = {
  id: 'primary', kind: 'filesystem', primary: true, endpoint: null, bucket: null, path: 'store', credentials: null,
  province: '北京', city: '北京', seismicRegion: 'NORTH_CHINA', media: 'disk', operator: '本馆', implementation: 'local-ocfl', clearance: '机密', state: 'active', capacityBytes: null
}
const shanghai: StorageNodeInput = {
  ...primary, id: 'sh-minio', kind: 's3', primary: false, endpoint: 'https://minio.sh.example', bucket: 'lantai', path: null,
  credentials: { accessKeyEnv: 'LANTAI_SH_ACCESS', secretKeyEnv: 'LANTAI_SH_SECRET' }, province: '上海', city: '上海', seismicRegion: 'SOUTH_CHINA',
  implementation: 'minio', clearance: '非密', capacityBytes: 5_000_000_000_000
}

eachEngine(t, 'policy nodes are created once, changed when the file changes, and drained when it drops them', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  t.same((await c.nodes.syncFromPolicy([primary, shanghai])).changed, ['primary', 'sh-minio'])
  t.same((await c.nodes.syncFromPolicy([primary, shanghai])).changed, [], 'the same file again changes nothing')
  t.match(await c.nodes.get('sh-minio'), { ...shanghai, source: 'policy', createdAt: '2024-05-01T00:00:00.000Z' })

  // an operator declares Shanghai lost; a restart with the same file does not bring it back
  await c.nodes.update('sh-minio', n => ({ ...n, state: 'lost' }), 'tok_admin')
  t.same((await c.nodes.syncFromPolicy([primary, { ...shanghai, operator: '上海城建档案馆' }])).changed, ['sh-minio'])
  t.match(await c.nodes.get('sh-minio'), { state: 'lost', operator: '上海城建档案馆' })

  t.same((await c.nodes.syncFromPolicy([primary])).changed, [], 'a lost node the file drops stays lost')
  await c.nodes.update('sh-minio', n => ({ ...n, state: 'active' }), 'tok_admin')
  t.same((await c.nodes.syncFromPolicy([primary])).changed, ['sh-minio'])
  t.match(await c.nodes.get('sh-minio'), { state: 'draining' }, 'a node the file no longer lists is drained, not deleted')

  const events = await c.events.list({ objectType: 'system', limit: 50, offset: 0, order: 'asc' })
  t.same(events.items.map(e => [e.type, e.objectId, e.agent]), [
    ['node.created', 'node:primary', 'system'], ['node.created', 'node:sh-minio', 'system'], ['node.lost', 'node:sh-minio', 'tok_admin'],
    ['node.changed', 'node:sh-minio', 'system'], ['node.active', 'node:sh-minio', 'tok_admin'], ['node.draining', 'node:sh-minio', 'system']
  ])
  t.match(events.items[3]!.detail, { fields: ['operator'], credentials: { accessKeyEnv: 'LANTAI_SH_ACCESS' } }, 'an event names the variables, never a key')
})

eachEngine(t, 'API nodes: an id is registered once; settings of a policy node are refused, its state is not', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.nodes.syncFromPolicy([primary])
  const made = await c.nodes.create({ ...shanghai, id: 'sh-nas', kind: 'filesystem', endpoint: null, bucket: null, credentials: null, path: '/mnt/sh' }, 'tok_admin')
  t.match(made, { id: 'sh-nas', source: 'api', capacityBytes: 5_000_000_000_000 })
  t.match(await thrown(async () => await c.nodes.create({ ...primary, primary: false }, 'tok_admin')), { code: 'NODE_EXISTS' })
  t.match(await thrown(async () => await c.nodes.update('primary', n => ({ ...n, city: '天津', province: '天津' }), 'tok_admin')), { code: 'NODE_FROM_POLICY', details: { fields: ['province', 'city'] } })
  t.match((await c.nodes.update('primary', n => ({ ...n, state: 'draining' }), 'tok_admin')).node, { state: 'draining', source: 'policy' })
  t.match(await c.nodes.update('sh-nas', n => ({ ...n }), 'tok_admin'), { changed: false }, 'nothing changed writes nothing')
  t.match(await thrown(async () => await c.nodes.update('nobody', n => n, 'tok_admin')), { code: 'NODE_NOT_FOUND' })
  t.same((await c.nodes.list()).map(n => n.id), ['primary', 'sh-nas'])
  t.same((await c.replicas.load()), [], 'no copies yet')
})
