import t, { type Test } from 'tap'
import type { Tier } from '../../src/access/index.js'
import type { Role } from '../../src/auth/roles.js'
import { addDays, beijingDate } from '../../src/acceptance/numbering.js'
import { jsonl, UNITS } from '../fixtures/acceptance.js'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'

// Issue 15 item 4 for what carries no label of its own: a submission is its project's and its package's
// tier, an acceptance application its project's, a notice or opinion its submission's. Above the
// caller's clearance each is the 404 an id never issued gets, word for word, and lists and totals
// leave it out, whatever the query names.

const CODES: Record<Tier, string> = { 非密: '2024-330108-47-03-000001', 秘密: '2024-330108-47-03-000002', 机密: '2024-330108-47-03-000003' }
/** a 非密 project whose package is 机密 (one of its files is): its submission is 机密 once stored */
const MIXED = '2024-330108-47-03-000004'
const NEVER = '2024-330108-47-03-000009'

// Bodies are read as the JSON the client gets.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

interface Records {
  s: TestService
  token: (role: Role, clearance: Tier) => Promise<string>
  /** by project tier: the application, its submission (returned for rectification) and the notice's number */
  of: Record<Tier, { application: string, submission: string, notice: string }>
  mixed: { application: string, submission: string, opinion: string, packageId: string, commitment: string }
}

async function call (s: TestService, method: 'GET' | 'POST', url: string, token: string, payload?: object): Promise<{ status: number, body: Json, raw: string, headers: Record<string, unknown> }> {
  const res = await s.app.inject({ method, url, headers: s.auth(token), ...(payload === undefined ? {} : { payload }) })
  const json = res.headers['content-type']?.toString().includes('json') === true
  return { status: res.statusCode, body: json ? res.json() : res.body, raw: res.body, headers: res.headers }
}

/** An id or number of the same shape that was never issued. */
const never = (id: string): string => id.includes('第') ? id.replace(/第\d{4}号/, '第9999号') : id.slice(0, -4) + 'ZZZZ'

/** The body with the asked-for id and the request id taken out: what a caller could tell two answers apart by. */
const comparable = (raw: string, id: string): unknown => {
  const { instance, ...rest } = JSON.parse(raw.replaceAll(id, '<id>')) as Record<string, unknown>
  return instance === undefined ? { missing: 'instance' } : rest
}
const headersOf = (h: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(h).filter(([k]) => !['x-request-id', 'date'].includes(k)))

