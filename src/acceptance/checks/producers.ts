import type { ProjectUnit } from '../../catalogue/index.js'
import type { Producer } from '../policy-schema.js'
import type { AcceptanceFinding, ResponsibleUnit } from '../report.js'
import { acceptanceFinding } from './finding.js'
import type { FileMetadata } from './metadata.js'

// 谁形成谁负责 (notice (四)): each file's producing unit. The file's own metadata names it by its unified
// social credit code; without that, the filing-scope item says which kind of unit forms such documents
// and the project's record says which unit that is. Documents an authority issues are the builder's to
// collect and file; a file outside the scope is the builder's, who hands the package in.

/** The metadata element holding the producing unit's unified social credit code (acceptance.yaml). */
export const PRODUCER_ELEMENT = 'producer_uscc'

export interface ProducerOfFile {
  responsible: ResponsibleUnit
  /** the metadata named a unit the project does not have */
  finding?: AcceptanceFinding
}

/** The unit answerable for documents formed by `producer`: the project's unit in that role, when it has exactly one. */
export function unitForRole (units: readonly ProjectUnit[], producer: Producer): ResponsibleUnit {
  const role: Producer = producer === 'authority' ? 'builder' : producer
  const inRole = units.filter(u => u.role === role)
  const only = inRole.length === 1 ? inRole[0] : undefined
  return only === undefined ? { role } : { role, name: only.name, uscc: only.uscc }
}

export function producerOf (units: readonly ProjectUnit[], itemProducer: Producer | undefined, metadata: FileMetadata | undefined, path: string): ProducerOfFile {
  const named = metadata?.[PRODUCER_ELEMENT]
  const fallback = unitForRole(units, itemProducer ?? 'builder')
  if (typeof named !== 'string' || named.trim() === '') return { responsible: fallback }
  const uscc = named.trim()
  const matches = units.filter(u => u.uscc === uscc)
  // one company may hold two roles (design and build): the item's role decides between them
  const unit = matches.find(u => u.role === fallback.role) ?? matches[0]
  if (unit !== undefined) return { responsible: { role: unit.role, name: unit.name, uscc: unit.uscc } }
  return {
    responsible: { role: fallback.role, uscc },
    finding: acceptanceFinding('PRODUCER_NOT_REGISTERED', {
      path, responsible: { role: fallback.role, uscc }, evidence: { uscc },
      detail: { en: `${uscc} is not among the project's units`, zh: `${uscc} 不在本项目的参建单位中` }
    })
  }
}
