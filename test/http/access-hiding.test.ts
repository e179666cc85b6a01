import t from 'tap'
import { declassify } from '../../src/access/index.js'
import type { Principal } from '../../src/auth/roles.js'
import { until } from '../fixtures/wait.js'
import { ingestLabelled, labelledService } from './access-fixtures.js'

// Issue 15 items 2 and 4: nothing above your clearance exists for you; labels are raised at once and
// lowered only with two people; 绝密 never gets in; path tricks in download URLs are refused and logged.

/** The same id with its last character changed: a package that does not exist, as long as a real one. */
const missing = (id: string): string => id.slice(0, -1) + (id.endsWith('0') ? '1' : '0')
const comparable = (body: string, id: string): unknown => {
  const { instance, ...rest } = JSON.parse(body.replaceAll(id, '<id>').replaceAll(missing(id), '<id>')) as Record<string, unknown>
  return instance === undefined ? { missing: 'instance' } : rest
}
const headersOf = (h: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(h).filter(([k]) => !['x-request-id', 'date'].includes(k)))

t.test('a package above the caller\'s clearance answers exactly as a missing one, on every package route', async t => {
  const s = await labelledService(t)
  const reader = await s.token('reader', '非密')
  const id = s.packages['机密']
  for (const suffix of ['', '/files', '/events', '/seals', '/files/data/a.txt', '/files/data/b.txt']) {
    const hidden = await s.app.inject({ method: 'GET', url: `/v1/packages/${id}${suffix}`, headers: s.auth(reader) })
    const absent = await s.app.inject({ method: 'GET', url: `/v1/packages/${missing(id)}${suffix}`, headers: s.auth(reader) })
    t.equal(hidden.statusCode, 404, `hidden ${suffix}`)
    t.same(comparable(hidden.body, id), comparable(absent.body, id), `same body: ${suffix}`)
    t.same(headersOf(hidden.headers), headersOf(absent.headers), `same headers: ${suffix}`)
  }
  const cleared = await s.token('reader', '机密')
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/packages/${id}/files/data/a.txt`, headers: s.auth(cleared) })).statusCode, 200, 'a reader cleared 机密 downloads it')
})

t.test('search results and totals count only what the caller may see, also past the last page and for a crafted query', async t => {
  const s = await labelledService(t)
  const search = async (clearance: '非密' | '秘密' | '机密', query = ''): Promise<{ total: number, items: Array<{ id: string, tier: string }> }> =>
    (await s.app.inject({ method: 'GET', url: `/v1/packages?limit=10${query}`, headers: s.auth(await s.token('reader', clearance)) })).json() as { total: number, items: Array<{ id: string, tier: string }> }
  t.same((await search('非密')).items.map(p => p.id), [s.packages['非密']])
  t.equal((await search('非密')).total, 1)
  t.equal((await search('秘密')).total, 2)
  t.equal((await search('机密')).total, 3)
  t.equal((await search('非密', '&offset=50')).total, 1, 'a page past the end counts apart, and still only what is visible')
  const secret = (await s.catalogue.packages.get(s.packages['机密']))?.projectCode ?? ''
  t.same(await search('非密', `&project=${secret}`), { total: 0, items: [], limit: 10, offset: 0 }, 'a search naming the hidden project counts nothing')
  t.equal((await search('非密', `&q=${secret.slice(-6)}`)).total, 0)
  t.same((await search('机密')).items.map(p => p.tier).sort(), ['机密', '秘密', '非密'])
})

t.test('labels come from the files: the highest file decides, pipeline-survey data is at least 秘密 and keeps its sheets', async t => {
  const s = await labelledService(t)
  const files = (await s.app.inject({ method: 'GET', url: `/v1/packages/${s.packages['秘密']}/files`, headers: s.auth(await s.token('reader', '秘密')) })).json() as { items: Array<{ logicalPath: string, tier: string }> }
  t.match(files.items.filter(f => f.logicalPath.startsWith('data/')), [{ logicalPath: 'data/a.txt', tier: '秘密' }, { logicalPath: 'data/b.txt', tier: '非密' }])
  const sub = await ingestLabelled(t, s, '非密', { category: 'pipeline-survey', mapSheets: ['3810-0415', '3810-0416'], areaKm2: 1.25 })
  t.equal(sub.state, 'stored')
  const pkg = await s.catalogue.packages.get(sub.packageId ?? '')
  t.equal(pkg?.tier, '秘密', 'pipeline-survey data makes the package at least 秘密')
  t.match(await s.catalogue.packages.file(sub.packageId ?? '', 'data/a.txt'), { tier: '秘密', pipelineSurvey: true, mapSheets: ['3810-0415', '3810-0416'], areaKm2: 1.25 })
  const events = await s.catalogue.events.list({ objectType: 'package', objectId: sub.packageId ?? '', limit: 20, offset: 0, order: 'asc' })
  t.match(events.items.find(e => e.type === 'package.label.raised'), { detail: { from: '非密', to: '秘密' } }, 'the label an ingest gave is an event')
})

t.test('a package with a file marked 绝密 is refused whole, with a clear error, and nothing is stored', async t => {
  const s = await labelledService(t)
  const sub = await ingestLabelled(t, s, '绝密')
  t.equal(sub.state, 'rejected')
  t.equal(sub.error?.code, 'ACCESS_TIER_REFUSED')
  t.match(sub.error?.message, /data\/a\.txt marked 绝密/)
  t.match(sub.error?.message, /绝密内容/)
  t.equal(sub.packageId ?? null, null, 'no package')
})

t.test('a security officer raises a label at once; lowering it needs an approved request of a second person', async t => {
  const s = await labelledService(t)
  const id = s.packages['非密']
  const officer = await s.token('security-officer', '机密')
  const raised = await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/label`, headers: s.auth(officer), payload: { tier: '秘密', reason: '含管线坐标' } })
  t.equal(raised.statusCode, 200, raised.body)
  t.equal((raised.json() as { tier: string }).tier, '秘密')
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/packages/${id}`, headers: s.auth(await s.token('reader', '非密')) })).statusCode, 404, 'gone at once for a reader cleared 非密')
  t.match((await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/label`, headers: s.auth(officer), payload: { tier: '秘密', reason: 'again' } })).json(), { status: 409, code: 'ACCESS_LABEL_NOT_HIGHER' })
  t.match((await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/label`, headers: s.auth(await s.token('security-officer', '秘密')), payload: { tier: '机密', reason: 'x' } })).json(), { status: 403, code: 'DUTY_FORBIDDEN' }, 'not above one\'s own clearance')
  t.match((await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/label`, headers: s.auth(await s.token('admin', '机密')), payload: { tier: '机密', reason: 'x' } })).json(), { status: 403, code: 'FORBIDDEN' }, 'the admin labels nothing')

  const lower = await s.app.inject({ method: 'POST', url: `/v1/packages/${id}/declassify`, headers: s.auth(officer), payload: { tier: '非密', reason: '已解密' } })
  t.equal(lower.statusCode, 409)
  t.match(lower.json(), { code: 'ACCESS_DECLASSIFY_UNAPPROVED' })
  t.equal((await s.catalogue.packages.get(id))?.tier, '秘密', 'still 秘密')

  const principal: Principal = { tokenId: 'tok_so', role: 'security-officer', label: 'so', clearance: '机密', accountId: 'acc_so1', via: 'token' }
  const approval = { id: 'req_1', action: 'declassify' as const, packageId: id, tier: '非密' as const, requestedBy: 'acc_so1', approvedBy: 'acc_so1', state: 'approved' as const }
  await t.rejects(declassify(s.catalogue, principal, id, '非密', '已解密', approval), { code: 'SELF_APPROVAL' })
  await t.rejects(declassify(s.catalogue, principal, id, '非密', '已解密', { ...approval, approvedBy: 'acc_so2', tier: '秘密' }), { code: 'ACCESS_DECLASSIFY_UNAPPROVED' }, 'an approval of another change')
  const lowered = await declassify(s.catalogue, principal, id, '非密', '已解密', { ...approval, approvedBy: 'acc_so2' })
  t.equal(lowered.tier, '非密')
  const events = (await s.catalogue.events.list({ objectType: 'package', objectId: id, limit: 50, offset: 0, order: 'asc' })).items
  t.match(events.filter(e => e.type.startsWith('package.label.')), [
    { type: 'package.label.raised', detail: { from: '非密', to: '秘密', reason: '含管线坐标' } },
    { type: 'package.label.lowered', agent: 'acc_so1', detail: { from: '秘密', to: '非密', approval: { id: 'req_1', requestedBy: 'acc_so1', approvedBy: 'acc_so2' } } }
  ])
})

