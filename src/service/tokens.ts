import { actorOf, type Clearance, type Principal, type Role } from '../auth/roles.js'
import type { Catalogue, NewToken, Token } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { assertAllowed, clearanceAtMost, mayGrant, mayRevoke, naturalClearance } from '../people/index.js'

// `lantai token create` and POST /v1/tokens ask for tokens here (the first start: first-admin.ts). The
// token repository writes each token with its `token.created` event, never the secret, in one
// transaction (ARCHITECTURE.md §3).

export interface IssueTokenInput extends NewToken {
  /** Who asked: a token id, 'cli', or 'system'. */
  agent: string
}

/** A new token and its secret, shown once; the repository writes its `token.created` event with it. */
export async function issueToken (catalogue: Catalogue, input: IssueTokenInput): Promise<{ token: Token, secret: string }> {
  const { agent, ...fields } = input
  return await catalogue.tokens.create(fields, { agent })
}

/**
 * POST /v1/tokens: the caller hands out only what duties.ts lets it (issue 15: an admin no longer mints
 * an auditor token). A token for an account carries that account's role. Throws DUTY_FORBIDDEN,
 * APPROVAL_REQUIRED or ACCOUNT_NOT_FOUND.
 */
export async function issueTokenAs (catalogue: Catalogue, principal: Principal, input: { role: Role, label: string, clearance?: Clearance, accountId?: string }): Promise<{ token: Token, secret: string }> {
  const clearance = input.clearance ?? naturalClearance(input.role)
  assertAllowed(mayGrant(principal, input.role, clearance))
  if (input.accountId !== undefined) {
    const account = await catalogue.accounts.require(input.accountId)
    if (account.role !== input.role) throw new LantaiError('DUTY_FORBIDDEN', `account ${account.id} is ${account.role}, not ${input.role}`, { accountId: account.id })
    if (!clearanceAtMost(clearance, account.clearance)) throw new LantaiError('DUTY_FORBIDDEN', `clearance ${clearance} is above the account's ${account.clearance}`, { accountId: account.id })
  }
  return await issueToken(catalogue, { role: input.role, label: input.label, clearance, accountId: input.accountId ?? null, agent: actorOf(principal) })
}

/** DELETE /v1/tokens/:id: an officer's or auditor's token is revoked only through an approved request. Throws TOKEN_NOT_FOUND, DUTY_FORBIDDEN or APPROVAL_REQUIRED. */
export async function revokeTokenAs (catalogue: Catalogue, principal: Principal, id: string): Promise<Token> {
  const token = await catalogue.tokens.get(id)
  if (token === null) throw new LantaiError('TOKEN_NOT_FOUND', id, { id })
  assertAllowed(mayRevoke(principal, token.role))
  return await catalogue.tokens.revoke(id, actorOf(principal))
}
