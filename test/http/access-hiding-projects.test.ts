import t from 'tap'
import type { Tier } from '../../src/access/index.js'
import { labelledService, type Labelled } from './access-fixtures.js'

// Issue 15 item 4 for projects: a project above the caller's clearance does not exist for them. Its record,
// requirements notice and changes are the 404 a code never registered gets, and the project search neither
// lists nor counts it, whatever the search names.

const CODES: Record<Tier, string> = { 非密: '2024-330108-47-02-000001', 秘密: '2024-330108-47-02-000002', 机密: '2024-330108-47-02-000003' }
const NEVER = '2024-330108-47-02-000009'

async function withProjects (t: Parameters<typeof labelledService>[0]): Promise<Labelled> {
  const s = await labelledService(t)
  for (const [tier, code] of Object.entries(CODES)) {
    const res = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: `滨江密级项目 ${tier}`, unit: '杭州滨江建设', classification: tier } })
    if (res.statusCode !== 201) throw new Error(res.body)
  }
  return s
}

/** The body with the code and the request id taken out: what a caller could tell two answers apart by. */
const comparable = (body: string, code: string): unknown => {
  const { instance, ...rest } = JSON.parse(body.replaceAll(code, '<code>')) as Record<string, unknown>
  return instance === undefined ? { missing: 'instance' } : rest
}
const headersOf = (h: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(h).filter(([k]) => !['x-request-id', 'date'].includes(k)))

t.test('a project above the caller\'s clearance answers exactly as a code never registered, on every project route', async t => {
  const s = await withProjects(t)
  const reader = await s.token('reader', '非密')
  const archivist = await s.token('archivist', '秘密')
  const calls: Array<{ method: 'GET' | 'PATCH' | 'POST', suffix: string, token: string, payload?: object }> = [
    { method: 'GET', suffix: '', token: reader },
    { method: 'GET', suffix: '/requirements', token: reader },
    { method: 'GET', suffix: '/requirements.html', token: reader },
    { method: 'PATCH', suffix: '', token: archivist, payload: { name: '改名' } },
    { method: 'POST', suffix: '/phases', token: archivist, payload: { code: 'P9', name: '九期' } },
    { method: 'POST', suffix: '/permits', token: archivist, payload: { kind: 'construction', number: '330108202405010109', issuedOn: '2024-05-01' } }
  ]
  for (const { method, suffix, token, payload } of calls) {
    const hidden = await s.app.inject({ method, url: `/v1/projects/${CODES['机密']}${suffix}`, headers: s.auth(token), ...(payload === undefined ? {} : { payload }) })
    const absent = await s.app.inject({ method, url: `/v1/projects/${NEVER}${suffix}`, headers: s.auth(token), ...(payload === undefined ? {} : { payload }) })
    t.equal(hidden.statusCode, 404, `${method} hidden${suffix}`)
    t.match(hidden.json(), { code: 'PROJECT_NOT_FOUND' })
    t.same(comparable(hidden.body, CODES['机密']), comparable(absent.body, NEVER), `same body: ${method} ${suffix}`)
    t.same(headersOf(hidden.headers), headersOf(absent.headers), `same headers: ${method} ${suffix}`)
  }
  t.notMatch((await s.app.inject({ method: 'GET', url: `/v1/projects/${CODES['机密']}`, headers: s.auth(reader) })).body, /机密|秘密|clearance|密级/, 'nothing in the answer names a tier or a clearance')
  const unchanged = await s.catalogue.projects.get(CODES['机密'])
  t.equal(unchanged?.name, '滨江密级项目 机密', 'a change refused as missing changed nothing')
  const cleared = await s.token('reader', '机密')
  t.match((await s.app.inject({ method: 'GET', url: `/v1/projects/${CODES['机密']}`, headers: s.auth(cleared) })).json(), { code: CODES['机密'], classification: '机密' }, 'a reader cleared 机密 reads it')
  t.equal((await s.app.inject({ method: 'GET', url: `/v1/projects/${CODES['秘密']}/requirements`, headers: s.auth(await s.token('reader', '秘密')) })).statusCode, 200, 'and one cleared 秘密 the 秘密 project\'s notice')
})