t.test('path tricks in download URLs are refused before any byte is read, and each is in the access log', async t => {
  const s = await labelledService(t)
  const base = `/v1/packages/${s.packages['非密']}/files`
  for (const [trick, url, code] of [
    // %2e%2e between plain slashes is a dot segment to any URL parser (the client's too): encoded slashes keep it
    ['encoded ..', `${base}/data%2F%2e%2e%2Fdata%2Fa.txt`, 'ACCESS_PATH_INVALID'],
    ['encoded slash and ..', `${base}/data%2F..%2F..%2Fetc%2Fpasswd`, 'ACCESS_PATH_INVALID'],
    ['NUL', `${base}/data/a.txt%00.pdf`, 'REQUEST_INVALID'],
    ['overlong path', `${base}/data/${'长'.repeat(1100)}`, 'ACCESS_PATH_INVALID'],
    ['overlong UTF-8 dot', `${base}/data/%c0%ae%c0%ae/a.txt`, 'REQUEST_INVALID']
  ] as const) {
    const before = (await s.catalogue.access.list({ limit: 1, offset: 0, order: 'desc' })).items[0]?.id ?? 0
    const res = await s.app.inject({ method: 'GET', url, headers: s.auth() })
    t.equal(res.statusCode, 400, trick)
    t.match(res.json(), { code }, trick)
    const row = await until(`the access-log row of ${trick}`, async () => (await s.catalogue.access.list({ limit: 5, offset: 0, order: 'desc' })).items.find(r => r.id > before && r.status !== null))
    t.match(row, { status: 400, outcome: /error|refused/ }, `${trick} is audited`)
  }
  t.equal((await s.app.inject({ method: 'GET', url: `${base}/data/a.txt`, headers: s.auth() })).statusCode, 200, 'the plain path still works')
})
