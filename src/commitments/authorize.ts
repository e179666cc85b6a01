import type { Role } from '../auth/roles.js'

// Who may do what with commitments and credit records, in one place, so the access gate (issue 15) can
// take these decisions over without hunting through routes. Reading is everyone's (a builder's system
// reads its own notices and record); an appeal comes from the builder (through its system) or is
// entered by the archivist; only the archivist corrects (三员分立: the admin runs the system, not the
// archive), and only the admin or the scheduler runs the overdue job by hand.

export type CommitmentAction =
  | 'commitment.read' | 'commitment.sweep'
  | 'credit.read' | 'credit.appeal' | 'credit.correct'
  | 'application.withdraw'
  | 'system.approval' | 'system.drawings'

const ALLOWED: Record<CommitmentAction, readonly Role[]> = {
  'commitment.read': ['admin', 'archivist', 'auditor', 'security-officer', 'reader', 'system'],
  'commitment.sweep': ['admin'],
  'credit.read': ['admin', 'archivist', 'auditor', 'security-officer', 'reader', 'system'],
  'credit.appeal': ['archivist', 'system'],
  'credit.correct': ['archivist'],
  'application.withdraw': ['archivist', 'system'],
  'system.approval': ['system'],
  'system.drawings': ['system']
}

/** The roles allowed an action (what a route declares in `config.roles`). */
export const rolesFor = (action: CommitmentAction): Role[] => [...ALLOWED[action]]

export const mayPerform = (role: Role, action: CommitmentAction): boolean => ALLOWED[action].includes(role)
