import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { addDays, beijingDate } from '../../src/acceptance/numbering.js'
import { addMonths } from '../../src/commitments/index.js'
import { verifySealedDocument } from '../../src/documents/index.js'
import { makeBag } from '../fixtures/bags.js'
import { UNITS } from '../fixtures/acceptance.js'
import { makeCenterPki } from '../fixtures/documents.js'
import { buildTestApp, tarOf, type TestService } from '../fixtures/service.js'
import { startReceiver } from '../integration/receiver.js'

// Issue 14, "Done when": the whole story through the service's HTTP interface, on whichever catalogue
// engine the run uses. A phased project is registered → the builder reads the requirements notice →
// a submission with defects → one rectification notice listing all of them → the resubmission says what
// is resolved → accepted with a commitment → a supplementary submission fulfils part of it → the rest
// goes overdue (the daily job run with a later day) → a credit record against the builder and its person
// in charge, and the law-enforcement system's webhook arrives at a real receiver on 127.0.0.1 with a
// signature it checks. Every state change along the way is an event.

const CODE = '2026-330106-47-01-000714'
const OTHER = '2026-330106-47-01-000715'
const SECRET = 'law-enforcement-shared-secret-0123456789'
const center = makeCenterPki(t)
process.env.LANTAI_TEST_ENFORCEMENT_SECRET = SECRET

// Bodies are read as the JSON the client gets and checked with t.match, field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
interface Reply { status: number, body: Json, headers: Record<string, unknown> }

async function call (s: TestService, method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown): Promise<Reply> {
  const res = await s.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })
  const json = res.headers['content-type']?.toString().includes('json') === true
  return { status: res.statusCode, body: json ? res.json() : res.body, headers: res.headers }
}

