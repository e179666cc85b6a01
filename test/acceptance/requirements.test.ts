import { join } from 'node:path'
import t from 'tap'
import { loadAcceptancePolicy, renderRequirementsHtml, requirementsNotice } from '../../src/acceptance/index.js'
import type { ProjectRecord } from '../../src/catalogue/index.js'

// The requirements notice as a domain function: no HTTP, no database, a project record and the policy.

const AT = '2024-05-01T00:00:00.000Z'
const project = (over: Partial<ProjectRecord> = {}): ProjectRecord => ({
  code: '2024-330108-47-01-000001', name: '滨江安置房', unit: null, location: null, classification: '非密', createdAt: AT, updatedAt: AT, units: [], permits: [], phases: [], ...over
})

t.test('every scope item appears once, in the policy\'s order, counted by requirement', async t => {
  const policy = await loadAcceptancePolicy(join(import.meta.dirname, '../../storage-policies'))
  const notice = requirementsNotice(policy, project(), new Date(AT))
  t.equal(notice.issuedAt, AT)
  t.same(notice.categories.flatMap(c => c.items.map(i => i.code)), [...policy.items.keys()])
  const all = notice.categories.flatMap(c => c.items)
  t.equal(notice.counts.required, all.filter(i => i.required === true).length)
  t.equal(notice.counts.conditional, all.filter(i => i.required === 'conditional').length)
  t.ok(notice.counts.conditional > 0 && notice.counts.optional > 0, 'the default has conditional and optional items')
  t.ok(all.every(i => i.responsibleUnits.length === 0), 'no units registered: none named')
  t.match(all.find(i => i.code === 'E1-11'), { required: 'conditional', when: { zh: '住宅工程' } })
  t.match(all.find(i => i.code === 'A1-1'), { retention: { key: 'permanent', zh: '永久' }, producer: { role: 'builder', zh: '建设单位' } })
})

t.test('the page says each requirement in Chinese and English, and a conditional one says when', async t => {
  const policy = await loadAcceptancePolicy(join(import.meta.dirname, '../../storage-policies'))
  const html = renderRequirementsHtml(requirementsNotice(policy, project({ location: '<script>alert(1)</script>' }), new Date(AT)))
  t.notMatch(html, '<script>')
  t.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;')
  t.match(html, '必须归档')
  t.match(html, 'required')
  t.match(html, '视情况归档：住宅工程')
  t.match(html, 'required for residential works')
  t.match(html, '选择归档')
  t.match(html, '自验收合格意见出具之日起不超过 3 个月')
  t.match(html, '<html lang="zh-CN">')
})
