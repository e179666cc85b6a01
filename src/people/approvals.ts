import { actorOf, type Clearance, type Principal } from '../auth/roles.js'
import type { Catalogue, CredentialAction, CredentialRequest, CredentialRole, CredentialSubject } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { assertAllowed, assertMayDecide, ceilingOf, clearanceAtMost, mayRequest, naturalClearance } from './duties.js'
import { checkPasswordRules, hashPassword } from './passwords.js'
import type { PeopleSettings } from './settings.js'

// The security officer's and the auditor's credentials change only through a request that a security
// officer other than the requester (and other than the person concerned) approves (issue 15 item 3).
// The request, its decision and what the approval made are each a credential.* event the auditor reads.
//
//   create account  login, displayName, password, clearance?   → the account
//   create token    label, clearance?                          → the token; its secret goes to the approver once
//   change account  targetId, password? and/or clearance?      → the account changed
//   revoke account  targetId                                   → the account disabled, its sessions and tokens revoked
//   revoke token    targetId                                   → the token revoked

export interface CredentialRequestInput {
  action: CredentialAction
  subject: CredentialSubject
  role?: CredentialRole
  targetId?: string
  login?: string
  displayName?: string
  label?: string
  clearance?: Clearance
  password?: string
}

const invalid = (why: string): LantaiError => new LantaiError('CREDENTIAL_REQUEST_INVALID', why, { why })

/** Files a request. Throws DUTY_FORBIDDEN, CREDENTIAL_REQUEST_INVALID, PASSWORD_WEAK, ACCOUNT_NOT_FOUND or TOKEN_NOT_FOUND. */
export async function requestCredential (catalogue: Catalogue, settings: PeopleSettings, principal: Principal, input: CredentialRequestInput): Promise<CredentialRequest> {
  assertAllowed(mayRequest(principal))
  const { role, detail } = await describe(catalogue, input)
  if (input.password !== undefined) checkPasswordRules(input.password)
  if (input.password !== undefined && input.subject === 'token') throw invalid('a token has no password')
  if (typeof detail.clearance === 'string' && !clearanceAtMost(detail.clearance as Clearance, ceilingOf(role))) {
    throw new LantaiError('DUTY_FORBIDDEN', `role ${role} holds at most ${ceilingOf(role)}`, { role })
  }
  return await catalogue.credentialRequests.create({
    action: input.action,
    subject: input.subject,
    role,
    targetId: input.action === 'create' ? null : input.targetId ?? null,
    detail,
    passwordHash: input.password === undefined ? null : await hashPassword(input.password),
    requestedBy: actorOf(principal),
    ttlMs: settings.requestMs
  })
}

/** The role concerned and what to record, checked against the action; never the password. */
async function describe (catalogue: Catalogue, input: CredentialRequestInput): Promise<{ role: CredentialRole, detail: Record<string, unknown> }> {
  const guarded = (r: string | undefined): CredentialRole => {
    if (r !== 'security-officer' && r !== 'auditor') throw invalid(`requests are for security-officer and auditor credentials, not ${String(r)}`)
    return r
  }
  if (input.action === 'create') {
    const role = guarded(input.role)
    const clearance = input.clearance ?? naturalClearance(role)
    if (input.subject === 'account') {
      if (input.login === undefined || input.displayName === undefined || input.password === undefined) throw invalid('creating an account needs login, displayName and password')
      return { role, detail: { login: input.login, displayName: input.displayName, clearance } }
    }
    if (input.label === undefined) throw invalid('creating a token needs a label')
    return { role, detail: { label: input.label, clearance } }
  }
  if (input.targetId === undefined) throw invalid(`${input.action} needs targetId`)
  const role = input.subject === 'account' ? (await catalogue.accounts.require(input.targetId)).role : await tokenRole(catalogue, input.targetId)
  if (input.action === 'change') {
    if (input.subject === 'token') throw invalid('a token is not changed: revoke it and request a new one')
    if (input.password === undefined && input.clearance === undefined) throw invalid('a change needs a password or a clearance')
    return { role: guarded(role), detail: input.clearance === undefined ? {} : { clearance: input.clearance } }
  }
  return { role: guarded(role), detail: {} }
}