async function upload (t: Test, s: TestService, token: string, project: string, application: string, files: Record<string, string>, tags: Record<string, string> = {}): Promise<string> {
  const bag = makeBag(t, files, { tagFiles: tags })
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${project}&application=${application}`, headers: { ...s.auth(token), 'content-type': 'application/x-tar' }, payload: tarOf(t, bag) })
  if (res.statusCode !== 202) throw new Error(res.body)
  return (res.json() as { id: string }).id
}

/**
 * Under the shipped policy (a person decides): a project per tier, each with an application whose
 * submission came back for rectification, and a 非密 project whose accepted package is 机密.
 */
async function withRecords (t: Test): Promise<Records> {
  const s = await buildTestApp(t, {}, { decision: true })
  const tokens = new Map<string, string>()
  const token = async (role: Role, clearance: Tier): Promise<string> => {
    const key = `${role} ${clearance}`
    const secret = tokens.get(key) ?? (await s.catalogue.tokens.create({ role, label: key, clearance })).secret
    tokens.set(key, secret)
    return secret
  }
  const archivist = await token('archivist', '机密')
  const must = async (method: 'GET' | 'POST', url: string, payload?: object): Promise<Json> => {
    const res = await call(s, method, url, archivist, payload)
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.raw}`)
    return res.body
  }
  for (const [tier, code] of [...Object.entries(CODES), ['非密', MIXED] as const]) {
    const made = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: `验收密级 ${code.slice(-1)}`, unit: '杭州滨江建设', classification: tier, units: [UNITS.builder] } })
    if (made.statusCode !== 201) throw new Error(made.body)
  }
  const of = {} as Records['of']
  for (const [tier, code] of Object.entries(CODES) as Array<[Tier, string]>) {
    const application = (await must('POST', `/v1/projects/${code}/applications`, {})).id as string
    const submission = await upload(t, s, archivist, code, application, { 'plan.pdf': `plan of ${tier}` })
    if ((await s.settle(submission)).state !== 'awaiting_decision') throw new Error(`${tier}: not awaiting`)
    const decided = await must('POST', `/v1/submissions/${submission}/decision`, { decision: 'rectification_required', items: [{ message: `缺竣工图 ${tier}` }] })
    of[tier] = { application, submission, notice: decided.document.number as string }
  }
  const application = (await must('POST', `/v1/projects/${MIXED}/applications`, {})).id as string
  const submission = await upload(t, s, archivist, MIXED, application, { 'a.txt': 'a survey of tier 机密', 'b.txt': 'an ordinary file' },
    { 'metadata/files.jsonl': jsonl([{ path: 'data/a.txt', classification: '机密' }, { path: 'data/b.txt', classification: '内部' }]) })
  if ((await s.settle(submission)).state !== 'awaiting_decision') throw new Error('mixed: not awaiting')
  const letter = {
    statements: { complete: true, matchesWorks: true, scansMatchPaper: true, transferOnTime: true },
    signatory: '王建国',
    items: [{ code: 'D-1', description: '建筑竣工图 architectural as-built drawings', dueDate: addDays(beijingDate(new Date()), 30) }]
  }
  const accepted = await must('POST', `/v1/submissions/${submission}/decision`, { decision: 'accepted', override: { reason: '试点项目，范围外文件另行补交' }, commitment: letter })
  const stored = await s.settle(submission)
  if (stored.state !== 'stored') throw new Error(`mixed: ${JSON.stringify(stored)}`)
  const pkg = await s.catalogue.packages.get(String(stored.packageId))
  if (pkg?.tier !== '机密') throw new Error(`mixed: package ${JSON.stringify(pkg)}`)
  return { s, token, of, mixed: { application, submission, opinion: accepted.document.number as string, packageId: pkg.id, commitment: accepted.commitment.id as string } }
}

t.test('a submission above the caller\'s clearance, by its project or its package, answers exactly as an id never issued', async t => {
  const r = await withRecords(t)
  const { s } = r
  const reader = await r.token('reader', '非密')
  const archivist = await r.token('archivist', '非密')
  const cases: Array<{ what: string, method: 'GET' | 'POST', url: (id: string) => string, id: string, token: string, payload?: object }> = [
    { what: 'a 机密 project\'s submission', method: 'GET', url: id => `/v1/submissions/${id}`, id: r.of['机密'].submission, token: reader },
    { what: 'a 秘密 project\'s submission', method: 'GET', url: id => `/v1/submissions/${id}`, id: r.of['秘密'].submission, token: reader },
    { what: 'a 非密 project\'s submission stored into a 机密 package', method: 'GET', url: id => `/v1/submissions/${id}`, id: r.mixed.submission, token: reader },
    { what: 'a decision on a hidden submission (not a 409 that tells its state)', method: 'POST', url: id => `/v1/submissions/${id}/decision`, id: r.of['机密'].submission, token: archivist, payload: { decision: 'rejected' } }
  ]
  for (const { what, method, url, id, token, payload } of cases) {
    const hidden = await call(s, method, url(id), token, payload)
    const absent = await call(s, method, url(never(id)), token, payload)
    t.equal(hidden.status, 404, what)
    t.match(hidden.body, { code: 'SUBMISSION_NOT_FOUND' })
    t.same(comparable(hidden.raw, id), comparable(absent.raw, never(id)), `same body: ${what}`)
    t.same(headersOf(hidden.headers), headersOf(absent.headers), `same headers: ${what}`)
  }
  t.equal((await call(s, 'GET', `/v1/submissions/${r.of['非密'].submission}`, reader)).status, 200, 'the 非密 project\'s submission is there')
  t.match((await call(s, 'GET', `/v1/submissions/${r.mixed.submission}`, await r.token('reader', '机密'))).body, { state: 'stored', packageId: r.mixed.packageId }, 'a reader cleared 机密 follows the 机密 package\'s submission')
  t.match((await call(s, 'GET', `/v1/submissions/${r.of['秘密'].submission}`, await r.token('reader', '秘密'))).body, { id: r.of['秘密'].submission, state: 'rejected' }, 'one cleared 秘密 the 秘密 project\'s')
})

