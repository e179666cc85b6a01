import type { Role } from '../catalogue/index.js'

// Who sees drill reports, in one place so the access gate (issue 15) can take it over: the system admin
// runs drills (BRIEF §2, 三员分立), the auditor checks that they happened and what they found. A report
// names packages and project codes but holds no content, so no clearance is asked.
export const DRILL_READERS: readonly Role[] = ['admin', 'auditor']
