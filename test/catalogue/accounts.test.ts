import t from 'tap'
import { MIGRATIONS } from '../../src/catalogue/db/migrate.js'
import { openDatabase } from '../../src/catalogue/db/open.js'
import { eachEngine, makeCatalogue, rawSql, thrown } from './helpers.js'

// Accounts, sessions and credential requests in the catalogue (issue 15 item 3), on both engines.

const HASH = 'scrypt$32768$8$1$c2FsdA==$aGFzaA=='
const rule = { maxFailures: 3, windowMs: 60_000, lockMs: 15 * 60_000 }

eachEngine(t, '0010 gives old tokens a clearance (officers 机密, a valid one kept, else 非密) and allows the system role', async (t, target) => {
  await (await openDatabase(target.target, { migrations: MIGRATIONS.slice(0, 9) })).close()
  const db = await rawSql(t, target)
  const at = '2024-01-01T00:00:00.000Z'
  const rows: Array<[string, string, string | null]> = [['tok_A', 'admin', null], ['tok_O', 'security-officer', null], ['tok_S', 'archivist', '秘密'], ['tok_R', 'reader', 'top']]
  for (const [i, [id, role, clearance]] of rows.entries()) {
    await db.run('INSERT INTO tokens (id, secret_sha256, role, clearance, label, created_at) VALUES (?, ?, ?, ?, ?, ?)', [id, 'abcd'.charAt(i).repeat(64), role, clearance, id, at])
  }
  await (await openDatabase(target.target)).close()
  t.same(await db.all('SELECT id, role, clearance, account_id FROM tokens ORDER BY id'), [
    { id: 'tok_A', role: 'admin', clearance: '非密', account_id: null },
    { id: 'tok_O', role: 'security-officer', clearance: '机密', account_id: null },
    { id: 'tok_R', role: 'reader', clearance: '非密', account_id: null },
    { id: 'tok_S', role: 'archivist', clearance: '秘密', account_id: null }
  ])
  const { c } = await makeCatalogue(t, target)
  t.match((await c.tokens.create({ role: 'system', label: '审批系统' })).token, { role: 'system', clearance: '非密', accountId: null })
  t.match(await thrown(async () => await (await rawSql(t, target)).run("UPDATE tokens SET clearance = '绝密' WHERE id = 'tok_A'")), { message: /check constraint/i }, 'no tier beyond 机密')
})

eachEngine(t, 'failures lock an account only within the window, and a lockout ends by itself', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const a = await c.accounts.create({ login: 'li', displayName: 'Li', role: 'archivist', clearance: '非密', passwordHash: HASH }, { agent: 'tok_ADMIN' })
  t.same(await c.accounts.recordFailure(a.id, rule, 'wrong password'), { lockedUntil: null })
  t.same(await c.accounts.recordFailure(a.id, rule, 'wrong password'), { lockedUntil: null })
  clock.advance(61_000)
  t.same(await c.accounts.recordFailure(a.id, rule, 'wrong password'), { lockedUntil: null }, 'the two old failures left the window')
  await c.accounts.recordFailure(a.id, rule, 'wrong password')
  const locked = await c.accounts.recordFailure(a.id, rule, 'wrong password')
  t.equal(locked.lockedUntil, new Date(clock.ms + rule.lockMs).toISOString(), 'the third within the window locks')
  t.match(await c.accounts.get(a.id), { lockedUntil: locked.lockedUntil, failedAttempts: 0 })
  clock.advance(rule.lockMs)
  t.same(await c.accounts.recordFailure(a.id, rule, 'wrong password'), { lockedUntil: null }, 'the lockout is over and counting starts again')
  const types = (await c.events.list({ objectId: a.id, limit: 100, offset: 0 })).items.map(e => e.type)
  const f = 'session.login-failed'
  t.same(types, ['account.created', f, f, f, f, f, 'account.locked', f], 'each failure an event, the lock right after the failure that caused it')
  t.match(await thrown(async () => await c.accounts.create({ login: 'li', displayName: 'Other', role: 'reader', clearance: '非密', passwordHash: HASH }, { agent: 'x' })), { code: 'ACCOUNT_EXISTS' })
})

eachEngine(t, 'a session lives until its expiry or its revocation; the row keeps only hashes', async (t, target) => {
  const { c, clock, sql } = await makeCatalogue(t, target)
  const a = await c.accounts.create({ login: 'li', displayName: 'Li', role: 'archivist', clearance: '秘密', passwordHash: HASH }, { agent: 'cli' })
  const { session, secret, csrfToken } = await c.sessions.create(a.id, 1000)
  t.match(await c.sessions.authenticate(secret), { session: { id: session.id }, account: { id: a.id, clearance: '秘密' } })
  const stored = JSON.stringify(await (await sql()).all('SELECT * FROM sessions'))
  t.notOk(stored.includes(secret) || stored.includes(csrfToken), 'neither secret is stored')
  clock.advance(1000)
  t.equal(await c.sessions.authenticate(secret), null, 'expired')
  const other = await c.sessions.create(a.id, 60_000)
  await c.sessions.revoke(other.session.id, a.id, 'logout')
  await c.sessions.revoke(other.session.id, a.id, 'logout')
  t.equal(await c.sessions.authenticate(other.secret), null, 'revoked')
  t.equal((await c.events.list({ type: 'session.revoked', objectId: other.session.id, limit: 10, offset: 0 })).total, 1, 'one revocation, one event')
  t.match(await thrown(async () => await c.sessions.revoke('ses_NOPE', 'x', 'x')), { code: 'SESSION_NOT_FOUND' })
})

eachEngine(t, 'a credential request is decided once, never after it expires, and drops its password hash when decided', async (t, target) => {
  const { c, clock, sql } = await makeCatalogue(t, target)
  const input = { action: 'create' as const, subject: 'account' as const, role: 'auditor' as const, targetId: null, detail: { login: 'zhao' }, passwordHash: HASH, requestedBy: 'tok_ADMIN', ttlMs: 60_000 }
  const r = await c.credentialRequests.create(input)
  t.match(r, { state: 'pending', withPassword: true, requestedBy: 'tok_ADMIN' })
  const decided = await c.credentialRequests.decide(r.id, { state: 'approved', by: 'acc_OFFICER', reason: null })
  t.equal(decided.passwordHash, HASH)
  t.match(await thrown(async () => await c.credentialRequests.decide(r.id, { state: 'rejected', by: 'acc_OTHER', reason: null })), { code: 'CREDENTIAL_REQUEST_DECIDED' })
  t.same(await (await sql()).all('SELECT password_hash FROM credential_requests'), [{ password_hash: null }])
  const late = await c.credentialRequests.create(input)
  clock.advance(60_000)
  t.match(await thrown(async () => await c.credentialRequests.decide(late.id, { state: 'approved', by: 'acc_OFFICER', reason: null })), { code: 'CREDENTIAL_REQUEST_DECIDED', details: { state: 'expired' } })
  t.same((await c.events.list({ objectId: r.id, limit: 10, offset: 0 })).items.map(e => e.type), ['credential.requested', 'credential.approved'])
})
