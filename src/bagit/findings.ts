import { BAG_CODES, type BagCode, type Severity } from './codes.js'
import { detailZh } from './detail-zh.js'

/**
 * One problem found in a bag. Validation never stops at the first problem: it returns every
 * finding at once, so the report can serve as the one-time rectification notice (一次性告知).
 */
export interface Finding {
  readonly code: BagCode
  readonly severity: Severity
  /** The rule broken: an RFC 8493 section, a profile key or a Lantai rule. */
  readonly rule: string
  /** The bag-relative path the finding is about (a tag file, a payload file, or an archive entry). */
  readonly path?: string
  /** The file that said so: the manifest, fetch.txt or bag-info.txt. */
  readonly source?: string
  /** 1-based line in `source`. */
  readonly line?: number
  readonly algorithm?: string
  readonly expected?: string
  readonly actual?: string
  /** English sentence: the code's meaning plus what was found. */
  readonly message: string
  /** The same in Chinese (the rectification notice goes to builders). */
  readonly messageZh: string
}

export interface FindingFields {
  path?: string
  source?: string
  line?: number
  algorithm?: string
  expected?: string
  actual?: string
  /** What was found, appended to the code's meaning ("data/a.pdf: sha256 expected … found …"). */
  detail?: string
  /** Overrides the code's default severity (rules that are errors in 1.0 and warnings before). */
  severity?: Severity
}

export function finding (code: BagCode, fields: FindingFields = {}): Finding {
  const spec = BAG_CODES[code]
  const { detail, severity, ...rest } = fields
  const tail = detail === undefined ? '' : `: ${detail}`
  return {
    code,
    severity: severity ?? spec.severity,
    rule: spec.rule,
    ...rest,
    message: spec.en + tail,
    messageZh: detail === undefined ? spec.zh : `${spec.zh}：${detailZh(detail)}`
  }
}

/** Collects findings in order; the validator's stages share one. */
export class Findings {
  readonly #items: Finding[] = []

  add (code: BagCode, fields: FindingFields = {}): Finding {
    const f = finding(code, fields)
    this.#items.push(f)
    return f
  }

  push (...items: readonly Finding[]): void { this.#items.push(...items) }

  get all (): readonly Finding[] { return this.#items }
  get errors (): Finding[] { return this.#items.filter(f => f.severity === 'error') }
  get warnings (): Finding[] { return this.#items.filter(f => f.severity === 'warning') }
  has (code: BagCode): boolean { return this.#items.some(f => f.code === code) }
}
