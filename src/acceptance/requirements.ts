import type { Classification, PermitKind, ProjectRecord, UnitRole } from '../catalogue/index.js'
import { PERMIT_KIND_TEXT, UNIT_ROLE_TEXT } from '../projects/index.js'
import type { AcceptancePolicy } from './policy.js'
import type { CategoryCode, CommitmentStartEvent, FormatId, MetadataElement, Producer, Property, Text, TimeLimits } from './policy-schema.js'

// The requirements notice (一次性告知, notice (一)): at permit time the center tells the builder, once and
// up front, everything it will have to file: each item of the filing scope with the unit that forms it,
// the metadata every file carries, the formats accepted, the checks acceptance will run and the time
// limits. It is made from the same policy acceptance checks against, so the two cannot drift apart.
// One domain function gives the JSON; requirements-html.ts prints it.

export interface ResponsibleUnit { role: UnitRole, name: string, uscc: string }

export interface RequiredItem {
  code: string
  zh: string
  en: string
  /** true: must be filed; 'conditional': must be filed when `when` holds; false: optional */
  required: boolean | 'conditional'
  when: Text | null
  retention: (Text & { key: string }) | null
  producer: Text & { role: Producer }
  /** the project's units that form this item (for `authority` documents: the builder, who collects and files them) */
  responsibleUnits: ResponsibleUnit[]
}

export interface RequirementsNotice {
  /** what this document is */
  kind: 'requirements-notice'
  issuedAt: string
  center: Text
  project: {
    code: string
    name: string
    location: string | null
    classification: Classification
    units: ResponsibleUnit[]
    permits: Array<{ kind: PermitKind, zh: string, en: string, number: string, issuedOn: string }>
  }
  /** notice (六): whether an archivist decides before a submission is stored */
  decisionRequired: boolean
  timeLimits: TimeLimits & { commitmentStart: Text }
  categories: Array<Text & { code: CategoryCode, items: RequiredItem[] }>
  metadata: Array<Text & { key: string, type: MetadataElement['type'], values: string[] | null, required: boolean | 'conditional', when: Text | null }>
  formats: Array<Text & { id: FormatId, opens: boolean }>
  fourProperties: Array<Text & { code: string, property: Property }>
  counts: { required: number, conditional: number, optional: number }
}

export const PRODUCER_TEXT: Record<Producer, Text> = {
  ...UNIT_ROLE_TEXT,
  authority: { zh: '行政主管部门（建设单位收集归档）', en: 'issuing authority (collected and filed by the builder)' },
  mapping: { zh: '测绘单位', en: 'surveying and mapping unit' }
}

export const COMMITMENT_START_TEXT: Record<CommitmentStartEvent, Text> = {
  'opinion-date': { zh: '验收合格意见出具之日', en: 'the date of the acceptance opinion' },
  'completion-acceptance': { zh: '竣工验收之日', en: 'the date of completion acceptance' },
  transfer: { zh: '档案移交之日', en: 'the date of transfer' }
}

/** The requirements notice for `project` under `policy`, as of `now`. Knows nothing of HTTP or HTML. */
export function requirementsNotice (policy: AcceptancePolicy, project: ProjectRecord, now: Date): RequirementsNotice {
  const units = project.units.map(u => ({ role: u.role, name: u.name, uscc: u.uscc }))
  const responsible = (producer: Producer): ResponsibleUnit[] => {
    // 谁形成谁负责 (notice (四)); documents issued by an authority are the builder's to collect and file.
    const role: Producer = producer === 'authority' ? 'builder' : producer
    return units.filter(u => u.role === role)
  }
  const counts = { required: 0, conditional: 0, optional: 0 }
  const categories = policy.scope.map(category => ({
    code: category.code,
    zh: category.zh,
    en: category.en,
    items: category.items.map((item): RequiredItem => {
      counts[item.required === true ? 'required' : item.required === 'conditional' ? 'conditional' : 'optional']++
      const term = item.retention === null ? undefined : policy.retention[item.retention]
      return {
        code: item.code,
        zh: item.zh,
        en: item.en,
        required: item.required,
        when: item.when ?? null,
        retention: term === undefined || item.retention === null ? null : { key: item.retention, ...term },
        producer: { role: item.producer, ...PRODUCER_TEXT[item.producer] },
        responsibleUnits: responsible(item.producer)
      }
    })
  }))
  return {
    kind: 'requirements-notice',
    issuedAt: now.toISOString(),
    center: policy.center,
    project: {
      code: project.code,
      name: project.name,
      location: project.location,
      classification: project.classification,
      units,
      permits: project.permits.map(p => ({ kind: p.kind, ...PERMIT_KIND_TEXT[p.kind], number: p.number, issuedOn: p.issuedOn }))
    },
    decisionRequired: policy.decision.required,
    timeLimits: { ...policy.timeLimits, commitmentStart: COMMITMENT_START_TEXT[policy.timeLimits.commitment.startEvent] },
    categories,
    metadata: policy.metadata.map(m => ({ key: m.key, zh: m.zh, en: m.en, type: m.type, values: m.values ?? null, required: m.required, when: m.when ?? null })),
    formats: policy.formats.map(f => ({ id: f.id, zh: f.zh, en: f.en, opens: f.opens === true })),
    fourProperties: policy.fourProperties.map(c => ({ code: c.code, property: c.property, zh: c.zh, en: c.en })),
    counts
  }
}
