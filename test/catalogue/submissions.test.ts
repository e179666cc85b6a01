import t from 'tap'
import { SUBMISSION_STATES, SUBMISSION_TRANSITIONS } from '../../src/catalogue/index.js'
import { breakEvents, eachEngine, makeCatalogue, thrown } from './helpers.js'

const SHA = 'ab'.repeat(32)

eachEngine(t, 'a new submission is receiving, has a sortable sub_ id, and its start is an event', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const a = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: 'tok_X' })
  const b = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  t.match(a.id, /^sub_[0-9A-HJKMNP-TV-Z]{26}$/)
  t.ok(a.id < b.id, 'ids made in the same millisecond still sort in creation order')
  t.match(a, { state: 'receiving', bytesReceived: 0, progress: 0, sha256: null, report: null, error: null, createdBy: 'tok_X', createdAt: '2024-05-01T00:00:00.000Z' })
  t.same(await c.submissions.get(a.id), a)
  t.match((await c.events.list({ objectId: a.id, limit: 10, offset: 0 })).items, [{ type: 'submission.receiving', agent: 'tok_X', objectType: 'submission' }])
  t.match(await thrown(async () => await c.submissions.create({ projectCode: 'NOPE', contentType: 'application/zip', createdBy: null })), { code: 'PROJECT_NOT_FOUND' })
})

eachEngine(t, 'transition is a compare-and-set that patches fields and appends submission.<to>', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const s = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/x-tar', createdBy: null })
  clock.advance(1000)
  const r = await c.submissions.transition(s.id, 'receiving', 'received', { bytesReceived: 1234, sha256: SHA, progress: 40, stage: 'received' }, { agent: 'tok_A' })
  t.match(r, { state: 'received', bytesReceived: 1234, sha256: SHA, progress: 40, stage: 'received', updatedAt: '2024-05-01T00:00:01.000Z', createdAt: '2024-05-01T00:00:00.000Z' })
  const ev = await c.events.list({ objectId: s.id, type: 'submission.received', limit: 10, offset: 0 })
  t.equal(ev.total, 1)
  t.match(ev.items[0], { outcome: 'success', agent: 'tok_A', detail: { from: 'receiving', to: 'received', bytesReceived: 1234, sha256: SHA } })

  // 1. a second worker still believing the submission is receiving loses the race
  const err = await thrown(async () => await c.submissions.transition(s.id, 'receiving', 'failed'))
  t.match(err, { code: 'STATE_CONFLICT', details: { actual: 'received', expected: ['receiving'], to: 'failed' } })
  t.match((err as Error).message, /is received, expected receiving/, 'the message names both states')
  // 2. several expected states, one of them right
  t.equal((await c.submissions.transition(s.id, ['checking', 'received'], 'checking')).state, 'checking')
  // 3. nothing changed by the lost race
  t.equal((await c.events.list({ objectId: s.id, limit: 10, offset: 0 })).total, 3)
  t.match(await thrown(async () => await c.submissions.transition('sub_NOPE', 'received', 'checking')), { code: 'SUBMISSION_NOT_FOUND' })
})

eachEngine(t, 'an edge outside the state machine is SUBMISSION_TRANSITION_INVALID, and final states have no way out', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const s = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  t.match(await thrown(async () => await c.submissions.transition(s.id, 'receiving', 'stored')), { code: 'SUBMISSION_TRANSITION_INVALID', details: { from: 'receiving', to: 'stored' } })
  for (const final of ['stored', 'rejected', 'failed'] as const) t.same(SUBMISSION_TRANSITIONS[final], [])
  for (const state of SUBMISSION_STATES) t.notOk(SUBMISSION_TRANSITIONS[state].includes('receiving'), `nothing returns to receiving from ${state}`)
  await c.submissions.transition(s.id, 'receiving', 'failed', { error: { code: 'UPLOAD_INCOMPLETE', message: 'cut off' } })
  t.match(await c.submissions.get(s.id), { state: 'failed', error: { code: 'UPLOAD_INCOMPLETE', message: 'cut off' } })
  t.match((await c.events.list({ objectId: s.id, type: 'submission.failed', limit: 1, offset: 0 })).items[0], { outcome: 'failure' })
})

