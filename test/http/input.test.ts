import t from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { buildTestApp } from '../fixtures/service.js'

// Issue 11 item 17: project codes have the unified project code's format (or the configured one), and
// every input is what its schema says: no coercion of bodies, no NUL, only UTF-8, bounded pages.

const UNIFIED = '\\d{4}-\\d{6}-\\d{2}-\\d{2}-\\d{6}'

t.test('a project code in the unified format (统一项目代码) is registered; another is 400 PROJECT_CODE_INVALID naming the pattern', async t => {
  const s = await buildTestApp(t)
  const ok = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2019-310104-47-01-000123', name: '滨江花园二期' } })
  t.equal(ok.statusCode, 201, ok.body)
  for (const code of ['P-1', '2019-310104-47-01-00012', '2019-310104-47-01-000123-1', '19-310104-47-01-000123']) {
    const en = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code, name: 'x' } })
    t.equal(en.statusCode, 400, code)
    t.match(en.json(), { code: 'PROJECT_CODE_INVALID', detail: `${code} does not match the pattern ${UNIFIED}`.replace(/^/, 'the project code does not have the required format: ') })
    const zh = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: { ...s.auth(), 'accept-language': 'zh-CN' }, payload: { code, name: 'x' } })
    t.match(zh.json(), { code: 'PROJECT_CODE_INVALID', title: '项目代码不符合规定的格式', detail: `项目代码不符合规定的格式：${code} 不符合格式 ${UNIFIED}` })
  }
  t.equal((await s.catalogue.projects.search({ limit: 10, offset: 0 })).total, 1)
})

t.test('LANTAI_PROJECT_CODE_PATTERN replaces the format; a pattern that is no regular expression is CONFIG_INVALID', async t => {
  const s = await buildTestApp(t, { LANTAI_PROJECT_CODE_PATTERN: 'SZ-\\d{4}-\\d{4}' })
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: 'SZ-2026-0042', name: 'x' } })).statusCode, 201)
  t.match((await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2019-310104-47-01-000123', name: 'x' } })).json(), { code: 'PROJECT_CODE_INVALID', detail: /SZ-\\d\{4\}-\\d\{4\}/ })
  t.throws(() => loadConfig({ LANTAI_PROJECT_CODE_PATTERN: '(\\d{4}' }, join(import.meta.dirname, '../..')), { code: 'CONFIG_INVALID', message: /LANTAI_PROJECT_CODE_PATTERN="\(\\\\d\{4\}" \(allowed: a regular expression/ })
})

t.test('strings are strings: a number for a name is REQUEST_INVALID, not "123"', async t => {
  const s = await buildTestApp(t)
  for (const payload of [{ code: '2019-310104-47-01-000123', name: 123 }, { code: 2019, name: 'x' }, { code: '2019-310104-47-01-000123', name: ['x'] }]) {
    const res = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.json(), { code: 'REQUEST_INVALID' })
  }
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'reader', label: true } })).statusCode, 400)
  t.equal((await s.catalogue.projects.search({ limit: 10, offset: 0 })).total, 0)
})

t.test('a NUL character or text that is not UTF-8, in body, query or path, is REQUEST_INVALID', async t => {
  const s = await buildTestApp(t)
  const json = { ...s.auth(), 'content-type': 'application/json' }
  const cases = [
    { what: 'NUL in a JSON string', method: 'POST', url: '/v1/projects', headers: json, payload: '{"code":"2019-310104-47-01-000123","name":"a\\u0000b"}' },
    { what: 'a lone surrogate in a JSON string', method: 'POST', url: '/v1/projects', headers: json, payload: '{"code":"2019-310104-47-01-000123","name":"a\\ud800b"}' },
    { what: 'invalid UTF-8 bytes in the JSON body', method: 'POST', url: '/v1/projects', headers: json, payload: Buffer.concat([Buffer.from('{"code":"2019-310104-47-01-000123","name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]) },
    { what: 'NUL in the query', method: 'GET', url: '/v1/projects?q=a%00b', headers: s.auth() },
    { what: 'invalid UTF-8 in the query', method: 'GET', url: '/v1/projects?q=%FF', headers: s.auth() },
    { what: 'invalid UTF-8 in a path parameter', method: 'GET', url: '/v1/packages/pkg_%C3%28', headers: s.auth() },
    { what: 'NUL in a path parameter', method: 'GET', url: '/v1/packages/pkg%00x/files/data/a.txt', headers: s.auth() }
  ] as const
  for (const c of cases) {
    const res = await s.app.inject({ method: c.method, url: c.url, headers: c.headers, ...('payload' in c ? { payload: c.payload } : {}) })
    t.equal(res.statusCode, 400, `${c.what}: ${res.body}`)
    t.match(res.json(), { code: 'REQUEST_INVALID' }, c.what)
  }
  t.equal((await s.catalogue.projects.search({ limit: 10, offset: 0 })).total, 0, 'nothing was registered')
  t.match((await s.catalogue.access.list({ limit: 100, offset: 0 })).items.filter(r => r.url === '/v1/packages/pkg_%C3%28'), [{ outcome: 'refused', status: 400, route: '(refused)' }],
    'the URL the router could not decode is in the access log too')
  const zh = await s.app.inject({ method: 'GET', url: '/v1/projects?q=a%00b', headers: { ...s.auth(), 'accept-language': 'zh' } })
  t.match(zh.json(), { detail: /NUL 字符/ })
})

t.test('pages are bounded: limit 1 to 1000, offset at most 1,000,000, and query integers are still read as numbers', async t => {
  const s = await buildTestApp(t)
  const list = async (query: string): Promise<{ statusCode: number, body: Record<string, unknown> }> => {
    const res = await s.app.inject({ method: 'GET', url: `/v1/projects?${query}`, headers: s.auth() })
    return { statusCode: res.statusCode, body: res.json() as Record<string, unknown> }
  }
  t.match(await list('limit=1000&offset=1000000'), { statusCode: 200, body: { limit: 1000, offset: 1000000, total: 0 } })
  t.match(await list(''), { statusCode: 200, body: { limit: 50, offset: 0 } })
  for (const query of ['offset=1000001', 'offset=99999999999999999999', 'limit=1001', 'limit=0', 'limit=-1', 'limit=1.5', 'limit=ten', 'limit=2&limit=3']) {
    t.match(await list(query), { statusCode: 400, body: { code: 'REQUEST_INVALID' } }, query)
  }
})
