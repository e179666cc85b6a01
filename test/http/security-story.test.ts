import t, { type Test } from 'tap'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { verifyTrail } from '../../src/audit/index.js'
import { createAccountByOperator } from '../../src/people/index.js'
import { jsonl } from '../fixtures/acceptance.js'
import { makeBag, scratch } from '../fixtures/bags.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'
import { until } from '../fixtures/wait.js'

// Issue 15 "Done when", told as the people would live it: a classified pipeline-survey package is
// ingested, an uncleared archivist cannot see that it exists, a cleared one hits the aggregation cap, a
// security officer approves, the auditor verifies the chain and sees all of it. Everyone logs in with a
// password and works in a console session, as people do; only the operator's first admin is a token.

const PASSWORD = 'correct horse battery staple'
const PROJECT = '2024-310104-47-01-000815'
const ROOT = join(import.meta.dirname, '../..')
const SHEETS = ['管线-1.dwg', '管线-2.dwg', '管线-3.dwg']

interface Person {
  account: { id: string }
  call: (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
}

/** Logs `login` in; the person's calls carry the session cookie and, when they change something, its CSRF token. */
async function logIn (s: TestService, login: string): Promise<Person> {
  const res = await s.app.inject({ method: 'POST', url: '/v1/session', payload: { login, password: PASSWORD } })
  if (res.statusCode !== 200) throw new Error(`login ${login}: ${res.statusCode} ${res.body}`)
  const cookie = String(res.cookies.find(c => c.name === 'lantai_session')?.value)
  const { csrfToken, account } = res.json() as { csrfToken: string, account: { id: string } }
  return {
    account,
    call: async (method, url, payload, headers = {}) => await s.app.inject({
      method, url, headers: { ...headers, cookie: `lantai_session=${cookie}`, ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }) }, ...(payload === undefined ? {} : { payload: payload as string })
    })
  }
}

/** A service whose aggregation policy caps a person at two survey sheets a day. */
async function surveyService (t: Test): Promise<TestService> {
  const policies = scratch(t)
  cpSync(join(ROOT, 'storage-policies'), policies, { recursive: true })
  writeFileSync(join(policies, 'approvals.yaml'), 'aggregation:\n  windowHours: 24\n  caps: { files: 2, mapSheets: 10, areaKm2: 25 }\n')
  return await buildTestApp(t, { LANTAI_POLICIES: policies })
}

/** The builder's bag: three survey sheets the metadata marks 秘密 pipeline-survey data, and a note. */
function surveyBag (t: Test): Buffer {
  return tarOf(t, makeBag(t, { ...Object.fromEntries(SHEETS.map(f => [`D-11/${f}`, `sheet ${f}`])), '说明.txt': 'not survey data' }, {
    tagFiles: {
      'metadata/files.jsonl': jsonl([
        ...SHEETS.map(f => ({ path: `data/D-11/${f}`, classification: '秘密', category: 'pipeline-survey', mapSheets: [f.slice(0, 4)], areaKm2: 1.5 })),
        { path: 'data/说明.txt', classification: '内部' }
      ])
    }
  }))
}

/** The same id with its last character changed: a package that does not exist, as long as the real one. */
const missing = (id: string): string => id.slice(0, -1) + (id.endsWith('0') ? '1' : '0')
const comparable = (body: string, id: string): unknown => {
  const { instance, ...rest } = JSON.parse(body.replaceAll(id, '<id>').replaceAll(missing(id), '<id>')) as Record<string, unknown>
  return instance === undefined ? { missing: 'instance' } : rest
}

interface TrailRow { seq: number, action: string, outcome: string, actorId: string | null, objectId: string | null, requestId: string | null, detail: string | null }

