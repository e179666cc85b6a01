import { createHash, timingSafeEqual } from 'node:crypto'
import type { Account, Catalogue, Session, SessionMatch } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { dummyHash, verifyPassword } from './passwords.js'
import type { PeopleSettings } from './settings.js'

// Console logins (issue 15 item 3). An unknown name, a wrong password, a locked and a disabled account
// get the same LOGIN_FAILED after the same work (an unknown name is checked against a dummy hash), so the
// answer tells a guesser nothing about which names exist; only the events say which it was.

export interface Login { account: Account, session: Session, secret: string, csrfToken: string }

/** Throws LOGIN_FAILED; every failure is a session.login-failed event, a lockout an account.locked one. */
export async function login (catalogue: Catalogue, settings: PeopleSettings, name: string, password: string, from: { ip: string }): Promise<Login> {
  const found = await catalogue.accounts.credentialsOf(name)
  const ok = await verifyPassword(password, found?.passwordHash ?? await dummyHash())
  if (found === null) {
    await catalogue.events.append({ type: 'session.login-failed', outcome: 'failure', agent: 'anonymous', objectType: 'system', objectId: 'unknown-login', detail: { why: 'unknown login', ip: from.ip } })
    throw failed()
  }
  const { account } = found
  const now = new Date().toISOString()
  const locked = account.lockedUntil !== null && account.lockedUntil > now
  if (!ok || locked || account.state !== 'active') {
    const why = account.state !== 'active' ? 'disabled' : locked ? 'locked' : 'wrong password'
    // a disabled account is not counted: it cannot log in anyway, and its count would outlive a re-enable
    if (account.state === 'active') await catalogue.accounts.recordFailure(account.id, { maxFailures: settings.maxFailures, windowMs: settings.lockMs, lockMs: settings.lockMs }, why)
    else await catalogue.events.append({ type: 'session.login-failed', outcome: 'failure', agent: 'anonymous', objectType: 'system', objectId: account.id, detail: { why, ip: from.ip } })
    throw failed()
  }
  await catalogue.accounts.recordSuccess(account.id)
  const made = await catalogue.sessions.create(account.id, settings.sessionMs, { ip: from.ip })
  return { account, ...made }
}

const failed = (): LantaiError => new LantaiError('LOGIN_FAILED')

/** The CSRF token a cookie-authenticated unsafe request carries must be its session's (constant-time). */
export function csrfMatches (match: SessionMatch, token: string | undefined): boolean {
  if (token === undefined || token.length === 0 || token.length > 256) return false
  const given = createHash('sha256').update(token, 'utf8').digest()
  return timingSafeEqual(given, Buffer.from(match.csrfSha256, 'hex'))
}