eachEngine(t, 'a failure after the state update rolls back both the state and the event', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const s = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  // 1. make the event insert (which runs after the UPDATE) fail
  const mend = await breakEvents(await sql(), target.engine)
  // 2. the transition fails …
  await t.rejects(c.submissions.transition(s.id, 'receiving', 'received', { bytesReceived: 99, sha256: SHA }), /disk on fire/)
  await mend()
  // 3. … and left neither the new state nor the event behind
  t.match(await c.submissions.get(s.id), { state: 'receiving', bytesReceived: 0, sha256: null })
  t.equal((await c.events.list({ objectId: s.id, type: 'submission.received', limit: 10, offset: 0 })).total, 0)
  t.equal((await c.submissions.transition(s.id, 'receiving', 'received')).state, 'received', 'and it can be retried')
})

eachEngine(t, 'a transition can queue the job that carries the submission on, in the same commit or not at all', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const s = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/x-tar', createdBy: null })
  // 1. received and its ingest job arrive together: no process killed between them leaves it unworked
  await c.submissions.transition(s.id, 'receiving', 'received', { progress: 40 }, { enqueue: { kind: 'ingest', payload: { from: 'test' } } })
  t.match(await c.jobs.activeFor('ingest', s.id), { state: 'queued', subjectId: s.id, payload: { from: 'test' } })
  // 2. a job that cannot be queued (one is active) undoes the state change and its event
  const err = await thrown(async () => await c.submissions.transition(s.id, 'received', 'checking', {}, { enqueue: { kind: 'ingest' } }))
  t.match(err, { code: 'JOB_ACTIVE' })
  t.equal((await c.submissions.get(s.id))?.state, 'received')
  t.equal((await c.events.list({ objectId: s.id, type: 'submission.checking', limit: 10, offset: 0 })).total, 0)
})

eachEngine(t, 'a patch can set a field to null and stores the report as JSON', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const s = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  await c.submissions.transition(s.id, 'receiving', 'received', { stage: 'hashing' })
  await c.submissions.transition(s.id, 'received', 'checking')
  const report = { valid: false, errors: [{ code: 'BAG_FILE_MISSING', path: 'data/图纸.pdf' }], warnings: [] }
  const r = await c.submissions.transition(s.id, 'checking', 'rejected', { report, stage: null, progress: 100 })
  t.same(r.report, report)
  t.equal(r.stage, null)
  t.same((await c.submissions.get(s.id))?.report, report)
  const ev = (await c.events.list({ objectId: s.id, type: 'submission.rejected', limit: 1, offset: 0 })).items[0]
  t.notOk(JSON.stringify(ev?.detail).includes('BAG_FILE_MISSING'), 'the report is not copied into the event')
})

eachEngine(t, 'progress records stage and bytes without an event, and checks its range', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const s = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  await c.submissions.progress(s.id, 12.5, 'unpacking', 4096)
  t.match(await c.submissions.get(s.id), { progress: 12.5, stage: 'unpacking', bytesReceived: 4096, state: 'receiving' })
  await c.submissions.progress(s.id, 20, 'hashing')
  t.match(await c.submissions.get(s.id), { progress: 20, stage: 'hashing', bytesReceived: 4096 })
  t.equal((await c.events.list({ objectId: s.id, limit: 10, offset: 0 })).total, 1, 'only the creation event')
  t.match(await thrown(async () => await c.submissions.progress(s.id, 101, 'x')), { code: 'CATALOGUE_ARGUMENT_INVALID' })
  t.match(await thrown(async () => await c.submissions.progress('sub_NOPE', 1, 'x')), { code: 'SUBMISSION_NOT_FOUND' })
})

