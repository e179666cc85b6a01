import type { CategoryCode, Producer, Property } from './policy-schema.js'

// The acceptance report (issue 14 item 4): what the automatic checks found in one submission, all of it at
// once, grouped by where it came from. It is the raw material of the rectification notice (整改通知书):
// the notice lists every finding here plus the archivist's own items, and a resubmission's report is
// compared with the last notice by `key` to say what is resolved and what remains.

/** Which check produced a finding; `archivist` marks the items a person adds to a notice. */
export const FINDING_SOURCES = ['bagit', 'scope', 'metadata', 'four-properties', 'seals', 'archivist'] as const
export type FindingSource = typeof FINDING_SOURCES[number]

/** The unit answerable for a defect (谁形成谁负责), as far as the project record and the metadata say. */
export interface ResponsibleUnit {
  readonly role: Producer
  readonly name?: string
  /** unified social credit code (统一社会信用代码) */
  readonly uscc?: string
}

export interface AcceptanceFinding {
  /** A code users can look up: a BagIt code, or an acceptance code such as SCOPE_ITEM_MISSING. */
  readonly code: string
  readonly source: FindingSource
  readonly severity: 'error' | 'warning'
  /**
   * Stable across resubmissions of the same application: the same defect gives the same key, so the next
   * report can say which earlier defects are resolved. Built from source, code, item and path.
   */
  readonly key: string
  readonly category?: CategoryCode
  /** a scope item code, e.g. A1-1 */
  readonly item?: string
  readonly property?: Property
  /** a four-property check code, e.g. 3-4 */
  readonly check?: string
  /** the payload path, bag-relative (data/…) */
  readonly path?: string
  readonly responsible?: ResponsibleUnit
  readonly message: string
  readonly messageZh: string
  /** what was seen: a digest pair, a detected format, a missing metadata key … */
  readonly evidence?: Readonly<Record<string, unknown>>
}

/** One scope item's coverage: present (with the files that matched), missing, or not required here. */
export interface ScopeCoverageItem {
  readonly category: CategoryCode
  readonly item: string
  readonly required: boolean | 'conditional'
  readonly state: 'present' | 'missing' | 'optional-absent'
  readonly paths: readonly string[]
}

export interface PropertyCheckResult {
  readonly check: string
  readonly property: Property
  readonly outcome: 'pass' | 'fail' | 'warn' | 'not-applicable'
  /** how many files the check looked at, and how many failed */
  readonly files: number
  readonly failed: number
  /** why a check is `not-applicable`, or what it rested on */
  readonly reason?: string
}

export interface AcceptanceReport {
  readonly version: 1
  readonly checkedAt: string
  /** `defects` when any finding is an error */
  readonly outcome: 'passed' | 'defects'
  readonly findings: readonly AcceptanceFinding[]
  readonly coverage: readonly ScopeCoverageItem[]
  /** payload files that matched no scope item */
  readonly unexpected: readonly string[]
  readonly properties: readonly PropertyCheckResult[]
}

/** The key that makes a finding comparable across resubmissions. */
export const findingKey = (f: Pick<AcceptanceFinding, 'source' | 'code' | 'item' | 'path'>): string =>
  [f.source, f.code, f.item ?? '', f.path ?? ''].join('|')
