import t from 'tap'
import { eachEngine, makeCatalogue, thrown } from './helpers.js'

eachEngine(t, 'a project is created once and read back by its code', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  const p = await c.projects.create({ code: '2024-330102-47-01-000001', name: '滨江安置房', unit: '杭州城投' })
  t.same(p, { code: '2024-330102-47-01-000001', name: '滨江安置房', unit: '杭州城投', location: null, classification: '非密', createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-05-01T00:00:00.000Z' })
  t.same(await c.projects.get(p.code), p)
  t.equal(await c.projects.get('nope'), null)
  t.equal((await c.projects.create({ code: 'NO-UNIT', name: 'x' })).unit, null)
  t.match(await thrown(async () => await c.projects.create({ code: p.code, name: 'again' })), { code: 'PROJECT_EXISTS', details: { code: p.code } })
})

eachEngine(t, 'a project and its project.created event are written together; a refused duplicate leaves no event', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: '2024-330102-47-01-000002', name: '滨江安置房' }, 'tok_ARCHIVIST')
  await thrown(async () => await c.projects.create({ code: '2024-330102-47-01-000002', name: 'again' }, 'tok_OTHER'))
  t.match(await c.events.list({ type: 'project.created', limit: 10, offset: 0 }), {
    total: 1, items: [{ agent: 'tok_ARCHIVIST', objectType: 'project', objectId: '2024-330102-47-01-000002', detail: { name: '滨江安置房' } }]
  })
})

eachEngine(t, 'a project code is 1 to 64 characters of A-Z, a-z, 0-9 and -, in the code and in the schema', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  for (const bad of ['', 'a b', 'a/b', '项目', 'x'.repeat(65), "a'--"]) {
    t.match(await thrown(async () => await c.projects.create({ code: bad, name: 'n' })), { code: 'PROJECT_CODE_INVALID' }, JSON.stringify(bad))
  }
  t.ok(await c.projects.create({ code: 'x'.repeat(64), name: 'n' }))
  await t.rejects((await sql()).run("INSERT INTO projects (code, name, created_at) VALUES ('a b', 'n', 'x')"), /check constraint/i)
})

eachEngine(t, 'search matches code or name case-insensitively, filters by unit and half-open date range, and pages with a total', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const make = async (code: string, name: string, unit: string | null, at: string): Promise<void> => { clock.set(at); await c.projects.create({ code, name, unit }) }
  await make('HZ-001', 'Riverside Housing', 'Unit A', '2024-01-10T00:00:00.000Z')
  await make('HZ-002', 'riverside school', 'Unit B', '2024-02-10T00:00:00.000Z')
  await make('NB-001', '宁波 Bridge', 'Unit A', '2024-03-10T00:00:00.000Z')
  await make('NB-002', '50% Tower', null, '2024-04-10T00:00:00.000Z')

  t.same((await c.projects.search({ q: 'RIVERSIDE', limit: 10, offset: 0 })).items.map(p => p.code), ['HZ-002', 'HZ-001'], 'newest first')
  t.same((await c.projects.search({ q: 'hz-', limit: 10, offset: 0 })).total, 2, 'code matches too')
  t.same((await c.projects.search({ q: '宁波', limit: 10, offset: 0 })).items.map(p => p.code), ['NB-001'])
  t.same((await c.projects.search({ q: '50%', limit: 10, offset: 0 })).items.map(p => p.code), ['NB-002'], '% is literal')
  t.same((await c.projects.search({ q: '_', limit: 10, offset: 0 })).total, 0, '_ is literal')
  t.same((await c.projects.search({ unit: 'Unit A', limit: 10, offset: 0 })).items.map(p => p.code), ['NB-001', 'HZ-001'])
  t.same((await c.projects.search({ createdFrom: '2024-02-10', createdTo: '2024-03-10T00:00:00Z', limit: 10, offset: 0 })).items.map(p => p.code), ['HZ-002'],
    'from is inclusive, to exclusive')
  t.same((await c.projects.search({ createdFrom: '2024-03-10T08:00:00+08:00', limit: 10, offset: 0 })).total, 2, 'an offset is normalised to UTC')

  const page1 = await c.projects.search({ limit: 3, offset: 0 })
  const page2 = await c.projects.search({ limit: 3, offset: 3 })
  t.equal(page1.total, 4)
  t.equal(page2.total, 4)
  t.same([...page1.items, ...page2.items].map(p => p.code), ['NB-002', 'NB-001', 'HZ-002', 'HZ-001'])
  t.match(await thrown(async () => await c.projects.search({ createdFrom: 'yesterday', limit: 10, offset: 0 })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
  t.match(await thrown(async () => await c.projects.search({ limit: 0, offset: 0 })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
})