t.test('the submission list and its events leave out, in the page and its total, what the caller may not see, also for crafted filters', async t => {
  const r = await withRecords(t)
  const { s } = r
  const list = async (clearance: Tier, query = ''): Promise<{ total: number, items: Array<{ id: string }> }> =>
    (await call(s, 'GET', `/v1/submissions?limit=100${query}`, await r.token('reader', clearance))).body
  const ids = (page: { items: Array<{ id: string }> }): string[] => page.items.map(i => i.id).sort()
  t.same(ids(await list('机密')), [r.of['非密'].submission, r.of['秘密'].submission, r.of['机密'].submission, r.mixed.submission].sort(), 'a caller cleared 机密 sees all four')
  t.same(ids(await list('秘密')), [r.of['非密'].submission, r.of['秘密'].submission].sort(), 'one cleared 秘密 neither the 机密 project\'s nor the 机密 package\'s')
  t.same(await list('非密'), { total: 1, items: [await (await s.app.inject({ method: 'GET', url: `/v1/submissions/${r.of['非密'].submission}`, headers: s.auth(await r.token('reader', '非密')) })).json()], limit: 100, offset: 0 }, 'one cleared 非密 only the 非密 project\'s, and the total says 1')
  t.equal((await list('非密', '&offset=50')).total, 1, 'a page past the end counts only what is visible too')
  t.same(await list('非密', `&project=${CODES['机密']}`), { total: 0, items: [], limit: 100, offset: 0 }, 'naming the hidden project counts nothing')
  t.equal((await list('非密', `&project=${MIXED}&state=stored`)).total, 0, 'nor naming the visible project whose package is hidden, and the state it is in')
  t.equal((await list('机密', `&project=${MIXED}&state=stored`)).total, 1)
  t.equal((await list('秘密', '&state=rejected')).total, 2, 'a state counts only the visible ones')

  const events = async (clearance: Tier, query: string): Promise<{ total: number }> =>
    (await call(s, 'GET', `/v1/events?limit=100${query}`, await r.token('auditor', clearance))).body
  t.ok((await events('机密', `&objectId=${r.mixed.submission}`)).total > 0, 'the 机密 package\'s submission has events')
  t.same(await events('秘密', `&objectId=${r.mixed.submission}`), { total: 0, items: [], limit: 100, offset: 0 }, 'which one cleared 秘密 does not find')
  t.equal((await events('非密', `&objectId=${r.of['秘密'].submission}`)).total, 0, 'nor one cleared 非密 the 秘密 project\'s')
  const all = (await events('机密', '&objectType=submission')).total
  const hiddenOnes = [r.of['秘密'].submission, r.of['机密'].submission, r.mixed.submission]
  let hiddenEvents = 0
  for (const id of hiddenOnes) hiddenEvents += (await events('机密', `&objectId=${id}`)).total
  t.equal((await events('非密', '&objectType=submission')).total, all - hiddenEvents, 'the total of submission events is the total without the hidden ones\'')
})