t.test('issue 15: a classified survey is hidden from the uncleared, capped for the cleared until an officer approves, and the auditor sees every step in a chain that verifies', async t => {
  const s = await surveyService(t)

  // The operator makes the first security officer and auditor on the host; the admin makes two archivists (at most 非密).
  await createAccountByOperator(s.catalogue, { login: 'wang.officer', displayName: '保密员 王', role: 'security-officer', password: PASSWORD })
  await createAccountByOperator(s.catalogue, { login: 'zhao.auditor', displayName: '审计员 赵', role: 'auditor', password: PASSWORD })
  for (const [login, displayName] of [['li.archivist', '档案员 李'], ['zhang.archivist', '档案员 张']]) {
    const made = await s.app.inject({ method: 'POST', url: '/v1/accounts', headers: s.auth(), payload: { login, displayName, role: 'archivist', password: PASSWORD } })
    t.equal(made.statusCode, 201, `${login} made by the admin`)
  }
  const officer = await logIn(s, 'wang.officer')
  const auditor = await logIn(s, 'zhao.auditor')
  const li = await logIn(s, 'li.archivist')
  const zhang = await logIn(s, 'zhang.archivist')
  const cleared = await officer.call('PATCH', `/v1/accounts/${zhang.account.id}`, { clearance: '秘密' })
  t.match(cleared.json(), { clearance: '秘密' }, 'the security officer clears 张 for 秘密; 李 stays 非密')

  // 1. 张 ingests the pipeline survey; its sheets make the package 秘密.
  t.equal((await zhang.call('POST', '/v1/projects', { code: PROJECT, name: '管线竣工测量' })).statusCode, 201, '张 registers the project')
  const submitted = await zhang.call('POST', `/v1/submissions?project=${PROJECT}`, surveyBag(t), { 'content-type': 'application/x-tar' })
  t.equal(submitted.statusCode, 202, '张 submits the survey')
  const submission = (submitted.json() as { id: string }).id
  const stored = await until('the survey stored', async () => {
    await Promise.all(s.runners.map(r => r.idle()))
    const sub = (await zhang.call('GET', `/v1/submissions/${submission}`)).json() as { state: string, packageId?: string }
    return ['stored', 'rejected', 'failed'].includes(sub.state) ? sub : undefined
  })
  t.equal(stored.state, 'stored', 'the survey is stored')
  const pkg = String(stored.packageId)
  t.match((await zhang.call('GET', `/v1/packages/${pkg}`)).json(), { tier: '秘密' })

  // 2. 李, cleared 非密, cannot tell the package exists: the same 404 as a missing one, and no search counts it.
  for (const suffix of ['', '/files', '/files/data/D-11/管线-1.dwg']) {
    const hidden = await li.call('GET', `/v1/packages/${pkg}${suffix}`)
    const absent = await li.call('GET', `/v1/packages/${missing(pkg)}${suffix}`)
    t.equal(hidden.statusCode, 404, `hidden: ${suffix}`)
    t.same(comparable(hidden.body, pkg), comparable(absent.body, pkg), `answered as a missing package: ${suffix}`)
  }
  t.match((await li.call('GET', '/v1/packages?limit=10')).json(), { total: 0, items: [] }, '李 searches and finds nothing')
  t.match((await zhang.call('GET', '/v1/packages?limit=10')).json(), { total: 1, items: [{ id: pkg }] }, '张 finds it')

  // 3. 张 reads sheets up to the cap; the third is refused, with an alert.
  const sheet = async (n: number): Promise<LightMyRequestResponse> => await zhang.call('GET', `/v1/packages/${pkg}/files/data/D-11/${SHEETS[n - 1] ?? ''}`)
  t.equal((await sheet(1)).statusCode, 200)
  t.equal((await sheet(2)).statusCode, 200, 'two sheets are within the cap')
  const over = await sheet(3)
  t.equal(over.statusCode, 403)
  t.match(over.json(), { code: 'AGGREGATION_CAP_EXCEEDED', detail: /3 files \(cap 2\)/ })

  // 4. 张 asks for a wider scope over this package; 王 approves; the third sheet is read.
  const asked = await zhang.call('POST', '/v1/approvals', { kind: 'aggregation-scope', parameters: { files: 5, packageIds: [pkg] }, reason: '管线竣工测量复核' })
  t.equal(asked.statusCode, 201, '张 files an aggregation-scope request')
  const request = (asked.json() as { id: string }).id
  t.equal((await zhang.call('POST', `/v1/approvals/${request}/approve`, {})).statusCode, 403, '张 cannot approve it')
  const approved = await officer.call('POST', `/v1/approvals/${request}/approve`, { reason: '同意' })
  t.match(approved.json(), { state: 'approved', requestedBy: zhang.account.id, decidedBy: officer.account.id })
  const read = await sheet(3)
  t.equal(read.statusCode, 200)
  t.equal(read.body, 'sheet 管线-3.dwg')

  // 5. The auditor reads the trail: every step is there, under the names of the people who took it.
  const rowOf = async (res: LightMyRequestResponse): Promise<TrailRow> => await until(`trail row of ${String(res.headers['x-request-id'])}`, async () => {
    const page = (await auditor.call('GET', `/v1/audit?actor=${zhang.account.id}&limit=100`)).json() as { items: TrailRow[] }
    return page.items.find(r => r.requestId === res.headers['x-request-id'])
  })
  t.match(await rowOf(over), { action: 'GET /v1/packages/:id/files/*', outcome: 'denied', objectId: pkg, detail: /"status":403/ }, 'the refused read')
  const readRow = await rowOf(read)
  t.match(readRow, { action: 'GET /v1/packages/:id/files/*', outcome: 'allowed', objectId: pkg, detail: /"status":200/ }, 'the successful read')
  const steps = async (action: string): Promise<TrailRow[]> => ((await auditor.call('GET', `/v1/audit?action=${encodeURIComponent(action)}&order=asc`)).json() as { items: TrailRow[] }).items
  t.match(await steps('aggregation.alert'), [{ actorId: zhang.account.id, outcome: 'refused' }], 'the alert')
  t.match(await steps('approval.requested'), [{ actorId: zhang.account.id, objectId: request }], 'the request')
  t.match(await steps('approval.approved'), [{ actorId: officer.account.id, objectId: request }], 'the approval')
  const hiddenRead = await until('李\'s reads in the trail', async () => {
    const rows = ((await auditor.call('GET', `/v1/audit?actor=${li.account.id}&objectId=${pkg}`)).json() as { items: TrailRow[] }).items
    return rows.length >= 3 ? rows : undefined
  })
  t.ok(hiddenRead.every(r => r.outcome === 'error' && /"status":404/.test(r.detail ?? '')), '李\'s attempts on the hidden package are recorded too')

  // ... and the chain from the first row to the last verifies.
  const report = await verifyTrail(s.catalogue.audit)
  t.match(report, { ok: true, firstBreak: null })
  t.ok(report.rows >= readRow.seq, 'the check covered the whole story, up to the last read')
})
