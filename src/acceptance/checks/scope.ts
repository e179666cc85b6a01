import type { AcceptancePolicy } from '../policy.js'
import type { Producer } from '../policy-schema.js'
import { itemsOf } from '../policy-match.js'
import type { AcceptanceFinding, ResponsibleUnit, ScopeCoverageItem } from '../report.js'
import { acceptanceFinding } from './finding.js'
import type { FileMetadata } from './metadata.js'

// Filing-scope coverage (notice (二), 应收尽收; GB/T 50328 appendix A): every item of the center's scope,
// present with the files that matched it, missing, or not required here; and every payload file that
// matched no item. A missing item names the unit that forms such documents (谁形成谁负责).

export interface ScopeFile { path: string, metadata?: FileMetadata }

export interface ScopeResult {
  /** each payload file's item, when it has one (the first, when its path matches several) */
  itemOf: Map<string, string>
  coverage: ScopeCoverageItem[]
  unexpected: string[]
  findings: AcceptanceFinding[]
}

export function checkScope (policy: AcceptancePolicy, files: readonly ScopeFile[], unitFor: (producer: Producer) => ResponsibleUnit): ScopeResult {
  const itemOf = new Map<string, string>()
  const pathsOf = new Map<string, string[]>()
  const unexpected: string[] = []
  const findings: AcceptanceFinding[] = []
  for (const file of files) {
    const named = file.metadata?.[policy.matching.metadataField]
    if (typeof named === 'string' && named.trim() !== '' && !policy.items.has(named)) {
      findings.push(acceptanceFinding('METADATA_SCOPE_CODE_UNKNOWN', {
        path: file.path, evidence: { element: policy.matching.metadataField, found: named },
        detail: { en: `${named} is not an item code`, zh: `${named} 不是项目代码` }
      }))
    }
    const codes = itemsOf(policy, file)
    const first = codes[0]
    if (first === undefined) {
      unexpected.push(file.path)
      continue
    }
    itemOf.set(file.path, first)
    for (const code of codes) pathsOf.set(code, [...pathsOf.get(code) ?? [], file.path])
    if (codes.length > 1) {
      const { category } = policy.items.get(first) ?? {}
      findings.push(acceptanceFinding('SCOPE_FILE_AMBIGUOUS', {
        path: file.path, category: category?.code, item: first, evidence: { items: codes },
        detail: { en: codes.join(', '), zh: codes.join('、') }
      }))
    }
  }
  const coverage: ScopeCoverageItem[] = []
  for (const category of policy.scope) {
    for (const item of category.items) {
      const paths = pathsOf.get(item.code) ?? []
      const state = paths.length > 0 ? 'present' : item.required === true ? 'missing' : 'optional-absent'
      coverage.push({ category: category.code, item: item.code, required: item.required, state, paths })
      if (state === 'missing') {
        findings.push(acceptanceFinding('SCOPE_ITEM_MISSING', {
          category: category.code, item: item.code, responsible: unitFor(item.producer),
          detail: { en: `${item.code} ${item.en}`, zh: `${item.code} ${item.zh}` }
        }))
      }
    }
  }
  return { itemOf, coverage, unexpected, findings }
}