async function upload (t: Test, s: TestService, headers: Record<string, string>, files: Record<string, string>, query: string, corrupt?: string): Promise<Reply> {
  const dir = makeBag(t, files)
  if (corrupt !== undefined) writeFileSync(join(dir, corrupt), 'changed after bagging')
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?${query}`, headers: { ...headers, 'content-type': 'application/x-tar' }, payload: tarOf(t, dir) })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

async function submit (t: Test, s: TestService, headers: Record<string, string>, files: Record<string, string>, query: string, corrupt?: string): Promise<Json> {
  const res = await upload(t, s, headers, files, query, corrupt)
  t.equal(res.status, 202, JSON.stringify(res.body))
  return await s.settle(res.body.id as string)
}

const eventTypes = async (s: TestService, objectId: string): Promise<string[]> =>
  (await s.catalogue.events.list({ objectId, limit: 1000, offset: 0 })).items.map(e => e.type)

// These small bags carry no metadata file and cover little of the shipped filing scope, so the acceptance
// checks report errors: accepting one takes a recorded override (docs/acceptance-review.md).
const OVERRIDE = { reason: '试点项目，范围外文件按承诺补交' }
const STATEMENTS = { complete: true, matchesWorks: true, scansMatchPaper: true, transferOnTime: true }

t.test('the acceptance story: requirements, rectification, acceptance with a commitment, a supplement, an overdue item, a credit record and the law-enforcement webhook', async t => {
  const receiver = await startReceiver(t, SECRET)
  const approval = await startReceiver(t, SECRET)
  const s = await buildTestApp(t, center.env('sm2'), { decision: true })
  // The test decides when webhooks go out, so it can look at the outbox in between.
  await s.dispatcher.stop()
  const admin = s.auth()
  const token = async (role: string, label: string): Promise<Record<string, string>> => s.auth((await call(s, 'POST', '/v1/tokens', admin, { role, label })).body.secret as string)
  const archivist = await token('archivist', '档案员 李')
  const enforcement = await token('system', '执法系统')
  t.equal((await call(s, 'PUT', '/v1/subscribers/enforcement', admin, { url: receiver.url, events: ['commitment.overdue'], secretEnv: 'LANTAI_TEST_ENFORCEMENT_SECRET' })).status, 201)
  t.equal((await call(s, 'PUT', '/v1/subscribers/approval', admin, { url: approval.url, events: ['acceptance.*'], secretEnv: 'LANTAI_TEST_ENFORCEMENT_SECRET' })).status, 201)

  // 1. A phased project with its builder and the builder's person in charge.
  const builder = { ...UNITS.builder, persons: [{ name: '王建国', title: '项目负责人' }] }
  const registered = await call(s, 'POST', '/v1/projects', admin, {
    code: CODE, name: '西湖文化广场二期', unit: builder.name, units: [builder],
    phases: [{ code: 'P1', name: '一期 地下室及裙房' }, { code: 'P2', name: '二期 塔楼' }]
  })
  t.equal(registered.status, 201, JSON.stringify(registered.body))
  await call(s, 'POST', '/v1/projects', admin, { code: OTHER, name: '另一项目' })

  // 2. The requirements notice (一次性告知), once, up front.
  const requirements = await call(s, 'GET', `/v1/projects/${CODE}/requirements`, archivist)
  t.match(requirements, { status: 200, body: { kind: 'requirements-notice', project: { code: CODE, units: [{ uscc: builder.uscc }] }, timeLimits: { commitment: { maxMonths: 3, startEvent: 'opinion-date' } } } })
  t.ok(JSON.stringify(requirements.body).includes('E1-15'), 'the filing scope item by item, the commitment letter among them')

  // 3. The application for phase one, and a duplicate refused.
  const applied = await call(s, 'POST', `/v1/projects/${CODE}/applications`, archivist, { phase: 'P1' })
  t.equal(applied.status, 201)
  const app = applied.body.id as string
  t.match(await call(s, 'POST', `/v1/projects/${CODE}/applications`, archivist, { phase: 'P1' }), { status: 409, body: { code: 'ACCEPTANCE_APPLICATION_DUPLICATE' } }, 'a duplicate application')

  // 4. A submission with defects: one rectification notice lists every one of them.
  const bad = await submit(t, s, archivist, { 'plan.txt': 'site plan', 'log.txt': 'construction log' }, `project=${CODE}&application=${app}`, 'data/log.txt')
  t.equal(bad.state, 'awaiting_decision')
  const returned = await call(s, 'POST', `/v1/submissions/${bad.id as string}/decision`, archivist, {
    decision: 'rectification_required', items: [{ message: 'Add the structural as-built drawings', messageZh: '补充结构竣工图' }]
  })
  t.equal(returned.status, 200, JSON.stringify(returned.body))
  const notice = returned.body.document
  t.match(notice.number, /^整改〔\d{4}〕第\d{4}号$/)
  t.ok(notice.body.findings.some((f: Json) => f.code === 'BAG_CHECKSUM_MISMATCH' && f.path === 'data/log.txt'), 'the bytes')
  t.ok(notice.body.findings.some((f: Json) => f.source === 'scope'), 'the filing scope')
  t.ok(notice.body.findings.some((f: Json) => f.source === 'archivist' && f.messageZh === '补充结构竣工图'), 'and the archivist\'s item, in the same notice')
  // the same notice as a PDF sealed by the center (SM2), which verifies against the center's root
  const pdf = await s.app.inject({ method: 'GET', url: `/v1/documents/${encodeURIComponent(notice.number as string)}.pdf`, headers: archivist })
  t.equal(pdf.statusCode, 200, pdf.body.slice(0, 300))
  t.match((await verifySealedDocument(pdf.rawPayload, center.trust)).signatures, [{ indication: 'TOTAL_PASSED' }], 'the sealed notice verifies')

  // 5. A resubmission for the wrong project is refused; the right one says what is resolved.
  t.match(await upload(t, s, archivist, { 'plan.txt': 'site plan' }, `project=${OTHER}&application=${app}`), { status: 422, body: { code: 'ACCEPTANCE_APPLICATION_MISMATCH' } })
  const fixed = await submit(t, s, archivist, { 'plan.txt': 'site plan', 'log.txt': 'construction log' }, `project=${CODE}&application=${app}`)
  t.equal(fixed.state, 'awaiting_decision')
  t.match(fixed.report.review, { notice: notice.number })
  t.ok(fixed.report.review.resolved.some((f: Json) => f.code === 'BAG_CHECKSUM_MISMATCH' && f.path === 'data/log.txt'), 'the flipped file is resolved')

  // 6. Accepted with a commitment. A due date past three months after the opinion's date is refused.
  const today = beijingDate(new Date())
  const tooLate = addDays(addMonths(today, 3), 1)
  const letter = {
    statements: STATEMENTS, signatory: '王建国',
    items: [
      { code: 'D-1', description: '建筑竣工图 architectural as-built drawings', dueDate: addDays(today, 30) },
      { code: 'E1-14', description: '城市建设档案移交书 transfer certificate', dueDate: addDays(today, 60) }
    ]
  }
  const refused = await call(s, 'POST', `/v1/submissions/${fixed.id as string}/decision`, archivist, {
    decision: 'accepted', override: OVERRIDE, commitment: { ...letter, items: [...letter.items, { code: 'E-9', description: '过期', dueDate: tooLate }] }
  })
  t.match(refused, { status: 422, body: { code: 'COMMITMENT_DUE_TOO_LATE', detail: new RegExp(`E-9 due ${tooLate}`) } })
  t.ok((await eventTypes(s, fixed.id as string)).includes('acceptance.decision.refused'), 'the refusal is an event')
  t.match(await call(s, 'POST', `/v1/submissions/${fixed.id as string}/decision`, archivist, { decision: 'accepted', override: OVERRIDE, commitment: { ...letter, statements: { ...STATEMENTS, scansMatchPaper: false } } }),
    { status: 400, body: { code: 'COMMITMENT_INVALID' } }, 'every statement must be affirmed')

  const accepted = await call(s, 'POST', `/v1/submissions/${fixed.id as string}/decision`, archivist, { decision: 'accepted', override: OVERRIDE, commitment: letter })
  t.equal(accepted.status, 200, JSON.stringify(accepted.body))
  const commitment = accepted.body.commitment
  t.match(commitment, { projectCode: CODE, phaseCode: 'P1', applicationId: app, opinionNumber: accepted.body.document.number, startEvent: 'opinion-date', startDate: today, dueDate: addDays(today, 60), state: 'open' })
  t.same(commitment.items.map((i: Json) => [i.code, i.state]), [['D-1', 'owed'], ['E1-14', 'owed']])
  t.equal((await s.settle(fixed.id as string)).state, 'stored')
  t.match((await call(s, 'GET', `/v1/projects/${CODE}/phases/status`, archivist)).body.phases[0], { phase: { code: 'P1' }, state: 'committed', opinion: accepted.body.document.number })

  // 7. A supplementary submission brings D-1: it becomes version 2 and the item names it.
  const cmt = commitment.id as string
  t.match(await upload(t, s, archivist, { 'x.txt': 'x' }, `project=${CODE}&commitment=${cmt}&fulfils=Z-9`), { status: 422, body: { code: 'COMMITMENT_ITEM_UNKNOWN' } }, 'an item the letter does not owe')
  t.match(await upload(t, s, archivist, { 'x.txt': 'x' }, `project=${OTHER}&commitment=${cmt}&fulfils=D-1`), { status: 422, body: { code: 'COMMITMENT_MISMATCH' } }, 'another project\'s commitment')
  const supplement = await submit(t, s, archivist, { 'drawings/architecture.txt': 'as-built drawings' }, `project=${CODE}&commitment=${cmt}&fulfils=D-1`)
  t.equal(supplement.state, 'awaiting_decision')
  t.equal((await call(s, 'POST', `/v1/submissions/${supplement.id as string}/decision`, archivist, { decision: 'accepted', override: OVERRIDE })).status, 200)
  const stored = await s.settle(supplement.id as string)
  t.match(stored, { state: 'stored', version: 2 })
  const partly = (await call(s, 'GET', `/v1/commitments/${cmt}`, enforcement)).body
  t.match(partly, { state: 'open', items: [{ code: 'D-1', state: 'fulfilled', submissionId: supplement.id, version: 2 }, { code: 'E1-14', state: 'owed', submissionId: null }] })

  // 8. The daily job, on the day after E1-14's due date: overdue, a credit record, the webhook.
  const later = new Date(Date.now() + 62 * 86_400_000)
  const swept = await s.commitments.sweep(later)
  t.equal(swept.overdue.length, 1)
  t.match(swept.overdue[0], { commitmentId: cmt, projectCode: CODE, items: ['E1-14'] })
  t.same((await s.commitments.sweep(later)).overdue, [], 'a second run the same day changes nothing')
  t.match((await call(s, 'GET', `/v1/commitments/${cmt}`, archivist)).body, { state: 'overdue', items: [{ code: 'D-1', state: 'fulfilled' }, { code: 'E1-14', state: 'overdue' }] })

  const records = (await call(s, 'GET', `/v1/credit-records?uscc=${builder.uscc}`, enforcement)).body
  t.equal(records.total, 1)
  const record = records.items[0]
  t.match(record, {
    id: swept.overdue[0]!.creditRecords[0], type: 'commitment-overdue', standing: 'in_force', unit: { uscc: builder.uscc, name: builder.name, role: 'builder' },
    persons: [{ name: '王建国', title: '项目负责人' }], projectCode: CODE, commitmentId: cmt, occurredOn: addDays(today, 61),
    evidence: { commitmentId: cmt, items: [{ code: 'E1-14' }] }
  })

  await s.dispatcher.runOnce()
  t.equal(receiver.received.length, 1, 'the law-enforcement system got one call')
  const delivered = receiver.received[0]!
  t.ok(delivered.verdict.ok, 'its signature checks out with the shared secret')
  t.equal(delivered.headers['lantai-event-type'], 'commitment.overdue')
  t.match(JSON.parse(delivered.body), {
    type: 'commitment.overdue',
    data: { version: 1, commitmentId: cmt, projectCode: CODE, phaseCode: 'P1', builders: [{ uscc: builder.uscc, persons: [{ name: '王建国' }] }], overdueItems: [{ code: 'E1-14', dueDate: addDays(today, 60) }] }
  })
  // The receiver refuses the same call replayed, and one whose body was changed on the way.
  const resend = async (body: string): Promise<number> => (await fetch(receiver.url, {
    method: 'POST', body, headers: Object.fromEntries(Object.entries(delivered.headers).filter(([k]) => k.startsWith('lantai-') || k === 'content-type')) as Record<string, string>
  })).status
  t.equal(await resend(delivered.body), 401, 'a replay is refused')
  t.equal(receiver.received.at(-1)!.verdict.ok ? null : (receiver.received.at(-1)!.verdict as Json).code, 'WEBHOOK_REPLAYED')
  t.equal(await resend(delivered.body.replace('E1-14', 'E-3')), 401, 'a tampered body is refused')
  t.equal((receiver.received.at(-1)!.verdict as Json).code, 'WEBHOOK_SIGNATURE_INVALID')
  t.same(receiver.processed.length, 1, 'acted on once')
  // The approval system got the notice and the opinions; the opinion with the commitment names its items.
  const toApproval = approval.received.filter(r => r.verdict.ok).map(r => JSON.parse(r.body) as Json)
  t.same(toApproval.map(m => m.type), ['acceptance.rectification', 'acceptance.opinion', 'acceptance.opinion'])
  t.match(toApproval[1].data, { document: accepted.body.document.number, projectCode: CODE, commitment: { id: cmt, items: [{ code: 'D-1' }, { code: 'E1-14' }] } })
  t.equal(toApproval[2].data.commitment, null, 'the supplement\'s acceptance carries none')

  // 9. The builder appeals through its system; the archivist upholds it. Nothing is overwritten.
  t.equal((await call(s, 'POST', `/v1/credit-records/${record.id as string}/appeal`, enforcement, { reason: '竣工测量因天气延误' })).status, 201)
  t.match(await call(s, 'POST', `/v1/credit-records/${record.id as string}/appeal`, enforcement, { reason: 'again' }), { status: 409, body: { code: 'CREDIT_STATE_CONFLICT' } })
  t.match(await call(s, 'POST', `/v1/credit-records/${record.id as string}/correction`, enforcement, { outcome: 'revoked', reason: 'self-service' }), { status: 403 }, 'only the archivist corrects')
  const upheld = await call(s, 'POST', `/v1/credit-records/${record.id as string}/correction`, archivist, { outcome: 'upheld', reason: '延误不属不可抗力' })
  t.match(upheld, { status: 201, body: { standing: 'upheld', history: [{ kind: 'appeal', standing: 'appealed' }, { kind: 'correction', standing: 'upheld' }] } })
  const csv = await call(s, 'GET', `/v1/credit-records?format=csv&project=${CODE}`, archivist)
  t.match(csv.headers['content-type'], /^text\/csv/)
  t.match(csv.body, new RegExp(`${record.id as string},commitment-overdue,upheld,${builder.uscc},${builder.name}`))
  t.match((await call(s, 'GET', `/v1/units/${builder.uscc}/credit?on=${addDays(today, 62)}`, archivist)).body, { uscc: builder.uscc, score: 80, grade: 'B', counted: [record.id] })

  // 10. The phased project shows its phases.
  t.equal((await call(s, 'POST', `/v1/projects/${CODE}/applications`, archivist, { phase: 'P2' })).status, 201)
  const phases = (await call(s, 'GET', `/v1/projects/${CODE}/phases/status`, archivist)).body.phases
  t.match(phases, [
    { phase: { code: 'P1', position: 1 }, state: 'breached', commitments: [{ id: cmt, state: 'overdue' }], transferred: { submissionId: fixed.id, version: 1 } },
    { phase: { code: 'P2', position: 2 }, state: 'under_review', commitments: [] }
  ])

  // 11. Every state change was an event, on the project it concerns.
  const trail = await eventTypes(s, CODE)
  for (const type of ['project.created', 'acceptance.application.under_review', 'acceptance.application.rectify', 'acceptance.application.accepted', 'commitment.created',
    'commitment.claimed', 'commitment.items.fulfilled', 'commitment.overdue', 'credit.recorded', 'credit.appealed', 'credit.upheld', 'commitment.submission.refused']) {
    t.ok(trail.includes(type), type)
  }
})
