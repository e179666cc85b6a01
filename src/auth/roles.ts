import { ROLES, type Role } from '../catalogue/index.js'

// Roles (BRIEF §1, 三员分立): the admin runs the system but is not the security officer, and the auditor
// reads everyone's trail, admins' included. The list lives with the tokens that carry it.
export { ROLES, type Role }

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s)

/** Who is calling, once the bearer token has been checked. */
export interface Principal { readonly tokenId: string, readonly role: Role, readonly label: string }
