import type { Role } from '../auth/roles.js'

// The one table of who may do what (issue 15 item 1). docs/access.md carries the same table, and the
// matrix test (test/http/access-matrix.test.ts) walks every route × role × clearance × tier against the
// written one, so a change here that the docs do not say fails.
//
// 三员分立 (BRIEF §1): the admin runs the system (nodes, schedules, accounts, tokens) and reads no audit
// trail; the security officer keeps labels, clearances and approvals; the auditor reads and verifies the
// trail and changes nothing else; archivists do the archive work. `tiered` actions read or change an
// object that carries a label: the caller's clearance must reach the object's tier, and below it the
// object does not exist for them (item 4).

const ALL: readonly Role[] = ['admin', 'archivist', 'security-officer', 'auditor', 'reader', 'system']
const OVERSIGHT: readonly Role[] = ['admin', 'security-officer', 'auditor']
const WRITERS: readonly Role[] = ['admin', 'archivist']
const PEOPLE: readonly Role[] = ['admin', 'archivist', 'security-officer', 'auditor', 'reader']

export interface ActionRule {
  roles: readonly Role[]
  /** the object carries a tier label that the caller's clearance must reach */
  tiered: boolean
  /** what it is, for docs/access.md */
  what: string
}

export const ACTIONS = {
  'project.create': { roles: WRITERS, tiered: false, what: 'register a project' },
  'project.list': { roles: ALL, tiered: true, what: 'list and search projects (only those at or below the caller\'s clearance exist)' },
  'project.read': { roles: ALL, tiered: true, what: 'read a project record, its requirements notice and applications' },
  'project.update': { roles: WRITERS, tiered: true, what: 'change a project, its units, permits and phases' },
  'application.create': { roles: ['archivist'], tiered: true, what: 'open an acceptance application' },
  'application.read': { roles: ALL, tiered: true, what: 'read acceptance applications and deadlines' },
  'submission.create': { roles: ['admin', 'archivist', 'system'], tiered: true, what: 'submit a package (system: the drawing-management system\'s as-built drawings)' },
  'submission.read': { roles: ALL, tiered: true, what: 'follow submissions and their reports' },
  'submission.decide': { roles: ['archivist'], tiered: true, what: 'accept, return or reject a checked submission' },
  'application.withdraw': { roles: ['archivist', 'system'], tiered: true, what: 'withdraw an acceptance application' },
  'commitment.read': { roles: ALL, tiered: true, what: 'read commitment letters and a project\'s phase status' },
  'commitment.sweep': { roles: ['admin'], tiered: false, what: 'run the overdue-commitment job by hand' },
  'credit.read': { roles: ALL, tiered: false, what: 'read and export credit records and a unit\'s evaluation' },
  'credit.appeal': { roles: ['archivist', 'system'], tiered: false, what: 'enter a builder\'s appeal against a credit record' },
  'credit.correct': { roles: ['archivist'], tiered: false, what: 'uphold, correct or revoke a credit record' },
  'system.approval': { roles: ['system'], tiered: false, what: 'the approval management system\'s calls in (projects, permits, applications)' },
  'notice.read': { roles: ALL, tiered: true, what: 'read an acceptance opinion or rectification notice' },
  'package.search': { roles: ALL, tiered: true, what: 'search packages (only those at or below the caller\'s clearance exist)' },
  'package.read': { roles: ALL, tiered: true, what: 'read a package, its files and seal decisions' },
  'package.events': { roles: ALL, tiered: true, what: 'read a package\'s events' },
  'file.read': { roles: ALL, tiered: true, what: 'download a file\'s bytes (through the file-read gate)' },
  'package.export': { roles: ['admin', 'archivist', 'reader'], tiered: true, what: 'export a version as a BagIt bag (classified: with an approved two-person request; pipeline-survey files count against the aggregation guard)' },
  'package.revalidate': { roles: WRITERS, tiered: true, what: 're-check a package\'s seals, review seal decisions' },
  'package.label.raise': { roles: ['security-officer'], tiered: true, what: 'raise a package\'s label (immediate)' },
  'package.label.lower': { roles: ['security-officer'], tiered: true, what: 'declassify a package (needs an approved two-person request)' },
  'seal.evidence.read': { roles: ALL, tiered: false, what: 'read stored seal evidence (certificates, CRLs, tokens)' },
  'report.fixity': { roles: ['admin', 'archivist', 'auditor', 'security-officer'], tiered: true, what: 'read the fixity report (its counts and damaged files are over the packages the caller may see)' },
  'fixity.run': { roles: ['admin'], tiered: false, what: 'start a fixity run' },
  'event.list': { roles: OVERSIGHT, tiered: true, what: 'read the catalogue\'s events' },
  'audit.read': { roles: ['auditor', 'security-officer'], tiered: false, what: 'read the access log, the audit trail and its daily report' },
  'account.create': { roles: ['admin'], tiered: false, what: 'create an account' },
  'account.list': { roles: OVERSIGHT, tiered: false, what: 'list accounts' },
  'account.read': { roles: ALL, tiered: false, what: 'read an account (one\'s own, or any for oversight roles)' },
  'account.update': { roles: ['admin', 'security-officer'], tiered: false, what: 'change an account' },
  'account.password': { roles: ALL, tiered: false, what: 'change a password' },
  'credential-request.create': { roles: ['admin', 'security-officer'], tiered: false, what: 'ask for a security-officer or auditor credential' },
  'credential-request.read': { roles: OVERSIGHT, tiered: false, what: 'read credential requests' },
  'credential-request.decide': { roles: ['security-officer'], tiered: false, what: 'approve or reject a credential request' },
  'session.own': { roles: ALL, tiered: false, what: 'read or end one\'s own console session' },
  'token.create': { roles: ['admin'], tiered: false, what: 'issue a token' },
  'token.list': { roles: OVERSIGHT, tiered: false, what: 'list tokens' },
  'token.revoke': { roles: ['admin'], tiered: false, what: 'revoke a token' },
  'integration.manage': { roles: ['admin'], tiered: false, what: 'webhook subscribers and the outbox' },
  'replication.manage': { roles: ['admin'], tiered: false, what: 'storage nodes, placement and the replication queue' },
  'drill.read': { roles: ['admin', 'auditor'], tiered: false, what: 'read disaster-recovery drill reports' },
  'approval.create': { roles: ['admin', 'archivist', 'security-officer', 'reader'], tiered: false, what: 'ask for a two-person approval (the kind decides who may ask)' },
  'approval.read': { roles: PEOPLE, tiered: false, what: 'read approval requests (one\'s own, or all for officers and auditors)' },
  'approval.decide': { roles: ['security-officer'], tiered: false, what: 'approve, refuse or execute another person\'s request' },
  'approval.cancel': { roles: PEOPLE, tiered: false, what: 'cancel one\'s own open request' },
  'aggregation.usage': { roles: PEOPLE, tiered: false, what: 'read pipeline-survey aggregation usage (one\'s own, or all for officers)' },
  'metrics.read': { roles: OVERSIGHT, tiered: false, what: 'read the Prometheus metrics (no package, no person)' }
} as const satisfies Record<string, ActionRule>

export type Action = keyof typeof ACTIONS

export const isAction = (s: string): s is Action => Object.hasOwn(ACTIONS, s)