t.test('the project search lists and counts only what the caller may see, also past the last page and for crafted queries', async t => {
  const s = await withProjects(t)
  const search = async (clearance: Tier, query = ''): Promise<{ total: number, items: Array<{ code: string }> }> =>
    (await s.app.inject({ method: 'GET', url: `/v1/projects?limit=50${query}`, headers: s.auth(await s.token('reader', clearance)) })).json() as { total: number, items: Array<{ code: string }> }
  const ours = (page: { items: Array<{ code: string }> }): string[] => page.items.map(p => p.code).filter(c => Object.values(CODES).includes(c)).sort()
  t.same(ours(await search('非密')), [CODES['非密']])
  t.same(ours(await search('秘密')), [CODES['非密'], CODES['秘密']])
  t.same(ours(await search('机密')), Object.values(CODES).sort())
  // The fixture's three packages' projects are 非密: every caller sees them, so the totals differ by the hidden ones.
  const all = (await search('机密')).total
  t.equal((await search('秘密')).total, all - 1, 'the 机密 project is not counted for a caller cleared 秘密')
  t.equal((await search('非密')).total, all - 2)
  t.equal((await search('非密', '&offset=500')).total, all - 2, 'a page past the end counts only what is visible too')
  t.same(await search('非密', `&q=${CODES['机密']}`), { total: 0, items: [], limit: 50, offset: 0 }, 'a search naming the hidden code counts nothing')
  t.equal((await search('非密', `&q=${encodeURIComponent('密级项目 机密')}`)).total, 0, 'nor one naming its name')
  t.equal((await search('非密', `&unit=${encodeURIComponent('杭州滨江建设')}`)).total, 1, 'a unit\'s projects count only the visible ones')
  t.equal((await search('机密', `&unit=${encodeURIComponent('杭州滨江建设')}`)).total, 3)
})

t.test('the catalogue\'s events leave out, in the list and its total, those of packages and projects above the caller\'s clearance', async t => {
  const s = await withProjects(t)
  const events = async (clearance: Tier, query = ''): Promise<{ total: number, items: Array<{ objectType: string, objectId: string }> }> =>
    (await s.app.inject({ method: 'GET', url: `/v1/events?limit=100${query}`, headers: s.auth(await s.token('auditor', clearance)) })).json() as { total: number, items: Array<{ objectType: string, objectId: string }> }
  const secretPackage = s.packages['机密']
  t.ok((await events('机密', `&objectId=${secretPackage}`)).total > 0, 'a caller cleared 机密 reads the 机密 package\'s events')
  t.same(await events('秘密', `&objectId=${secretPackage}`), { total: 0, items: [], limit: 100, offset: 0 }, 'one cleared 秘密 finds none, even naming the package')
  t.equal((await events('非密', `&objectId=${CODES['秘密']}`)).total, 0, 'nor the 秘密 project\'s, for one cleared 非密')
  t.equal((await events('秘密', `&objectId=${CODES['秘密']}`)).total, 1, 'which one cleared 秘密 reads (project.created)')
  const all = await events('机密', '&objectType=package')
  const ofPackage = (page: typeof all, id: string): number => page.items.filter(e => e.objectId === id).length
  const cleared = await events('非密', '&objectType=package')
  t.equal(cleared.total, all.total - ofPackage(all, secretPackage) - ofPackage(all, s.packages['秘密']), 'the total is the total without the hidden packages\' events')
  t.equal(ofPackage(cleared, secretPackage) + ofPackage(cleared, s.packages['秘密']), 0)
  t.ok(ofPackage(cleared, s.packages['非密']) > 0, 'the visible package\'s events are there')
  const projects = await events('非密', '&objectType=project&type=project.created')
  t.notOk(projects.items.some(e => e.objectId === CODES['秘密'] || e.objectId === CODES['机密']), 'no event of a hidden project')
  t.equal((await events('机密', '&objectType=project&type=project.created')).total, projects.total + 2)
})