t.test('an acceptance application of a project above the caller\'s clearance answers as an unknown one, and the deadlines leave it out', async t => {
  const r = await withRecords(t)
  const { s } = r
  const reader = await r.token('reader', '非密')
  const archivist = await r.token('archivist', '非密')
  const application = r.of['机密'].application
  for (const { what, method, url, token, payload } of [
    { what: 'GET', method: 'GET' as const, url: (id: string) => `/v1/applications/${id}`, token: reader },
    { what: 'withdraw', method: 'POST' as const, url: (id: string) => `/v1/applications/${id}/withdraw`, token: archivist, payload: {} }
  ]) {
    const hidden = await call(s, method, url(application), token, payload)
    const absent = await call(s, method, url(never(application)), token, payload)
    t.equal(hidden.status, 404, what)
    t.match(hidden.body, { code: 'APPLICATION_NOT_FOUND' })
    t.same(comparable(hidden.raw, application), comparable(absent.raw, never(application)), `same body: ${what}`)
    t.same(headersOf(hidden.headers), headersOf(absent.headers), `same headers: ${what}`)
  }
  t.match((await call(s, 'GET', `/v1/applications/${application}`, await r.token('reader', '机密'))).body, { application: { id: application, state: 'rectify' } }, 'a refused withdrawal changed nothing, as a reader cleared 机密 sees')
  for (const { what, method, suffix, token, payload } of [
    { what: 'its applications', method: 'GET' as const, suffix: '/applications', token: reader },
    { what: 'a new application', method: 'POST' as const, suffix: '/applications', token: archivist, payload: {} },
    { what: 'its phase status', method: 'GET' as const, suffix: '/phases/status', token: reader }
  ]) {
    const hidden = await call(s, method, `/v1/projects/${CODES['机密']}${suffix}`, token, payload)
    const absent = await call(s, method, `/v1/projects/${NEVER}${suffix}`, token, payload)
    t.equal(hidden.status, 404, what)
    t.match(hidden.body, { code: 'PROJECT_NOT_FOUND' })
    t.same(comparable(hidden.raw, CODES['机密']), comparable(absent.raw, NEVER), `same body: ${what}`)
  }

  const due = async (clearance: Tier): Promise<string[]> =>
    ((await call(s, 'GET', '/v1/applications/deadlines?within=3650', await r.token('reader', clearance))).body.items as Array<{ application: { id: string } }>).map(i => i.application.id).sort()
  t.same(await due('机密'), [r.of['非密'].application, r.of['秘密'].application, r.of['机密'].application].sort(), 'the open applications near their limit, for a caller cleared 机密')
  t.same(await due('秘密'), [r.of['非密'].application, r.of['秘密'].application].sort())
  t.same(await due('非密'), [r.of['非密'].application])
})

t.test('a visible project\'s application and phase status leave out what belongs to its hidden package', async t => {
  const r = await withRecords(t)
  const { s } = r
  const cleared = await call(s, 'GET', `/v1/applications/${r.mixed.application}`, await r.token('reader', '机密'))
  t.match(cleared.body, { application: { state: 'accepted' }, submissions: [{ id: r.mixed.submission }], decisions: [{ decision: 'accepted' }], documents: [{ number: r.mixed.opinion }] })
  const uncleared = await call(s, 'GET', `/v1/applications/${r.mixed.application}`, await r.token('reader', '非密'))
  t.equal(uncleared.status, 200, 'the application is its project\'s tier, 非密')
  t.match(uncleared.body, { application: { id: r.mixed.application, state: 'accepted' }, submissions: [], decisions: [], documents: [] }, 'but its 机密 submission, decision and opinion are not there')
  const phases = async (clearance: Tier): Promise<Json> => (await call(s, 'GET', `/v1/projects/${MIXED}/phases/status`, await r.token('reader', clearance))).body.phases[0]
  t.match(await phases('机密'), { opinion: r.mixed.opinion, transferred: { submissionId: r.mixed.submission, packageId: r.mixed.packageId } })
  t.match(await phases('非密'), { opinion: null, transferred: null, commitments: [] }, 'the opinion, the commitment and the transfer to the 机密 package are left out')

  const commitments = async (clearance: Tier, query = ''): Promise<string[]> =>
    ((await call(s, 'GET', `/v1/commitments${query}`, await r.token('reader', clearance))).body.items as Array<{ id: string }>).map(c => c.id)
  t.same(await commitments('机密'), [r.mixed.commitment], 'the commitment accepted with the 机密 package, for a caller cleared 机密')
  t.same(await commitments('秘密'), [], 'not for one cleared 秘密')
  t.same(await commitments('非密', `?project=${MIXED}&state=open`), [], 'even naming its project and state')
  const reader = await r.token('reader', '非密')
  const hidden = await call(s, 'GET', `/v1/commitments/${r.mixed.commitment}`, reader)
  const absent = await call(s, 'GET', `/v1/commitments/${never(r.mixed.commitment)}`, reader)
  t.equal(hidden.status, 404)
  t.match(hidden.body, { code: 'COMMITMENT_NOT_FOUND' })
  t.same(comparable(hidden.raw, r.mixed.commitment), comparable(absent.raw, never(r.mixed.commitment)), 'the hidden commitment answers as an unknown id')
})

