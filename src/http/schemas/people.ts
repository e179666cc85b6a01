import { Type } from '@sinclair/typebox'
import { ACCOUNT_ROLES, CLEARANCES } from '../../catalogue/index.js'

// Accounts, sessions and credential requests as the API shows them (issue 15 item 3). A password or a
// hash is never in a response.

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T, description: string) => Type.Union([t, Type.Null()], { description })

export const Clearance = Type.Union(CLEARANCES.map(c => Type.Literal(c)), { description: '密级 the holder may read: 非密 < 秘密 < 机密 (BRIEF §5)' })
export const AccountRole = Type.Union(ACCOUNT_ROLES.map(r => Type.Literal(r)), { description: 'one role per account, so no account holds two of 三员分立\'s duties' })
export const Password = Type.String({ minLength: 1, maxLength: 4096, description: 'at least 12 characters; kept only as a scrypt hash' })
export const Login = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$', description: 'the login name, unique' })

export const AccountView = Type.Object({
  id: Type.String({ description: "'acc_' + ULID" }),
  login: Type.String({ description: 'the login name' }),
  displayName: Type.String({ description: 'the person\'s name' }),
  role: Type.String({ description: 'the account\'s one role' }),
  clearance: Type.String({ description: '密级 the person may read' }),
  state: Type.String({ description: 'active or disabled' }),
  failedAttempts: Type.Integer({ description: 'wrong passwords since the last success or lockout' }),
  lockedUntil: Nullable(Type.String(), 'logins are refused until then; null when not locked'),
  createdAt: Type.String({ description: 'ISO-8601 UTC' }),
  updatedAt: Type.String({ description: 'ISO-8601 UTC' })
})

export const SessionView = Type.Object({
  via: Type.String({ description: "'session' (console cookie) or 'token' (bearer)" }),
  role: Type.String({ description: 'the caller\'s role' }),
  clearance: Type.String({ description: 'the caller\'s clearance' }),
  label: Type.String({ description: 'the account\'s display name, or the token\'s label' }),
  accountId: Nullable(Type.String(), 'the caller\'s account; null for a token of no account'),
  credentialId: Type.String({ description: 'the token id, or the session id' }),
  expiresAt: Nullable(Type.String(), 'when the session ends; null for a token')
})

export const LoginView = Type.Object({
  account: AccountView,
  csrfToken: Type.String({ description: 'send it as the x-csrf-token header with every POST, PATCH, PUT and DELETE of this session' }),
  expiresAt: Type.String({ description: 'when the session ends' })
})

export const CredentialRequestView = Type.Object({
  id: Type.String({ description: "'crq_' + ULID" }),
  action: Type.String({ description: 'create, change or revoke' }),
  subject: Type.String({ description: 'account or token' }),
  role: Type.String({ description: 'security-officer or auditor' }),
  targetId: Nullable(Type.String(), 'the account or token changed or revoked; null for a create'),
  detail: Type.Record(Type.String(), Type.Unknown(), { description: 'login, displayName, label, clearance as asked; never a password' }),
  withPassword: Type.Boolean({ description: 'a password came with the request (held as a hash until decided)' }),
  requestedBy: Type.String({ description: 'the account or token that asked' }),
  requestedAt: Type.String({ description: 'ISO-8601 UTC' }),
  expiresAt: Type.String({ description: 'undecided by then, it can no longer be approved' }),
  state: Type.String({ description: 'pending, approved or rejected' }),
  decidedBy: Nullable(Type.String(), 'the security officer who decided'),
  decidedAt: Nullable(Type.String(), 'ISO-8601 UTC'),
  reason: Nullable(Type.String(), 'why it was rejected'),
  resultId: Nullable(Type.String(), 'the account or token the approval made or changed')
})
