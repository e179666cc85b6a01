import t from 'tap'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { createAccountByOperator } from '../../src/people/index.js'
import { buildTestApp, type TestService } from '../fixtures/service.js'
import { until } from '../fixtures/wait.js'

// Issue 15 item 3: people, not only tokens; sessions for the console; separation of duties (三员分立).

const PASSWORD = 'correct horse battery staple'

type Inject = InjectOptions & { headers?: Record<string, string> }

/** A logged-in console: its cookie and CSRF token, and an inject that sends them. */
async function logIn (s: TestService, login: string, password = PASSWORD): Promise<{ cookie: string, csrf: string, account: { id: string }, res: LightMyRequestResponse, call: (o: Inject & { csrf?: boolean }) => Promise<LightMyRequestResponse> }> {
  const res = await s.app.inject({ method: 'POST', url: '/v1/session', payload: { login, password } })
  if (res.statusCode !== 200) throw new Error(`login ${login}: ${res.statusCode} ${res.body}`)
  const cookie = String(res.cookies.find(c => c.name === 'lantai_session')?.value)
  const { csrfToken: csrf, account } = res.json() as { csrfToken: string, account: { id: string } }
  const call = async (o: Inject & { csrf?: boolean }): Promise<LightMyRequestResponse> => {
    const { csrf: withCsrf = true, ...rest } = o
    return await s.app.inject({ ...rest, headers: { ...(rest.headers ?? {}), cookie: `lantai_session=${cookie}`, ...(withCsrf ? { 'x-csrf-token': csrf } : {}) } })
  }
  return { cookie, csrf, account, res, call }
}

async function archivist (s: TestService, login = 'li.wei'): Promise<{ id: string }> {
  const res = await s.app.inject({ method: 'POST', url: '/v1/accounts', headers: s.auth(), payload: { login, displayName: 'Li Wei', role: 'archivist', password: PASSWORD } })
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json()
}

/** Access-log rows are completed a moment after the answer: wait until `count` final rows match. */
async function accessRows (s: TestService, what: string, match: (r: { route: string, status: number | null, outcome: string }) => boolean, count: number): Promise<number> {
  return await until(what, async () => {
    const n = (await s.catalogue.access.list({ limit: 1000, offset: 0 })).items.filter(match).length
    return n >= count ? n : undefined
  })
}

async function eventTypes (s: TestService, objectId: string): Promise<string[]> {
  return (await s.catalogue.events.list({ objectId, limit: 1000, offset: 0 })).items.map(e => e.type)
}

t.test('a person logs in with name and password, gets an httpOnly SameSite=Strict cookie, and logs out', async t => {
  const s = await buildTestApp(t)
  const acc = await archivist(s)
  const { res, call } = await logIn(s, 'li.wei')
  const set = res.cookies.find(c => c.name === 'lantai_session')
  t.match(set, { httpOnly: true, sameSite: 'Strict', path: '/' })
  t.notOk(set?.secure, 'not Secure over plain http (it is over https)')
  t.notOk(res.body.includes('password'), 'no password or hash in the answer')
  const me = await call({ method: 'GET', url: '/v1/session' })
  t.equal(me.statusCode, 200)
  t.match(me.json(), { via: 'session', role: 'archivist', clearance: '非密', accountId: acc.id, label: 'Li Wei', expiresAt: String })
  t.equal((await call({ method: 'GET', url: '/v1/projects' })).statusCode, 200, 'the cookie opens the archivist\'s routes')
  const out = await call({ method: 'DELETE', url: '/v1/session' })
  t.equal(out.statusCode, 204)
  t.match(out.cookies.find(c => c.name === 'lantai_session'), { value: '' }, 'the cookie is cleared')
  const after = await call({ method: 'GET', url: '/v1/projects' })
  t.equal(after.statusCode, 401, 'a logged-out session opens nothing')
  t.match(after.json(), { code: 'UNAUTHENTICATED' })
  const sessions = (await s.catalogue.events.list({ type: 'session.created', limit: 10, offset: 0 })).items
  t.equal(sessions.length, 1)
  t.match(await eventTypes(s, sessions[0]?.objectId ?? ''), ['session.created', 'session.revoked'])
  t.match(await eventTypes(s, acc.id), ['account.created'])
})

