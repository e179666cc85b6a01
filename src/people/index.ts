// People (issue 15 item 3): accounts, passwords, console sessions, separation of duties and the approvals
// the security officer's and the auditor's credentials need.
export { changeAccount, changePassword, createAccount, createAccountByOperator, type AccountChange, type NewAccountInput } from './accounts.js'
export { approveCredential, rejectCredential, requestCredential, type Approval, type CredentialRequestInput } from './approvals.js'
export {
  assertAllowed, assertMayDecide, ceilingOf, clearanceAtMost, GUARDED_ROLES, mayGrant, mayRequest, mayRevoke, maySetClearance, naturalClearance, type Decision
} from './duties.js'
export { checkPasswordRules, hashPassword, verifyPassword } from './passwords.js'
export { csrfMatches, login, type Login } from './sessions.js'
export { DEFAULT_PEOPLE_SETTINGS, peopleSettings, type PeopleSettings } from './settings.js'
