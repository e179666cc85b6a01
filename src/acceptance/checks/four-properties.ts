import type { FourPropertyCheck } from '../policy-schema.js'
import type { AcceptanceFinding, PropertyCheckResult } from '../report.js'

// The four-property checks (四性检测, DA/T 70-2018) the policy lists, each with one result: every
// finding counts against exactly one check code, so a check fails when one of its findings is an error
// and warns on warnings alone. A check Lantai cannot do yet says `not-applicable` and why, never a
// pass it has not earned.

/** BagIt findings by the check they bear on; the rest count against 1-14 (package unchanged in transit). */
const BAGIT_CHECKS: Readonly<Record<string, string>> = {
  BAG_INFO_OXUM_MISMATCH: '2-2',
  BAG_INFO_OXUM_MISSING: '2-1',
  BAG_INFO_OXUM_MALFORMED: '2-1',
  BAG_CHECKSUM_MISMATCH: '2-7',
  BAG_FILE_UNREADABLE: '2-7',
  BAG_FILE_MISSING: '2-11',
  BAG_FILE_NOT_IN_MANIFEST: '2-11',
  BAG_FETCH_PENDING: '2-11',
  BAG_SYMLINK: '4-3',
  BAG_HARDLINK: '4-3',
  BAG_SPECIAL_FILE: '4-3',
  BAG_PATH_ABSOLUTE: '4-3',
  BAG_PATH_TRAVERSAL: '4-3',
  BAG_PATH_HOME: '4-3',
  BAG_PATH_OUTSIDE_PAYLOAD: '4-3',
  BAG_ARCHIVE_ENTRY_UNSAFE: '4-3',
  BAG_ARCHIVE_ENTRY_LINK: '4-3',
  BAG_ARCHIVE_ENTRY_SPECIAL: '4-3'
}

export const bagitCheckOf = (code: string): string => BAGIT_CHECKS[code] ?? '1-14'

export interface PropertyContext {
  /** payload files looked at */
  files: number
  /** files a check looked at, where not every payload file (3-4: the files of formats that open) */
  filesOf: Readonly<Record<string, number>>
  /** whether the seal check ran (it runs on valid bags only) */
  sealsChecked: boolean
  /** the token that uploaded the package, when the upload was authenticated */
  submittedBy: string | null
}

export function propertyResults (checks: readonly FourPropertyCheck[], findings: readonly AcceptanceFinding[], ctx: PropertyContext): PropertyCheckResult[] {
  return checks.map(c => {
    const mine = findings.filter(f => f.check === c.code)
    const files = ctx.filesOf[c.code] ?? ctx.files
    const base = { check: c.code, property: c.property, files }
    const failed = new Set(mine.filter(f => f.severity === 'error').map(f => f.path ?? f.item ?? f.key)).size
    const outcome = mine.some(f => f.severity === 'error') ? 'fail' : mine.length > 0 ? 'warn' : 'pass'
    const notApplicable = (reason: string): PropertyCheckResult => ({ ...base, outcome: 'not-applicable', failed: 0, reason })
    switch (c.code) {
      case '1-1':
        if (!ctx.sealsChecked) return notApplicable('the seal check did not run: it runs on a valid bag')
        break
      case '4-2':
        // No malware scanner is wired in yet; executables are refused by their bytes, which is part of it.
        if (mine.length === 0) return notApplicable('no malware scanner is configured; executables were looked for by their bytes and none found')
        break
      case '4-7':
        if (ctx.submittedBy === null) return notApplicable('the package did not arrive through an authenticated upload')
        return { ...base, outcome: 'pass', failed: 0, reason: `uploaded with token ${ctx.submittedBy}; every step is an event of the submission` }
      case '3-4':
        if (files === 0 && mine.length === 0) return notApplicable('no file of a format the policy opens')
        break
      default:
        if (!IMPLEMENTED.has(c.code)) return notApplicable('Lantai has no check for this code yet')
    }
    return { ...base, outcome, failed }
  })
}

/** The codes some finding can count against; any other code of a policy is not checked. */
const IMPLEMENTED = new Set(['1-1', '1-3', '1-4', '1-6', '1-10', '1-11', '1-14', '2-1', '2-2', '2-4', '2-7', '2-11', 'X-1', '3-1', '3-3', '3-4', '3-8', '4-2', '4-3', '4-7'])