t.test('an unsafe request on a session needs its CSRF token; a bearer request does not', async t => {
  const s = await buildTestApp(t)
  await archivist(s)
  const { call } = await logIn(s, 'li.wei')
  const project = { code: '2026-310104-47-01-000001', name: '静安区某住宅项目' }
  const bare = await call({ method: 'POST', url: '/v1/projects', payload: project, csrf: false })
  t.equal(bare.statusCode, 403)
  t.match(bare.json(), { code: 'CSRF_INVALID' })
  const wrong = await call({ method: 'POST', url: '/v1/projects', payload: project, csrf: false, headers: { 'x-csrf-token': 'A'.repeat(43) } })
  t.match(wrong.json(), { code: 'CSRF_INVALID' })
  t.equal((await call({ method: 'POST', url: '/v1/projects', payload: project })).statusCode, 201, 'with its token it passes')
  t.equal((await call({ method: 'GET', url: '/v1/projects', csrf: false })).statusCode, 200, 'reads need none')
  const { secret } = await s.catalogue.tokens.create({ role: 'archivist', label: 'a system' })
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(secret), payload: { ...project, code: '2026-310104-47-01-000002' } })).statusCode, 201)
  t.equal(await accessRows(s, 'the CSRF refusals logged', r => r.route === '/v1/projects' && r.status === 403 && r.outcome === 'denied', 2), 2, 'both refusals are in the access log')
})

t.test('a guessing loop locks the account; the answer is the same for an unknown name, a wrong password and a locked account', async t => {
  const s = await buildTestApp(t, { LANTAI_LOGIN_MAX_FAILURES: '3', LANTAI_LOGIN_LOCK_MINUTES: '15' })
  const acc = await archivist(s)
  const attempt = async (login: string, password: string): Promise<LightMyRequestResponse> => await s.app.inject({ method: 'POST', url: '/v1/session', payload: { login, password } })
  const answers: LightMyRequestResponse[] = []
  for (let i = 0; i < 5; i++) answers.push(await attempt('li.wei', `guess number ${i} here`))
  const unknown = await attempt('nobody.here', 'guess number x here')
  const rightButLocked = await attempt('li.wei', PASSWORD)
  for (const r of [...answers, unknown, rightButLocked]) {
    t.equal(r.statusCode, 401)
    const { code, detail, title } = r.json() as Record<string, string>
    t.same({ code, detail, title }, { code: 'LOGIN_FAILED', detail: 'the login name or password is wrong, or the account is locked or disabled', title: 'the login name or password is wrong, or the account is locked or disabled' })
    t.equal(r.cookies.length, 0, 'no cookie')
  }
  const account = (await s.app.inject({ method: 'GET', url: `/v1/accounts/${acc.id}`, headers: s.auth() })).json() as { lockedUntil: string | null }
  t.ok(account.lockedUntil !== null, 'locked after the third failure')
  const events = (await s.catalogue.events.list({ objectId: acc.id, limit: 100, offset: 0 })).items
  t.equal(events.filter(e => e.type === 'session.login-failed').length, 6, 'every refusal is an event: five guesses and the right password while locked')
  t.equal(events.filter(e => e.type === 'account.locked').length, 1)
  t.equal((await s.catalogue.events.list({ type: 'session.login-failed', objectId: 'unknown-login', limit: 10, offset: 0 })).total, 1, 'the unknown name too')
  const unlocked = await s.app.inject({ method: 'PATCH', url: `/v1/accounts/${acc.id}`, headers: s.auth(), payload: { unlock: true } })
  t.match(unlocked.json(), { lockedUntil: null, failedAttempts: 0 })
  t.equal((await attempt('li.wei', PASSWORD)).statusCode, 200, 'the admin\'s unlock lets the right password in')
  t.ok((await eventTypes(s, acc.id)).includes('account.unlocked'))
})

