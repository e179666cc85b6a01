import t from 'tap'
import { ROLES } from '../../src/auth/roles.js'
import { writtenTable } from '../access/access-table.js'
import { labelledService, TIERS } from './access-fixtures.js'

// Issue 15, "Done when": every route × role × clearance × tier against the written table of
// docs/access.md. A role outside an action's row is 403 FORBIDDEN; inside it, the gate lets the request
// through (what the handler then says of a made-up id is the handler's). A tiered route on a package
// above the caller's clearance is 404 PACKAGE_NOT_FOUND, as for a package that does not exist.

const BODIES: Record<string, unknown> = {
  'POST /v1/packages/:id/label': { tier: '非密', reason: 'matrix' },
  'POST /v1/packages/:id/declassify': { tier: '非密', reason: 'matrix' }
}

t.test('every route, role, clearance and tier answers as the written table says', async t => {
  const s = await labelledService(t)
  const table = writtenTable()
  const routes = s.app.routeTable.filter(r => !r.public)
  t.ok(routes.length >= 60, `${routes.length} routes`)
  let cells = 0
  for (const route of routes) {
    const row = route.action === undefined ? undefined : table.get(route.action)
    if (row === undefined) { t.fail(`${route.method} ${route.url} has no row in docs/access.md (action ${String(route.action)})`); continue }
    const onPackage = row.tiered && route.url.startsWith('/v1/packages/:id')
    for (const tier of onPackage ? TIERS : [null]) {
      const url = route.url.replace(':id', tier === null ? 'x' : s.packages[tier]).replace(/:(\w+)/g, 'x').replace('*', 'data/a.txt')
      for (const role of ROLES) {
        for (const clearance of TIERS) {
          const res = await s.app.inject({ method: route.method as 'GET', url, headers: s.auth(await s.token(role, clearance)), ...(BODIES[`${route.method} ${route.url}`] === undefined ? {} : { payload: BODIES[`${route.method} ${route.url}`] as object }) })
          const code = res.statusCode >= 400 ? (res.json() as { code?: string }).code : undefined
          const cell = `${route.method} ${route.url} ${role} cleared ${clearance}${tier === null ? '' : ` on ${tier}`}: ${res.statusCode} ${code ?? ''}`
          cells++
          t.equal(res.headers['x-lantai-gate'], route.action, `${cell} passed the gate`)
          if (!row.roles.includes(role)) { t.ok(res.statusCode === 403 && code === 'FORBIDDEN', cell); continue }
          t.notOk(res.statusCode === 401 || (res.statusCode === 403 && code === 'FORBIDDEN'), cell)
          if (tier === null) continue
          const hidden = TIERS.indexOf(tier) > TIERS.indexOf(clearance)
          if (hidden) t.ok(res.statusCode === 404 && code === 'PACKAGE_NOT_FOUND', `${cell} (hidden)`)
          else t.notOk(code === 'PACKAGE_NOT_FOUND' || code === 'FILE_NOT_FOUND', `${cell} (visible)`)
        }
      }
    }
  }
  t.ok(cells > 1000, `${cells} cells`)
})
