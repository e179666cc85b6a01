import t from 'tap'
import { eachEngine, makeCatalogue, thrown } from './helpers.js'

// The project record (issue 14 item 1): units, permits and phases in tables of their own, every change
// an event written in the same transaction, on both engines.

const BUILDER = { role: 'builder' as const, uscc: '91350100M000100Y43', name: '杭州城投', persons: [{ name: '张三', title: '项目负责人' }] }
const DESIGNER = { role: 'design' as const, uscc: '91350100M000100Y43', name: '杭州城投设计院' }

eachEngine(t, 'a project registered with units, permits and phases reads back whole, with one project.created event', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({
    code: 'HZ-1', name: '滨江安置房', location: '杭州市滨江区', classification: '秘密', units: [BUILDER, DESIGNER],
    permits: [{ kind: 'construction', number: '330108202405010101', issuedOn: '2024-05-01' }, { kind: 'works-planning', number: '建字第330108202400001号', issuedOn: '2024-03-01' }],
    phases: [{ code: 'P1', name: '一期' }, { code: 'P2', name: '二期' }]
  }, 'tok_A')
  const record = await c.projects.record('HZ-1')
  t.match(record, {
    code: 'HZ-1', location: '杭州市滨江区', classification: '秘密',
    units: [{ role: 'builder', uscc: BUILDER.uscc, name: '杭州城投', persons: [{ name: '张三', title: '项目负责人' }] }, { role: 'design', persons: [] }],
    permits: [{ kind: 'works-planning', issuedOn: '2024-03-01' }, { kind: 'construction', number: '330108202405010101' }],
    phases: [{ code: 'P1', name: '一期', position: 1 }, { code: 'P2', name: '二期', position: 2 }]
  })
  t.equal(await c.projects.record('nope'), null)
  const events = await c.events.list({ objectType: 'project', objectId: 'HZ-1', limit: 10, offset: 0 })
  t.match(events, { total: 1, items: [{ type: 'project.created', agent: 'tok_A', detail: { classification: '秘密', units: [{ role: 'builder' }, { role: 'design' }], phases: ['P1', 'P2'] } }] })
})

eachEngine(t, 'a duplicate within the registration refuses the whole project, naming the duplicate, and leaves nothing behind', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  t.match(await thrown(async () => await c.projects.create({ code: 'HZ-2', name: 'n', units: [BUILDER, BUILDER] })), { code: 'UNIT_EXISTS', details: { role: 'builder', uscc: BUILDER.uscc } })
  t.match(await thrown(async () => await c.projects.create({ code: 'HZ-2', name: 'n', phases: [{ code: 'P1', name: 'a' }, { code: 'P1', name: 'b' }] })), { code: 'PHASE_EXISTS', details: { phase: 'P1' } })
  t.equal(await c.projects.get('HZ-2'), null)
  t.equal((await c.events.list({ objectId: 'HZ-2', limit: 10, offset: 0 })).total, 0)
  await c.projects.create({ code: 'HZ-2', name: 'n' })
  t.match(await thrown(async () => await c.projects.create({ code: 'HZ-2', name: 'n', units: [BUILDER] })), { code: 'PROJECT_EXISTS' })
})

