import t from 'tap'
import { BAG_CODES } from '../../src/bagit/index.js'
import { ERROR_CODES } from '../../src/errors.js'
import { languageOf } from '../../src/http/plugins/problem-details.js'
import { buildTestApp } from '../fixtures/service.js'

// Issue 11 item 16: problems speak the reader's language (Accept-Language), always carry the code's
// meaning in both, and their `type` link leads to a page that explains the code.

t.test('Accept-Language zh gets the title and the detail in Chinese; both titles are always there', async t => {
  const s = await buildTestApp(t)
  const zh = await s.app.inject({ method: 'GET', url: '/v1/packages/pkg_missing', headers: { ...s.auth(), 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } })
  t.equal(zh.statusCode, 404)
  t.equal(zh.headers['content-language'], 'zh')
  t.match(zh.json(), {
    code: 'PACKAGE_NOT_FOUND', title: ERROR_CODES.PACKAGE_NOT_FOUND.zh, titleZh: ERROR_CODES.PACKAGE_NOT_FOUND.zh, titleEn: ERROR_CODES.PACKAGE_NOT_FOUND.en,
    detail: `${ERROR_CODES.PACKAGE_NOT_FOUND.zh}：pkg_missing`
  })
  const en = await s.app.inject({ method: 'GET', url: '/v1/packages/pkg_missing', headers: s.auth() })
  t.equal(en.headers['content-language'], 'en')
  t.match(en.json(), { title: ERROR_CODES.PACKAGE_NOT_FOUND.en, titleZh: ERROR_CODES.PACKAGE_NOT_FOUND.zh, detail: `${ERROR_CODES.PACKAGE_NOT_FOUND.en}: pkg_missing` })
})

t.test('refusals by the auth plugin and schema errors are in Chinese too', async t => {
  const s = await buildTestApp(t)
  const zh = { 'accept-language': 'zh' }
  t.match((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: zh })).json(), { code: 'UNAUTHENTICATED', title: ERROR_CODES.UNAUTHENTICATED.zh, detail: /没有持有者令牌/ })
  const { secret } = await s.catalogue.tokens.create({ role: 'reader', label: 'r' })
  t.match((await s.app.inject({ method: 'GET', url: '/v1/tokens', headers: { ...zh, ...s.auth(secret) } })).json(), { code: 'FORBIDDEN', detail: '角色 reader 无权执行 GET /v1/tokens' })
  const bad = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: { ...zh, ...s.auth() }, payload: { role: 'nobody', label: 'x' } })
  t.match(bad.json(), { code: 'REQUEST_INVALID', title: ERROR_CODES.REQUEST_INVALID.zh, detail: new RegExp(`^${ERROR_CODES.REQUEST_INVALID.zh}：body`) })
  t.match((await s.app.inject({ method: 'GET', url: '/v1/nowhere', headers: { ...zh, ...s.auth() } })).json(), { code: 'NOT_FOUND', title: ERROR_CODES.NOT_FOUND.zh })
})

t.test('the language with the highest weight wins; anything but zh or en is English', async t => {
  for (const [header, lang] of [
    [undefined, 'en'], ['zh', 'zh'], ['zh-TW', 'zh'], ['en-GB,zh;q=0.5', 'en'], ['fr, zh;q=0.4, en;q=0.3', 'zh'],
    ['zh;q=0, en', 'en'], ['de', 'en'], ['*', 'en'], ['EN;q=0.2, ZH-cn;q=0.9', 'zh']
  ] as const) t.equal(languageOf(header), lang, String(header))
})

t.test('every code\'s type link resolves, without a token, to a page holding that code', async t => {
  const s = await buildTestApp(t)
  const problem = (await s.app.inject({ method: 'GET', url: '/v1/projects' })).json() as { type: string }
  t.equal(problem.type, '/docs/errors#UNAUTHENTICATED')
  const pages = new Map<string, string>()
  for (const code of [...Object.keys(ERROR_CODES), ...Object.keys(BAG_CODES)]) {
    const link = new URL(`/docs/errors#${code}`, 'http://lantai.test')
    if (!pages.has(link.pathname)) {
      const res = await s.app.inject({ method: 'GET', url: link.pathname })
      t.equal(res.statusCode, 200, link.pathname)
      t.match(res.headers['content-type'], /^text\/html/)
      pages.set(link.pathname, res.body)
    }
    t.ok(pages.get(link.pathname)?.includes(`id="${link.hash.slice(1)}"`), `${code} has its anchor`)
  }
  const page = pages.get('/docs/errors') ?? ''
  t.match(page, /<td><a id="PACKAGE_NOT_FOUND"><\/a><code>PACKAGE_NOT_FOUND<\/code><\/td>/, 'the markdown table is rendered as a table')
  t.ok(page.includes(ERROR_CODES.SHUTTING_DOWN.en))
  t.ok(s.app.routeTable.some(r => r.url === '/docs/errors' && r.public), 'listed as public')
})
