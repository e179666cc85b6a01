import t from 'tap'
import { SUBMISSION_STATES, SUBMISSION_TRANSITIONS } from '../../src/catalogue/index.js'
import { makeCatalogue, thrown } from './helpers.js'

const SHA = 'ab'.repeat(32)

t.test('a new submission is receiving, has a sortable sub_ id, and its start is an event', async t => {
  const { c } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  const a = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: 'tok_X' })
  const b = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  t.match(a.id, /^sub_[0-9A-HJKMNP-TV-Z]{26}$/)
  t.ok(a.id < b.id, 'ids made in the same millisecond still sort in creation order')
  t.match(a, { state: 'receiving', bytesReceived: 0, progress: 0, sha256: null, report: null, error: null, createdBy: 'tok_X', createdAt: '2024-05-01T00:00:00.000Z' })
  t.same(c.submissions.get(a.id), a)
  t.match(c.events.list({ objectId: a.id, limit: 10, offset: 0 }).items, [{ type: 'submission.receiving', agent: 'tok_X', objectType: 'submission' }])
  t.match(thrown(() => c.submissions.create({ projectCode: 'NOPE', contentType: 'application/zip', createdBy: null })), { code: 'PROJECT_NOT_FOUND' })
})

t.test('transition is a compare-and-set that patches fields and appends submission.<to>', async t => {
  const { c, clock } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  const s = c.submissions.create({ projectCode: 'P-1', contentType: 'application/x-tar', createdBy: null })
  clock.advance(1000)
  const r = c.submissions.transition(s.id, 'receiving', 'received', { bytesReceived: 1234, sha256: SHA, progress: 40, stage: 'received' }, { agent: 'tok_A' })
  t.match(r, { state: 'received', bytesReceived: 1234, sha256: SHA, progress: 40, stage: 'received', updatedAt: '2024-05-01T00:00:01.000Z', createdAt: '2024-05-01T00:00:00.000Z' })
  const ev = c.events.list({ objectId: s.id, type: 'submission.received', limit: 10, offset: 0 })
  t.equal(ev.total, 1)
  t.match(ev.items[0], { outcome: 'success', agent: 'tok_A', detail: { from: 'receiving', to: 'received', bytesReceived: 1234, sha256: SHA } })

  // 1. a second worker still believing the submission is receiving loses the race
  const err = thrown(() => c.submissions.transition(s.id, 'receiving', 'failed'))
  t.match(err, { code: 'STATE_CONFLICT', details: { actual: 'received', expected: ['receiving'], to: 'failed' } })
  t.match((err as Error).message, /is received, expected receiving/, 'the message names both states')
  // 2. several expected states, one of them right
  t.equal(c.submissions.transition(s.id, ['checking', 'received'], 'checking').state, 'checking')
  // 3. nothing changed by the lost race
  t.equal(c.events.list({ objectId: s.id, limit: 10, offset: 0 }).total, 3)
  t.match(thrown(() => c.submissions.transition('sub_NOPE', 'received', 'checking')), { code: 'SUBMISSION_NOT_FOUND' })
})

t.test('an edge outside the state machine is SUBMISSION_TRANSITION_INVALID, and final states have no way out', async t => {
  const { c } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  const s = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  t.match(thrown(() => c.submissions.transition(s.id, 'receiving', 'stored')), { code: 'SUBMISSION_TRANSITION_INVALID', details: { from: 'receiving', to: 'stored' } })
  for (const final of ['stored', 'rejected', 'failed'] as const) t.same(SUBMISSION_TRANSITIONS[final], [])
  for (const state of SUBMISSION_STATES) t.notOk(SUBMISSION_TRANSITIONS[state].includes('receiving'), `nothing returns to receiving from ${state}`)
  c.submissions.transition(s.id, 'receiving', 'failed', { error: { code: 'UPLOAD_INCOMPLETE', message: 'cut off' } })
  t.match(c.submissions.get(s.id), { state: 'failed', error: { code: 'UPLOAD_INCOMPLETE', message: 'cut off' } })
  t.match(c.events.list({ objectId: s.id, type: 'submission.failed', limit: 1, offset: 0 }).items[0], { outcome: 'failure' })
})

