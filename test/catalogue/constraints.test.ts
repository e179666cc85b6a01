import t from 'tap'
import { violation } from '../../src/catalogue/sql.js'
import { eachEngine, makeCatalogue, thrown, transferringSubmission } from './helpers.js'

// One mapping of constraint errors for both engines (SQLite's extended codes and message, PostgreSQL's
// SQLSTATE and constraint name), so the repositories answer with the same codes on either.

eachEngine(t, 'a broken unique, foreign-key or check constraint is recognised with the constraint it names', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  const raw = await sql()
  const at = '2024-01-01T00:00:00.000Z'
  const unique = await thrown(async () => await raw.run('INSERT INTO projects (code, name, created_at) VALUES (?, ?, ?)', ['P-1', 'again', at]))
  t.match(violation(unique), { kind: 'unique', constraint: /projects/ })
  const foreign = await thrown(async () => await raw.run("INSERT INTO submissions (id, project_code, state, content_type, created_at, updated_at) VALUES ('sub_1', 'NOPE', 'receiving', 'x', ?, ?)", [at, at]))
  t.match(violation(foreign), { kind: 'foreign-key' })
  const check = await thrown(async () => await raw.run("INSERT INTO projects (code, name, created_at) VALUES ('a b', 'n', ?)", [at]))
  t.match(violation(check), { kind: 'check' })
  t.equal(violation(new Error('something else')), null)
})

eachEngine(t, 'repositories answer constraint errors with the codes of the domain', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'P-1', name: 'one' })
  t.match(await thrown(async () => await c.projects.create({ code: 'P-1', name: 'again' })), { code: 'PROJECT_EXISTS' })
  t.match(await thrown(async () => await c.submissions.create({ projectCode: 'NOPE', contentType: 'x', createdBy: null })), { code: 'PROJECT_NOT_FOUND' })
  const job = await c.jobs.enqueue('ingest', 'sub_1', {})
  t.match(await thrown(async () => await c.jobs.enqueue('ingest', 'sub_1', {})), { code: 'JOB_ACTIVE', details: { jobId: job.id } })
  const sub = await transferringSubmission(c, 'P-1')
  const version = (project: string, number: number): Parameters<typeof c.packages.recordVersion>[0] =>
    ({ projectCode: project, ocflId: project, version: { number, submissionId: sub, message: 'm' }, files: [], contents: [] })
  await c.packages.recordVersion(version('P-1', 1))
  await c.projects.create({ code: 'P-2', name: 'two' })
  t.match(await thrown(async () => await c.packages.recordVersion(version('P-2', 1))), { code: 'PACKAGE_VERSION_CONFLICT', details: { submissionId: sub } }, 'one submission, one version')
  t.match(await thrown(async () => await c.packages.recordVersion({ ...version('NOPE', 1), ocflId: 'urn:nope' })), { code: 'PROJECT_NOT_FOUND' })
})

eachEngine(t, 'two first versions of one project recorded at once: one package, the other refused with PACKAGE_VERSION_CONFLICT', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const [a, b] = [await transferringSubmission(c, 'P-1'), await transferringSubmission(c, 'P-1')]
  const first = (submissionId: string): Parameters<typeof c.packages.recordVersion>[0] =>
    ({ projectCode: 'P-1', ocflId: 'urn:p1', version: { number: 1, submissionId, message: 'm' }, files: [], contents: [] })
  const results = await Promise.allSettled([c.packages.recordVersion(first(a)), c.packages.recordVersion(first(b))])
  t.equal(results.filter(r => r.status === 'fulfilled').length, 1, 'one wins')
  t.match(results.find(r => r.status === 'rejected'), { reason: { code: 'PACKAGE_VERSION_CONFLICT' } })
  t.equal((await c.packages.versions((await c.packages.getByProject('P-1'))?.id ?? '')).length, 1)
})