async function tokenRole (catalogue: Catalogue, id: string): Promise<string> {
  const token = await catalogue.tokens.get(id)
  if (token === null) throw new LantaiError('TOKEN_NOT_FOUND', id, { id })
  return token.role
}

export interface Approval { request: CredentialRequest, resultId: string, secret?: string }

/**
 * A security officer approves: the request is decided first (once, whoever else tries), then applied.
 * Throws CREDENTIAL_REQUEST_NOT_FOUND, CREDENTIAL_REQUEST_DECIDED, DUTY_FORBIDDEN or SELF_APPROVAL.
 */
export async function approveCredential (catalogue: Catalogue, principal: Principal, id: string): Promise<Approval> {
  const pending = await requireRequest(catalogue, id)
  await checkDecider(catalogue, principal, pending)
  const agent = actorOf(principal)
  const { request, passwordHash } = await catalogue.credentialRequests.decide(id, { state: 'approved', by: agent, reason: null })
  const audit = { agent, detail: { request: id } }
  const clearance = request.detail.clearance as Clearance | undefined
  let resultId: string
  let secret: string | undefined
  if (request.action === 'create' && request.subject === 'account') {
    const account = await catalogue.accounts.create({
      login: String(request.detail.login), displayName: String(request.detail.displayName), role: request.role, clearance: clearance ?? naturalClearance(request.role), passwordHash: passwordHash ?? ''
    }, audit)
    resultId = account.id
  } else if (request.action === 'create') {
    const made = await catalogue.tokens.create({ role: request.role, label: String(request.detail.label), clearance: clearance ?? naturalClearance(request.role) },
      { agent, detail: { role: request.role, label: request.detail.label, clearance, request: id } })
    resultId = made.token.id
    secret = made.secret
  } else if (request.action === 'change') {
    const target = request.targetId ?? ''
    if (clearance !== undefined) await catalogue.accounts.update(target, { clearance }, audit)
    if (passwordHash !== null) await catalogue.accounts.setPassword(target, passwordHash, audit)
    resultId = target
  } else if (request.subject === 'account') {
    resultId = (await catalogue.accounts.update(request.targetId ?? '', { state: 'disabled' }, audit)).id
  } else {
    resultId = (await catalogue.tokens.revoke(request.targetId ?? '', agent)).id
  }
  await catalogue.credentialRequests.recordResult(id, resultId, agent)
  return { request: { ...request, resultId }, resultId, ...(secret === undefined ? {} : { secret }) }
}

/** Throws as approveCredential does. */
export async function rejectCredential (catalogue: Catalogue, principal: Principal, id: string, reason: string | null): Promise<CredentialRequest> {
  const pending = await requireRequest(catalogue, id)
  await checkDecider(catalogue, principal, pending)
  return (await catalogue.credentialRequests.decide(id, { state: 'rejected', by: actorOf(principal), reason })).request
}

/** A refused decision is an event too: an officer trying to approve their own request is what the auditor looks for. */
async function checkDecider (catalogue: Catalogue, principal: Principal, request: CredentialRequest): Promise<void> {
  try {
    assertMayDecide(principal, request, request.subject === 'account' ? request.targetId : null)
  } catch (err) {
    const code = (err as { code?: string }).code
    await catalogue.events.append({ type: 'credential.decision-refused', outcome: 'failure', agent: actorOf(principal), objectType: 'system', objectId: request.id, detail: { code, requestedBy: request.requestedBy } })
    throw err
  }
}

async function requireRequest (catalogue: Catalogue, id: string): Promise<CredentialRequest> {
  const request = await catalogue.credentialRequests.get(id)
  if (request === null) throw new LantaiError('CREDENTIAL_REQUEST_NOT_FOUND', id, { id })
  return request
}