t.test('forged, expired and revoked tokens and sessions are refused, and each refusal is logged', async t => {
  const s = await buildTestApp(t)
  const acc = await archivist(s)
  const forgedToken = `lantai_${'x'.repeat(43)}`
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(forgedToken) })).statusCode, 401, 'forged token')
  const { token, secret } = await s.catalogue.tokens.create({ role: 'archivist', label: 'soon revoked' })
  t.equal((await s.app.inject({ method: 'DELETE', url: `/v1/tokens/${token.id}`, headers: s.auth() })).statusCode, 204)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: s.auth(secret) })).statusCode, 401, 'revoked token')
  const forgedCookie = await s.app.inject({ method: 'GET', url: '/v1/projects', headers: { cookie: `lantai_session=${'y'.repeat(43)}` } })
  t.equal(forgedCookie.statusCode, 401, 'forged session cookie')
  t.match(forgedCookie.json(), { code: 'UNAUTHENTICATED' })
  // a session made already past its end: the catalogue's own clock decides, no waiting
  const expired = await s.catalogue.sessions.create(acc.id, -1)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: { cookie: `lantai_session=${expired.secret}` } })).statusCode, 401, 'expired session')
  const { cookie, account } = await logIn(s, 'li.wei')
  t.equal((await s.app.inject({ method: 'PATCH', url: `/v1/accounts/${account.id}`, headers: s.auth(), payload: { state: 'disabled' } })).statusCode, 200)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/projects', headers: { cookie: `lantai_session=${cookie}` } })).statusCode, 401, 'a disabled account\'s session ends')
  t.ok((await eventTypes(s, acc.id)).includes('account.disabled'))
  t.equal(await accessRows(s, 'the refusals logged', r => r.route === '/v1/projects' && r.status === 401 && r.outcome === 'denied', 5), 5, 'five refusals, five access-log rows')
})

t.test('the admin cannot mint an auditor or officer credential, nor revoke the auditor\'s token, nor grant a clearance', async t => {
  const s = await buildTestApp(t)
  const auditorToken = await s.catalogue.tokens.create({ role: 'auditor', label: 'the auditor' })
  for (const role of ['auditor', 'security-officer']) {
    const mint = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role, label: 'me, later' } })
    t.equal(mint.statusCode, 403, `no ${role} token`)
    t.match(mint.json(), { code: 'APPROVAL_REQUIRED' })
    const account = await s.app.inject({ method: 'POST', url: '/v1/accounts', headers: s.auth(), payload: { login: `x-${role}`, displayName: 'X', role, password: PASSWORD } })
    t.match(account.json(), { status: 403, code: 'APPROVAL_REQUIRED' }, `no ${role} account`)
  }
  t.equal(await accessRows(s, 'the refused mints logged', r => r.status === 403 && r.outcome === 'denied', 4), 4, 'each refusal is a denied row of the access log')
  const revoke = await s.app.inject({ method: 'DELETE', url: `/v1/tokens/${auditorToken.token.id}`, headers: s.auth() })
  t.equal(revoke.statusCode, 403)
  t.match(revoke.json(), { code: 'APPROVAL_REQUIRED' })
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/access-log', headers: s.auth(auditorToken.secret) })).statusCode, 200, 'the auditor still reads the log')
  const secretArchivist = await s.app.inject({ method: 'POST', url: '/v1/accounts', headers: s.auth(), payload: { login: 'li.wei', displayName: 'Li Wei', role: 'archivist', clearance: '秘密', password: PASSWORD } })
  t.match(secretArchivist.json(), { status: 403, code: 'DUTY_FORBIDDEN' }, 'no clearance above the admin\'s own')
  const secretToken = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'system', label: 'approval system', clearance: '机密' } })
  t.match(secretToken.json(), { status: 403, code: 'DUTY_FORBIDDEN' })
  const system = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'system', label: '工程建设项目审批管理系统' } })
  t.equal(system.statusCode, 201, 'a system token is the admin\'s to make')
  const { secret } = system.json() as { secret: string }
  t.match((await s.app.inject({ method: 'GET', url: '/v1/session', headers: s.auth(secret) })).json(), { via: 'token', role: 'system', clearance: '非密', accountId: null })
  const acc = await archivist(s)
  const raise = await s.app.inject({ method: 'PATCH', url: `/v1/accounts/${acc.id}`, headers: s.auth(), payload: { clearance: '秘密' } })
  t.match(raise.json(), { status: 403, code: 'DUTY_FORBIDDEN' }, 'clearances are the security officer\'s')
})