eachEngine(t, 'a project\'s own fields change with a project.updated event naming each change', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'HZ-3', name: '旧名', unit: '杭州城投' })
  clock.advance(60_000)
  const after = await c.projects.update('HZ-3', { name: '新名', location: '杭州', unit: null, classification: '机密' }, 'tok_B')
  t.match(after, { name: '新名', location: '杭州', unit: null, classification: '机密', createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-05-01T00:01:00.000Z' })
  t.same(await c.projects.get('HZ-3'), after)
  t.match((await c.events.list({ type: 'project.updated', limit: 10, offset: 0 })).items, [{
    agent: 'tok_B', objectId: 'HZ-3',
    detail: { changed: { name: { from: '旧名', to: '新名' }, location: { from: null, to: '杭州' }, unit: { from: '杭州城投', to: null }, classification: { from: '非密', to: '机密' } } }
  }])
  t.match(await thrown(async () => await c.projects.update('nope', { name: 'x' })), { code: 'PROJECT_NOT_FOUND' })
  t.match(await thrown(async () => await c.projects.update('HZ-3', { name: ' ' })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
})

eachEngine(t, 'units are added once per role and code, and change with events; a unit of another project is not found', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'HZ-4', name: 'n' })
  await c.projects.create({ code: 'HZ-5', name: 'n' })
  await c.projectUnits.add('HZ-4', BUILDER, 'tok_A')
  await c.projectUnits.add('HZ-4', { ...BUILDER, role: 'survey' }, 'tok_A')
  t.match(await thrown(async () => await c.projectUnits.add('HZ-4', BUILDER)), { code: 'UNIT_EXISTS' })
  t.match(await thrown(async () => await c.projectUnits.add('NOPE', BUILDER)), { code: 'PROJECT_NOT_FOUND' })
  const changed = await c.projectUnits.update('HZ-4', 'builder', BUILDER.uscc, { persons: [{ name: '李四' }] }, 'tok_C')
  t.match(changed, { name: '杭州城投', persons: [{ name: '李四' }] })
  t.match(await thrown(async () => await c.projectUnits.update('HZ-5', 'builder', BUILDER.uscc, { name: 'x' })), { code: 'UNIT_NOT_FOUND' })
  t.same((await c.projectUnits.list('HZ-4')).map(u => u.role), ['builder', 'survey'])
  t.same((await c.events.list({ objectId: 'HZ-4', order: 'asc', limit: 10, offset: 0 })).items.map(e => e.type), ['project.created', 'project.unit-added', 'project.unit-added', 'project.unit-updated'])
  t.match((await c.events.list({ type: 'project.unit-updated', limit: 1, offset: 0 })).items[0], { agent: 'tok_C', detail: { role: 'builder', changed: { persons: { from: BUILDER.persons, to: [{ name: '李四' }] } } } })
})

eachEngine(t, 'permits are facts: added once, each with its event; phases are appended in order and renamed', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'HZ-6', name: 'n', phases: [{ code: 'P1', name: '一期' }] })
  await c.permits.add('HZ-6', { kind: 'construction', number: 'S-1', issuedOn: '2024-05-02' })
  t.match(await thrown(async () => await c.permits.add('HZ-6', { kind: 'construction', number: 'S-1', issuedOn: '2024-05-03' })), { code: 'PERMIT_EXISTS' })
  t.match(await c.phases.add('HZ-6', { code: 'P2', name: '二期' }), { position: 2 })
  t.match(await thrown(async () => await c.phases.add('HZ-6', { code: 'P1', name: 'again' })), { code: 'PHASE_EXISTS' })
  t.match(await c.phases.rename('HZ-6', 'P2', '二期（南区）'), { name: '二期（南区）', position: 2 })
  t.match(await thrown(async () => await c.phases.rename('HZ-6', 'P9', 'x')), { code: 'PHASE_NOT_FOUND' })
  t.same((await c.events.list({ objectId: 'HZ-6', order: 'asc', limit: 10, offset: 0 })).items.map(e => e.type), ['project.created', 'project.permit-added', 'project.phase-added', 'project.phase-updated'])
})

eachEngine(t, 'the database itself refuses a unit code outside the GB 32100 alphabet and an unknown classification', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  await c.projects.create({ code: 'HZ-7', name: 'n' })
  const raw = await sql()
  await t.rejects(raw.run("INSERT INTO project_units (project_code, role, uscc, name, persons, created_at, updated_at) VALUES ('HZ-7', 'builder', '91350100M000100I43', 'n', '[]', 'x', 'x')"), /check/i)
  await t.rejects(raw.run("UPDATE projects SET classification = '绝密' WHERE code = 'HZ-7'"), /check/i)
})