t.test('a notice or opinion of a hidden project or package answers, as JSON, HTML and PDF, exactly as a number never issued', async t => {
  const r = await withRecords(t)
  const { s } = r
  const reader = await r.token('reader', '非密')
  for (const number of [r.of['机密'].notice, r.of['秘密'].notice, r.mixed.opinion]) {
    for (const suffix of ['', '.html', '.pdf']) {
      const hidden = await call(s, 'GET', `/v1/documents/${encodeURIComponent(number)}${suffix}`, reader)
      const absent = await call(s, 'GET', `/v1/documents/${encodeURIComponent(never(number))}${suffix}`, reader)
      t.equal(hidden.status, 404, `${number}${suffix}`)
      t.match(hidden.body, { code: 'DOCUMENT_NOT_FOUND' })
      t.same(comparable(hidden.raw, number), comparable(absent.raw, never(number)), `same body: ${number}${suffix}`)
      t.same(headersOf(hidden.headers), headersOf(absent.headers), `same headers: ${number}${suffix}`)
    }
  }
  t.match((await call(s, 'GET', `/v1/documents/${encodeURIComponent(r.of['非密'].notice)}`, reader)).body, { number: r.of['非密'].notice, kind: 'rectification-notice' }, 'the 非密 project\'s notice is there')
  t.match((await call(s, 'GET', `/v1/documents/${encodeURIComponent(r.mixed.opinion)}`, await r.token('reader', '机密'))).body, { number: r.mixed.opinion, kind: 'acceptance-opinion' }, 'and the 机密 package\'s opinion for a reader cleared 机密')
})

t.test('a submission to a project above the caller\'s clearance is refused as one to a code never registered, and nothing is created', async t => {
  const s = await buildTestApp(t)
  const made = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: CODES['机密'], name: '验收密级 3', classification: '机密' } })
  t.equal(made.statusCode, 201)
  const submit = async (project: string, clearance: Tier): Promise<{ statusCode: number, body: string, json: () => Json }> => {
    const { secret } = await s.catalogue.tokens.create({ role: 'archivist', label: `archivist ${clearance}`, clearance })
    return await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${project}`, headers: { ...s.auth(secret), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { 'plan.pdf': 'plan' })) })
  }
  const hidden = await submit(CODES['机密'], '秘密')
  const absent = await submit(NEVER, '秘密')
  t.equal(hidden.statusCode, 404)
  t.match(hidden.json(), { code: 'PROJECT_NOT_FOUND' })
  t.same(comparable(hidden.body, CODES['机密']), comparable(absent.body, NEVER), 'the same body as for a code never registered')
  t.equal((await s.catalogue.submissions.list({ projectCode: CODES['机密'], limit: 10, offset: 0 })).total, 0, 'nothing was created')
  const cleared = await submit(CODES['机密'], '机密')
  t.equal(cleared.statusCode, 202, 'an archivist cleared 机密 submits to it')
  t.match(await s.settle((cleared.json() as { id: string }).id), { state: 'stored' })
})