t.test('an officer\'s approval makes an auditor; self-approval is refused, a decided request cannot be decided again, every step is an event', async t => {
  const s = await buildTestApp(t)
  // the first security officer comes from the operator on the host: nobody could approve it otherwise
  const first = await createAccountByOperator(s.catalogue, { login: 'officer.wang', displayName: 'Wang', role: 'security-officer', password: PASSWORD })
  t.equal(first.clearance, '机密')
  await t.rejects(createAccountByOperator(s.catalogue, { login: 'officer.two', displayName: 'Two', role: 'security-officer', password: PASSWORD }), { code: 'APPROVAL_REQUIRED' }, 'the second one needs a request')
  const wang = await logIn(s, 'officer.wang')

  // 1. the admin asks for an auditor account; the officer approves; the auditor logs in and reads the log
  const asked = await s.app.inject({ method: 'POST', url: '/v1/credential-requests', headers: s.auth(), payload: { action: 'create', subject: 'account', role: 'auditor', login: 'auditor.zhao', displayName: 'Zhao', password: PASSWORD } })
  t.equal(asked.statusCode, 201)
  const request = asked.json() as { id: string, withPassword: boolean, state: string }
  t.match(request, { state: 'pending', withPassword: true })
  t.notOk(asked.body.includes(PASSWORD))
  t.equal((await s.app.inject({ method: 'POST', url: `/v1/credential-requests/${request.id}/approve`, headers: s.auth() })).statusCode, 403, 'the admin does not approve')
  const approved = await wang.call({ method: 'POST', url: `/v1/credential-requests/${request.id}/approve` })
  t.equal(approved.statusCode, 200)
  const auditorId = (approved.json() as { request: { resultId: string } }).request.resultId
  t.match(approved.json(), { request: { state: 'approved', decidedBy: wang.account.id, resultId: /^acc_/ } })
  const again = await wang.call({ method: 'POST', url: `/v1/credential-requests/${request.id}/approve` })
  t.equal(again.statusCode, 409)
  t.match(again.json(), { code: 'CREDENTIAL_REQUEST_DECIDED' })
  const zhao = await logIn(s, 'auditor.zhao')
  t.equal((await zhao.call({ method: 'GET', url: '/v1/access-log' })).statusCode, 200, 'the auditor reads the access log')
  t.equal((await zhao.call({ method: 'POST', url: '/v1/projects', payload: { code: '2026-310104-47-01-000001', name: 'x' } })).statusCode, 403, 'and changes nothing else')

  // 2. an officer's own request is not theirs to approve; a second officer's approval works
  const second = await wang.call({ method: 'POST', url: '/v1/credential-requests', payload: { action: 'create', subject: 'account', role: 'security-officer', login: 'officer.chen', displayName: 'Chen', password: PASSWORD } })
  t.equal(second.statusCode, 201)
  const secondId = (second.json() as { id: string }).id
  const self = await wang.call({ method: 'POST', url: `/v1/credential-requests/${secondId}/approve` })
  t.equal(self.statusCode, 403)
  t.match(self.json(), { code: 'SELF_APPROVAL' })
  t.match((await s.catalogue.events.list({ objectId: secondId, limit: 10, offset: 0 })).items.map(e => [e.type, e.agent]), [['credential.requested', wang.account.id], ['credential.decision-refused', wang.account.id]], 'the refused self-approval is an event')
  const viaAdmin = await s.app.inject({ method: 'POST', url: '/v1/credential-requests', headers: s.auth(), payload: { action: 'create', subject: 'account', role: 'security-officer', login: 'officer.chen', displayName: 'Chen', password: PASSWORD } })
  t.equal((await wang.call({ method: 'POST', url: `/v1/credential-requests/${(viaAdmin.json() as { id: string }).id}/approve` })).statusCode, 200)
  const chen = await logIn(s, 'officer.chen')
  t.equal((await chen.call({ method: 'POST', url: `/v1/credential-requests/${secondId}/reject`, payload: { reason: 'asked twice' } })).statusCode, 200, 'another officer decides it')

  // 3. an auditor token, asked by the admin: its secret goes to the approving officer once
  const tokenAsk = await s.app.inject({ method: 'POST', url: '/v1/credential-requests', headers: s.auth(), payload: { action: 'create', subject: 'token', role: 'auditor', label: 'audit workstation' } })
  const tokenMade = await chen.call({ method: 'POST', url: `/v1/credential-requests/${(tokenAsk.json() as { id: string }).id}/approve` })
  const { secret, request: { resultId: tokenId } } = tokenMade.json() as { secret: string, request: { resultId: string } }
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/access-log', headers: s.auth(secret) })).statusCode, 200)

  // 4. revoking the auditor's token and disabling the auditor: also only by request
  const revokeAsk = await s.app.inject({ method: 'POST', url: '/v1/credential-requests', headers: s.auth(), payload: { action: 'revoke', subject: 'token', targetId: tokenId } })
  t.equal((await wang.call({ method: 'POST', url: `/v1/credential-requests/${(revokeAsk.json() as { id: string }).id}/approve` })).statusCode, 200)
  t.equal((await s.app.inject({ method: 'GET', url: '/v1/access-log', headers: s.auth(secret) })).statusCode, 401, 'the revoked auditor token opens nothing')
  t.equal((await s.app.inject({ method: 'PATCH', url: `/v1/accounts/${auditorId}`, headers: s.auth(), payload: { state: 'disabled' } })).statusCode, 403, 'the admin cannot disable the auditor')
  const disableAsk = await s.app.inject({ method: 'POST', url: '/v1/credential-requests', headers: s.auth(), payload: { action: 'revoke', subject: 'account', targetId: auditorId } })
  t.equal((await wang.call({ method: 'POST', url: `/v1/credential-requests/${(disableAsk.json() as { id: string }).id}/approve` })).statusCode, 200)
  t.equal((await zhao.call({ method: 'GET', url: '/v1/access-log' })).statusCode, 401, 'the disabled auditor\'s session ended')

  // every step is in the events the auditor reads
  const types = (await s.catalogue.events.list({ limit: 1000, offset: 0 })).items.map(e => e.type)
  for (const type of ['credential.requested', 'credential.approved', 'credential.rejected', 'credential.applied', 'account.created', 'account.disabled', 'token.created', 'token.revoked', 'session.created', 'session.revoked']) {
    t.ok(types.includes(type), type)
  }
  t.equal(types.filter(x => x === 'credential.requested').length, 6, 'six requests, six events')
})