t.test('a failure after the state update rolls back both the state and the event', async t => {
  const { c } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  const s = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  // 1. make the event insert (which runs after the UPDATE) fail, on this connection only
  c.db.exec("CREATE TEMP TRIGGER break_events BEFORE INSERT ON main.events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
  // 2. the transition fails …
  t.throws(() => c.submissions.transition(s.id, 'receiving', 'received', { bytesReceived: 99, sha256: SHA }), /disk on fire/)
  c.db.exec('DROP TRIGGER temp.break_events')
  // 3. … and left neither the new state nor the event behind
  t.match(c.submissions.get(s.id), { state: 'receiving', bytesReceived: 0, sha256: null })
  t.equal(c.events.list({ objectId: s.id, type: 'submission.received', limit: 10, offset: 0 }).total, 0)
  t.equal(c.submissions.transition(s.id, 'receiving', 'received').state, 'received', 'and it can be retried')
})

t.test('a patch can set a field to null and stores the report as JSON', async t => {
  const { c } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  const s = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  c.submissions.transition(s.id, 'receiving', 'received', { stage: 'hashing' })
  c.submissions.transition(s.id, 'received', 'checking')
  const report = { valid: false, errors: [{ code: 'BAG_FILE_MISSING', path: 'data/图纸.pdf' }], warnings: [] }
  const r = c.submissions.transition(s.id, 'checking', 'rejected', { report, stage: null, progress: 100 })
  t.same(r.report, report)
  t.equal(r.stage, null)
  t.same(c.submissions.get(s.id)?.report, report)
  const ev = c.events.list({ objectId: s.id, type: 'submission.rejected', limit: 1, offset: 0 }).items[0]
  t.notOk(JSON.stringify(ev?.detail).includes('BAG_FILE_MISSING'), 'the report is not copied into the event')
})

t.test('progress records stage and bytes without an event, and checks its range', async t => {
  const { c } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  const s = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  c.submissions.progress(s.id, 12.5, 'unpacking', 4096)
  t.match(c.submissions.get(s.id), { progress: 12.5, stage: 'unpacking', bytesReceived: 4096, state: 'receiving' })
  c.submissions.progress(s.id, 20, 'hashing')
  t.match(c.submissions.get(s.id), { progress: 20, stage: 'hashing', bytesReceived: 4096 })
  t.equal(c.events.list({ objectId: s.id, limit: 10, offset: 0 }).total, 1, 'only the creation event')
  t.match(thrown(() => c.submissions.progress(s.id, 101, 'x')), { code: 'CATALOGUE_ARGUMENT_INVALID' })
  t.match(thrown(() => c.submissions.progress('sub_NOPE', 1, 'x')), { code: 'SUBMISSION_NOT_FOUND' })
})

t.test('findStoredBySha256 finds the original stored upload of the same body in the same project', async t => {
  const { c, clock } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  c.projects.create({ code: 'P-2', name: 'two' })
  const store = (project: string, duplicateOf: string | null = null): string => {
    const s = c.submissions.create({ projectCode: project, contentType: 'application/zip', createdBy: null })
    c.submissions.transition(s.id, 'receiving', 'received', { sha256: SHA, duplicateOf })
    if (duplicateOf !== null) c.submissions.transition(s.id, 'received', 'stored')
    else for (const [a, b] of [['received', 'checking'], ['checking', 'checked'], ['checked', 'transferring'], ['transferring', 'stored']] as const) c.submissions.transition(s.id, a, b)
    clock.advance(1)
    return s.id
  }
  t.equal(c.submissions.findStoredBySha256('P-1', SHA), null)
  const pending = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  c.submissions.transition(pending.id, 'receiving', 'received', { sha256: SHA })
  t.equal(c.submissions.findStoredBySha256('P-1', SHA), null, 'only stored submissions count')
  const original = store('P-1')
  store('P-1', original)
  t.equal(c.submissions.findStoredBySha256('P-1', SHA)?.id, original)
  t.equal(c.submissions.findStoredBySha256('P-2', SHA), null, 'another project')
})

t.test('list filters by project and state, newest first, with a total; listByStates serves crash recovery', async t => {
  const { c, clock } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  c.projects.create({ code: 'P-2', name: 'two' })
  const ids: string[] = []
  for (let i = 0; i < 5; i++) {
    const s = c.submissions.create({ projectCode: i < 3 ? 'P-1' : 'P-2', contentType: 'application/zip', createdBy: null })
    if (i % 2 === 0) c.submissions.transition(s.id, 'receiving', 'received')
    ids.push(s.id)
    clock.advance(10)
  }
  const all = c.submissions.list({ limit: 2, offset: 0 })
  t.equal(all.total, 5)
  t.same(all.items.map(s => s.id), [ids[4], ids[3]])
  t.same(c.submissions.list({ projectCode: 'P-1', limit: 10, offset: 0 }).items.map(s => s.id), [ids[2], ids[1], ids[0]])
  t.same(c.submissions.list({ projectCode: 'P-1', state: 'received', limit: 10, offset: 0 }), { items: [c.submissions.get(ids[2] ?? ''), c.submissions.get(ids[0] ?? '')], total: 2 })
  t.equal(c.submissions.list({ state: 'receiving', limit: 10, offset: 0 }).total, 2)
  t.same(c.submissions.listByStates(['received', 'checking']).map(s => s.id), [ids[0], ids[2], ids[4]], 'oldest first')
  t.same(c.submissions.listByStates([]), [])
})

t.test('a submission keeps its mode, supplement unless it says replace; a duplicate found at transfer is rejected from there', async t => {
  const { c } = makeCatalogue(t)
  c.projects.create({ code: 'P-1', name: 'one' })
  t.equal(c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null }).mode, 'supplement')
  const r = c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null, mode: 'replace' })
  t.equal(c.submissions.get(r.id)?.mode, 'replace')
  t.match(c.events.list({ objectId: r.id, limit: 10, offset: 0 }).items, [{ type: 'submission.receiving', detail: { mode: 'replace' } }])
  t.match(thrown(() => c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null, mode: 'merge' as never })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
  for (const [a, b] of [['receiving', 'received'], ['received', 'checking'], ['checking', 'checked'], ['checked', 'transferring']] as const) c.submissions.transition(r.id, a, b)
  t.match(c.submissions.transition(r.id, 'transferring', 'rejected', { error: { code: 'DUPLICATE_SUBMISSION', message: 'm' } }), { state: 'rejected' })
})
