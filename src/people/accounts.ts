import { actorOf, type Clearance, type Principal } from '../auth/roles.js'
import type { Account, AccountRole, AccountState, Catalogue } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { assertAllowed, GUARDED_ROLES, mayGrant, mayRevoke, maySetClearance, naturalClearance } from './duties.js'
import { checkPasswordRules, hashPassword, verifyPassword } from './passwords.js'

// Accounts as the admin, the security officer and each person see them. Every rule of who may do what
// is asked of duties.ts; the repository writes the account.* events.

export interface NewAccountInput { login: string, displayName: string, role: AccountRole, clearance?: Clearance, password: string }
export interface AccountChange { displayName?: string, state?: AccountState, clearance?: Clearance, unlock?: boolean }

/** POST /v1/accounts: the admin makes accounts of the roles in its duty, at most at its own clearance. */
export async function createAccount (catalogue: Catalogue, principal: Principal, input: NewAccountInput): Promise<Account> {
  const clearance = input.clearance ?? naturalClearance(input.role)
  assertAllowed(mayGrant(principal, input.role, clearance))
  checkPasswordRules(input.password)
  return await catalogue.accounts.create({ login: input.login, displayName: input.displayName, role: input.role, clearance, passwordHash: await hashPassword(input.password) }, { agent: actorOf(principal) })
}

/**
 * `lantai accounts create`: the operator on the host. The first security officer and the first auditor
 * can only come from here (nobody could approve them otherwise); once one is active, more come only
 * through an approved request. Throws APPROVAL_REQUIRED.
 */
export async function createAccountByOperator (catalogue: Catalogue, input: NewAccountInput): Promise<Account> {
  if (GUARDED_ROLES.includes(input.role) && await catalogue.accounts.countActive(input.role) > 0) {
    throw new LantaiError('APPROVAL_REQUIRED', `an active ${input.role} exists: file a credential request`, { role: input.role })
  }
  checkPasswordRules(input.password)
  const clearance = input.clearance ?? naturalClearance(input.role)
  return await catalogue.accounts.create({ login: input.login, displayName: input.displayName, role: input.role, clearance, passwordHash: await hashPassword(input.password) },
    { agent: 'cli', detail: { bootstrap: GUARDED_ROLES.includes(input.role) } })
}

/**
 * PATCH /v1/accounts/:id. Name, state and lockout are the admin's, for the roles it grants; the
 * clearance is the security officer's. Throws ACCOUNT_NOT_FOUND, DUTY_FORBIDDEN or APPROVAL_REQUIRED.
 */
export async function changeAccount (catalogue: Catalogue, principal: Principal, id: string, change: AccountChange): Promise<Account> {
  const account = await catalogue.accounts.require(id)
  const agent = actorOf(principal)
  if (change.clearance !== undefined && change.clearance !== account.clearance) assertAllowed(maySetClearance(principal, account.role, change.clearance))
  const administrative = change.displayName !== undefined || change.state !== undefined || change.unlock === true
  if (administrative) assertAllowed(mayRevoke(principal, account.role))
  if (agent === id && change.state === 'disabled') throw new LantaiError('DUTY_FORBIDDEN', 'an account cannot disable itself', { id })
  let result = await catalogue.accounts.update(id, { displayName: change.displayName, state: change.state, clearance: change.clearance }, { agent })
  if (change.unlock === true) result = await catalogue.accounts.unlock(id, { agent })
  return result
}

/**
 * POST /v1/accounts/:id/password. A person changes their own password by giving the current one; the
 * admin resets the password of the roles it grants. Other sessions of the account end.
 * Throws LOGIN_FAILED (wrong current password), PASSWORD_WEAK, DUTY_FORBIDDEN or APPROVAL_REQUIRED.
 */
export async function changePassword (catalogue: Catalogue, principal: Principal, id: string, password: string, current: string | undefined): Promise<void> {
  const account = await catalogue.accounts.require(id)
  const own = principal.accountId === id
  if (own) {
    const stored = await catalogue.accounts.passwordHashOf(id)
    if (current === undefined || stored === null || !await verifyPassword(current, stored)) throw new LantaiError('LOGIN_FAILED', 'the current password is wrong', { id })
  } else {
    assertAllowed(mayRevoke(principal, account.role))
  }
  checkPasswordRules(password)
  await catalogue.accounts.setPassword(id, await hashPassword(password), { agent: actorOf(principal), detail: { self: own } }, principal.via === 'session' && own ? principal.tokenId : null)
}