t.test('one role per account; the security officer sets clearances up to their own; a person changes their own password', async t => {
  const s = await buildTestApp(t)
  const acc = await archivist(s)
  const roleChange = await s.app.inject({ method: 'PATCH', url: `/v1/accounts/${acc.id}`, headers: s.auth(), payload: { role: 'auditor' } })
  t.equal(roleChange.statusCode, 400, 'an account\'s role is fixed: a second duty would need a second account')
  const tokenOfOtherRole = await s.app.inject({ method: 'POST', url: '/v1/tokens', headers: s.auth(), payload: { role: 'admin', label: 'x', accountId: acc.id } })
  t.match(tokenOfOtherRole.json(), { status: 403, code: 'DUTY_FORBIDDEN' }, 'a token carries its account\'s role')
  const taken = await s.app.inject({ method: 'POST', url: '/v1/accounts', headers: s.auth(), payload: { login: 'li.wei', displayName: 'Other', role: 'reader', password: PASSWORD } })
  t.equal(taken.statusCode, 409)
  await createAccountByOperator(s.catalogue, { login: 'officer.wang', displayName: 'Wang', role: 'security-officer', password: PASSWORD })
  const wang = await logIn(s, 'officer.wang')
  const raised = await wang.call({ method: 'PATCH', url: `/v1/accounts/${acc.id}`, payload: { clearance: '秘密' } })
  t.match(raised.json(), { clearance: '秘密' })
  t.match((await wang.call({ method: 'PATCH', url: `/v1/accounts/${acc.id}`, payload: { displayName: 'renamed' } })).json(), { code: 'DUTY_FORBIDDEN' }, 'names are the admin\'s')
  t.ok((await eventTypes(s, acc.id)).includes('account.clearance-changed'))
  const li = await logIn(s, 'li.wei')
  t.match((await li.call({ method: 'GET', url: '/v1/session' })).json(), { clearance: '秘密' })
  const weak = await li.call({ method: 'POST', url: `/v1/accounts/${acc.id}/password`, payload: { password: 'short', currentPassword: PASSWORD } })
  t.match(weak.json(), { code: 'PASSWORD_WEAK' })
  const wrong = await li.call({ method: 'POST', url: `/v1/accounts/${acc.id}/password`, payload: { password: 'a much longer new one', currentPassword: 'not the current one' } })
  t.equal(wrong.statusCode, 401)
  t.equal((await li.call({ method: 'POST', url: `/v1/accounts/${acc.id}/password`, payload: { password: 'a much longer new one', currentPassword: PASSWORD } })).statusCode, 204)
  t.equal((await li.call({ method: 'GET', url: '/v1/session' })).statusCode, 200, 'the session that changed it goes on')
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/session', payload: { login: 'li.wei', password: PASSWORD } })).statusCode, 401, 'the old password is gone')
  t.equal((await s.app.inject({ method: 'POST', url: '/v1/session', payload: { login: 'li.wei', password: 'a much longer new one' } })).statusCode, 200)
  t.ok((await eventTypes(s, acc.id)).includes('account.password-changed'))
})
