import { findingKey, type AcceptanceFinding, type ResponsibleUnit } from '../report.js'
import type { CategoryCode } from '../policy-schema.js'
import { ACCEPTANCE_CODES, type AcceptanceCodeName } from './codes.js'

/** Where a finding points and what was seen; `detail` is appended to the code's text in each language. */
export interface FindingPlace {
  category?: CategoryCode
  item?: string
  path?: string
  responsible?: ResponsibleUnit
  evidence?: Record<string, unknown>
  detail?: { en: string, zh: string }
}

export function acceptanceFinding (code: AcceptanceCodeName, place: FindingPlace = {}): AcceptanceFinding {
  const c = ACCEPTANCE_CODES[code]
  const { detail, ...where } = place
  const f = {
    code,
    source: c.source,
    severity: c.severity,
    check: c.check,
    ...where,
    message: detail === undefined ? c.en : `${c.en}: ${detail.en}`,
    messageZh: detail === undefined ? c.zh : `${c.zh}：${detail.zh}`
  }
  return { ...f, key: findingKey(f) }
}
