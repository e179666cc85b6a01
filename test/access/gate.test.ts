import t from 'tap'
import { ACTIONS, authorize, authorizeRoles, labelOf, tierOfPackage, visibleTiers, type Tier } from '../../src/access/index.js'
import type { Principal, Role } from '../../src/auth/roles.js'
import { ROLES } from '../../src/auth/roles.js'
import { isLantaiError } from '../../src/errors.js'
import { writtenTable } from './access-table.js'

const who = (role: Role, clearance: Tier = '非密'): Principal => ({ tokenId: 'tok_x', role, label: role, clearance, accountId: null, via: 'token' })

t.test('the table in code is the table written in docs/access.md, row for row', async t => {
  const written = writtenTable()
  t.same([...written.keys()].sort(), Object.keys(ACTIONS).sort(), 'the same actions')
  for (const [action, rule] of Object.entries(ACTIONS)) {
    t.same(written.get(action), { action, roles: ROLES.filter(r => (rule.roles as readonly string[]).includes(r)), tiered: rule.tiered }, action)
  }
})

t.test('authorize allows exactly the roles of the action\'s row, and refuses the rest with a reason', async t => {
  for (const [action, rule] of Object.entries(ACTIONS)) {
    for (const role of ROLES) {
      const d = authorize(who(role), action)
      if ((rule.roles as readonly string[]).includes(role)) t.same(d, { allowed: true, action }, `${role} ${action}`)
      else t.same(d, { allowed: false, action, reason: 'ROLE_NOT_ALLOWED', hide: false }, `${role} ${action}`)
    }
  }
  t.match(authorize(who('admin'), 'package.delete.everything'), { allowed: false, reason: 'ACTION_UNKNOWN' })
  t.match(authorizeRoles(who('reader'), 'GET /v1/x', ['admin']), { allowed: false, reason: 'ROUTE_ROLE_NOT_ALLOWED' })
})

t.test('an object above the caller\'s clearance is refused as hidden, at or below it is allowed', async t => {
  const tiers: Tier[] = ['非密', '秘密', '机密']
  for (const clearance of tiers) {
    for (const tier of tiers) {
      const d = authorize(who('reader', clearance), 'package.read', { kind: 'package', id: 'pkg_1', tier })
      const above = tiers.indexOf(tier) > tiers.indexOf(clearance)
      t.same(d, above ? { allowed: false, action: 'package.read', reason: 'ABOVE_CLEARANCE', hide: true } : { allowed: true, action: 'package.read' }, `${clearance} reads ${tier}`)
    }
  }
  t.same(visibleTiers('秘密'), ['非密', '秘密'])
})

t.test('a file\'s label comes from its metadata, its scope item and its project', async t => {
  t.same(labelOf('data/a.pdf', {}), { tier: '非密', pipelineSurvey: false, mapSheets: [], areaKm2: null })
  t.equal(labelOf('data/a.pdf', { metadata: { classification: '公开' } }).tier, '非密')
  t.equal(labelOf('data/a.pdf', { metadata: { classification: '内部' } }).tier, '非密')
  t.equal(labelOf('data/a.pdf', { metadata: { classification: '机密' } }).tier, '机密')
  t.same(labelOf('data/管线.dwg', { scopeItem: 'D-11', metadata: { classification: '内部', mapSheets: ['H-51-1', 7], areaKm2: 3.5 } }),
    { tier: '秘密', pipelineSurvey: true, mapSheets: ['H-51-1', '7'], areaKm2: 3.5 }, 'D-11 is pipeline-survey data, at least 秘密')
  t.equal(labelOf('data/x', { pipelineItem: true }).tier, '秘密', 'an item the policy flags pipeline: true')
  t.equal(labelOf('data/x', { metadata: { category: 'pipeline-survey' } }).pipelineSurvey, true, 'metadata category pipeline-survey')
  t.equal(labelOf('data/x', { projectTier: '秘密' }).tier, '秘密', 'a file of a classified project is at least 秘密')
  t.equal(labelOf('data/x', { projectTier: '机密' }).tier, '机密')
  t.equal(labelOf('data/x', { metadata: { classification: '机密' }, scopeItem: 'D-11' }).tier, '机密', 'the higher of declared and floor')
  t.throws(() => labelOf('data/top.pdf', { metadata: { classification: '绝密' } }), { code: 'ACCESS_TIER_REFUSED' })
  try { labelOf('data/x', { metadata: { classification: 'secret' } }); t.fail('accepted') } catch (err) { t.ok(isLantaiError(err) && err.code === 'ACCESS_LABEL_INVALID') }
})

t.test('a package\'s tier is the highest of its files\' and its project\'s', async t => {
  t.equal(tierOfPackage([]), '非密')
  t.equal(tierOfPackage([{ tier: '非密' }, { tier: '机密' }, { tier: '秘密' }]), '机密')
  t.equal(tierOfPackage([{ tier: '非密' }], '秘密'), '秘密')
})
