import t from 'tap'
import { makeCatalogue, thrown } from './helpers.js'

t.test('a project is created once and read back by its code', async t => {
  const { c } = makeCatalogue(t)
  const p = c.projects.create({ code: '2024-330102-47-01-000001', name: '滨江安置房', unit: '杭州城投' })
  t.same(p, { code: '2024-330102-47-01-000001', name: '滨江安置房', unit: '杭州城投', createdAt: '2024-05-01T00:00:00.000Z' })
  t.same(c.projects.get(p.code), p)
  t.equal(c.projects.get('nope'), null)
  t.equal(c.projects.create({ code: 'NO-UNIT', name: 'x' }).unit, null)
  t.match(thrown(() => c.projects.create({ code: p.code, name: 'again' })), { code: 'PROJECT_EXISTS', details: { code: p.code } })
})

t.test('a project code is 1 to 64 characters of A-Z, a-z, 0-9 and -, in the code and in the schema', async t => {
  const { c } = makeCatalogue(t)
  for (const bad of ['', 'a b', 'a/b', '项目', 'x'.repeat(65), "a'--"]) {
    t.match(thrown(() => c.projects.create({ code: bad, name: 'n' })), { code: 'PROJECT_CODE_INVALID' }, JSON.stringify(bad))
  }
  t.ok(c.projects.create({ code: 'x'.repeat(64), name: 'n' }))
  t.throws(() => c.db.prepare("INSERT INTO projects (code, name, created_at) VALUES ('a b', 'n', 'x')").run(), /CHECK constraint/)
})

t.test('search matches code or name case-insensitively, filters by unit and half-open date range, and pages with a total', async t => {
  const { c, clock } = makeCatalogue(t)
  const make = (code: string, name: string, unit: string | null, at: string): void => { clock.set(at); c.projects.create({ code, name, unit }) }
  make('HZ-001', 'Riverside Housing', 'Unit A', '2024-01-10T00:00:00.000Z')
  make('HZ-002', 'riverside school', 'Unit B', '2024-02-10T00:00:00.000Z')
  make('NB-001', '宁波 Bridge', 'Unit A', '2024-03-10T00:00:00.000Z')
  make('NB-002', '50% Tower', null, '2024-04-10T00:00:00.000Z')

  t.same(c.projects.search({ q: 'RIVERSIDE', limit: 10, offset: 0 }).items.map(p => p.code), ['HZ-002', 'HZ-001'], 'newest first')
  t.same(c.projects.search({ q: 'hz-', limit: 10, offset: 0 }).total, 2, 'code matches too')
  t.same(c.projects.search({ q: '宁波', limit: 10, offset: 0 }).items.map(p => p.code), ['NB-001'])
  t.same(c.projects.search({ q: '50%', limit: 10, offset: 0 }).items.map(p => p.code), ['NB-002'], '% is literal')
  t.same(c.projects.search({ q: '_', limit: 10, offset: 0 }).total, 0, '_ is literal')
  t.same(c.projects.search({ unit: 'Unit A', limit: 10, offset: 0 }).items.map(p => p.code), ['NB-001', 'HZ-001'])
  t.same(c.projects.search({ createdFrom: '2024-02-10', createdTo: '2024-03-10T00:00:00Z', limit: 10, offset: 0 }).items.map(p => p.code), ['HZ-002'],
    'from is inclusive, to exclusive')
  t.same(c.projects.search({ createdFrom: '2024-03-10T08:00:00+08:00', limit: 10, offset: 0 }).total, 2, 'an offset is normalised to UTC')

  const page1 = c.projects.search({ limit: 3, offset: 0 })
  const page2 = c.projects.search({ limit: 3, offset: 3 })
  t.equal(page1.total, 4)
  t.equal(page2.total, 4)
  t.same([...page1.items, ...page2.items].map(p => p.code), ['NB-002', 'NB-001', 'HZ-002', 'HZ-001'])
  t.match(thrown(() => c.projects.search({ createdFrom: 'yesterday', limit: 10, offset: 0 })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
  t.match(thrown(() => c.projects.search({ limit: 0, offset: 0 })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
})