eachEngine(t, 'findStoredBySha256 finds the original stored upload of the same body in the same project', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  await c.projects.create({ code: 'P-2', name: 'two' })
  const store = async (project: string, duplicateOf: string | null = null): Promise<string> => {
    const s = await c.submissions.create({ projectCode: project, contentType: 'application/zip', createdBy: null })
    await c.submissions.transition(s.id, 'receiving', 'received', { sha256: SHA, duplicateOf })
    if (duplicateOf !== null) await c.submissions.transition(s.id, 'received', 'stored')
    else for (const [a, b] of [['received', 'checking'], ['checking', 'checked'], ['checked', 'transferring'], ['transferring', 'stored']] as const) await c.submissions.transition(s.id, a, b)
    clock.advance(1)
    return s.id
  }
  t.equal(await c.submissions.findStoredBySha256('P-1', SHA), null)
  const pending = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })
  await c.submissions.transition(pending.id, 'receiving', 'received', { sha256: SHA })
  t.equal(await c.submissions.findStoredBySha256('P-1', SHA), null, 'only stored submissions count')
  const original = await store('P-1')
  await store('P-1', original)
  t.equal((await c.submissions.findStoredBySha256('P-1', SHA))?.id, original)
  t.equal(await c.submissions.findStoredBySha256('P-2', SHA), null, 'another project')
})

eachEngine(t, 'list filters by project and state, newest first, with a total; listByStates serves crash recovery', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  await c.projects.create({ code: 'P-2', name: 'two' })
  const ids: string[] = []
  for (let i = 0; i < 5; i++) {
    const s = await c.submissions.create({ projectCode: i < 3 ? 'P-1' : 'P-2', contentType: 'application/zip', createdBy: null })
    if (i % 2 === 0) await c.submissions.transition(s.id, 'receiving', 'received')
    ids.push(s.id)
    clock.advance(10)
  }
  const all = await c.submissions.list({ limit: 2, offset: 0 })
  t.equal(all.total, 5)
  t.same(all.items.map(s => s.id), [ids[4], ids[3]])
  t.same((await c.submissions.list({ projectCode: 'P-1', limit: 10, offset: 0 })).items.map(s => s.id), [ids[2], ids[1], ids[0]])
  t.same(await c.submissions.list({ projectCode: 'P-1', state: 'received', limit: 10, offset: 0 }), { items: [await c.submissions.get(ids[2] ?? ''), await c.submissions.get(ids[0] ?? '')], total: 2 })
  t.equal((await c.submissions.list({ state: 'receiving', limit: 10, offset: 0 })).total, 2)
  t.same((await c.submissions.listByStates(['received', 'checking'])).map(s => s.id), [ids[0], ids[2], ids[4]], 'oldest first')
  t.same(await c.submissions.listByStates([]), [])
})

eachEngine(t, 'a submission keeps its mode, supplement unless it says replace; a duplicate found at transfer is rejected from there', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  t.equal((await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null })).mode, 'supplement')
  const r = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null, mode: 'replace' })
  t.equal((await c.submissions.get(r.id))?.mode, 'replace')
  t.match((await c.events.list({ objectId: r.id, limit: 10, offset: 0 })).items, [{ type: 'submission.receiving', detail: { mode: 'replace' } }])
  t.match(await thrown(async () => await c.submissions.create({ projectCode: 'P-1', contentType: 'application/zip', createdBy: null, mode: 'merge' as never })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
  for (const [a, b] of [['receiving', 'received'], ['received', 'checking'], ['checking', 'checked'], ['checked', 'transferring']] as const) await c.submissions.transition(r.id, a, b)
  t.match(await c.submissions.transition(r.id, 'transferring', 'rejected', { error: { code: 'DUPLICATE_SUBMISSION', message: 'm' } }), { state: 'rejected' })
})

eachEngine(t, 'a read submission parses its report once, when read, and behaves as a plain field', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const s = await c.submissions.create({ projectCode: 'P-1', contentType: 'application/x-tar', createdBy: null })
  await c.submissions.transition(s.id, 'receiving', 'received')
  await c.submissions.transition(s.id, 'received', 'checking')
  const report = { valid: true, errors: [], warnings: [], acceptance: { findings: [{ code: 'SCOPE_FILE_UNEXPECTED', path: 'data/a.bin' }] } }
  await c.submissions.transition(s.id, 'checking', 'checked', { report })
  const got = await c.submissions.get(s.id)
  if (got === null) throw new Error('no submission')
  t.equal(got.report, got.report, 'the same object on every read')
  t.same(JSON.parse(JSON.stringify(got)).report, report, 'serialized with the rest')
  t.same({ ...got }.report, report, 'spread with the rest')
  got.report = null
  t.equal(got.report, null, 'an assignment replaces it')
  t.same((await c.submissions.transition(s.id, 'checked', 'transferring')).report, report, 'a transition returns the stored report')
})
