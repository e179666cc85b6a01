// Who may see and steer the replication queue, said once for its routes and commands (the integrator
// moves this onto the access gate of issue 15): system administrators run nodes, copies and repairs
// (三员分立: they see where bytes are, never the bytes).
export const REPLICATION_ROLES = ['admin'] as const
