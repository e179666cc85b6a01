import { Type } from '@sinclair/typebox'
import { CLASSIFICATIONS, PERMIT_KINDS, UNIT_ROLES } from '../../catalogue/index.js'
import { CATEGORIES, FORMAT_IDS, METADATA_TYPES, PRODUCERS, PROPERTIES } from '../../acceptance/index.js'
import { ProjectView } from './views.js'

// The project record on the wire (issue 14 item 1) and the requirements notice (item 3). Every field says what it is.

const literals = <T extends string>(values: readonly T[], description: string) => Type.Union(values.map(v => Type.Literal(v)), { description })
const Time = (description: string) => Type.String({ format: 'date-time', description })
const Day = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `${description} (YYYY-MM-DD)` })

export const UnitRole = literals(UNIT_ROLES, 'builder 建设单位, survey 勘察单位, design 设计单位, construction 施工单位, supervision 监理单位')
export const Classification = literals(CLASSIFICATIONS, 'classification (密级): 非密, 秘密 or 机密')
export const PermitKind = literals(PERMIT_KINDS, 'land-planning 建设用地规划许可证, works-planning 建设工程规划许可证, construction 建筑工程施工许可证')
// The check character is the domain's to verify (UNIT_USCC_INVALID names what is wrong); the schema only bounds the length.
export const Uscc = Type.String({ minLength: 1, maxLength: 18, description: 'unified social credit code (统一社会信用代码, GB 32100-2015), 18 characters with its check character' })
export const PhaseCode = Type.String({ minLength: 1, maxLength: 32, description: 'phase code within the project (分期编号), 1 to 32 of A-Z, a-z, 0-9 and -' })

export const Person = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'name of the person in charge' }),
  title: Type.Optional(Type.String({ maxLength: 100, description: 'what they are in charge as, e.g. 项目负责人, 总监理工程师' }))
}, { additionalProperties: false })

export const UnitInput = Type.Object({
  role: UnitRole,
  uscc: Uscc,
  name: Type.String({ minLength: 1, maxLength: 500, description: 'unit name' }),
  persons: Type.Optional(Type.Array(Person, { maxItems: 50, description: 'persons in charge (项目负责人等)' }))
}, { additionalProperties: false })

export const UnitPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'unit name' })),
  persons: Type.Optional(Type.Array(Person, { maxItems: 50, description: 'persons in charge, replacing the list' }))
}, { additionalProperties: false, minProperties: 1 })

export const PermitInput = Type.Object({
  kind: PermitKind,
  number: Type.String({ minLength: 1, maxLength: 100, description: 'permit number' }),
  issuedOn: Day('date of issue')
}, { additionalProperties: false })

export const PhaseInput = Type.Object({
  code: PhaseCode,
  name: Type.String({ minLength: 1, maxLength: 200, description: 'phase name, e.g. 一期' })
}, { additionalProperties: false })

export const ProjectPatchBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'project name' })),
  unit: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { description: 'construction unit name (建设单位) as registered before units had codes; null clears it' })),
  location: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { description: 'project location (项目地点); null clears it' })),
  classification: Type.Optional(Classification)
}, { additionalProperties: false, minProperties: 1 })

export const UnitView = Type.Object({
  role: UnitRole,
  uscc: Type.String({ description: 'unified social credit code' }),
  name: Type.String({ description: 'unit name' }),
  persons: Type.Array(Type.Object({ name: Type.String({ description: 'name' }), title: Type.Optional(Type.String({ description: 'in charge as' })) }), { description: 'persons in charge' }),
  createdAt: Time('when the unit was added'),
  updatedAt: Time('when the unit last changed')
})

export const PermitView = Type.Object({
  kind: PermitKind,
  number: Type.String({ description: 'permit number' }),
  issuedOn: Type.String({ description: 'date of issue (YYYY-MM-DD)' }),
  createdAt: Time('when the permit was recorded')
})

export const PhaseView = Type.Object({
  code: Type.String({ description: 'phase code' }),
  name: Type.String({ description: 'phase name' }),
  position: Type.Integer({ description: 'place in the project\'s order, from 1' }),
  createdAt: Time('when the phase was added'),
  updatedAt: Time('when the phase last changed')
})

export const ProjectRecordView = Type.Composite([ProjectView, Type.Object({
  units: Type.Array(UnitView, { description: 'the units that build the project (参建单位), builder first' }),
  permits: Type.Array(PermitView, { description: 'permits, by date of issue' }),
  phases: Type.Array(PhaseView, { description: 'phases (分期), in order' })
})], { description: 'a project with its units, permits and phases' })

const Bilingual = { zh: Type.String({ description: 'Chinese' }), en: Type.String({ description: 'English' }) }
const NullableText = Type.Union([Type.Object(Bilingual), Type.Null()], { description: 'when the requirement applies (conditional items), in Chinese and English' })
const RequiredFlag = Type.Union([Type.Boolean(), Type.Literal('conditional')], { description: 'true: must be filed; conditional: must be filed when `when` holds; false: optional' })
const ResponsibleUnit = Type.Object({ role: UnitRole, name: Type.String({ description: 'unit name' }), uscc: Type.String({ description: 'unified social credit code' }) })

export const RequirementsNoticeView = Type.Object({
  kind: Type.Literal('requirements-notice', { description: 'what this document is' }),
  issuedAt: Time('when the notice was made'),
  center: Type.Object(Bilingual, { description: 'the archive center issuing it' }),
  project: Type.Object({
    code: Type.String({ description: 'unified project code' }),
    name: Type.String({ description: 'project name' }),
    location: Type.Union([Type.String(), Type.Null()], { description: 'project location' }),
    classification: Classification,
    units: Type.Array(ResponsibleUnit, { description: 'the project\'s units' }),
    permits: Type.Array(Type.Object({ kind: PermitKind, ...Bilingual, number: Type.String({ description: 'permit number' }), issuedOn: Type.String({ description: 'date of issue' }) }), { description: 'the project\'s permits' })
  }),
  decisionRequired: Type.Boolean({ description: 'an archivist decides before a submission is stored (notice (六))' }),
  timeLimits: Type.Object({
    jointAcceptance: Type.Object({ days: Type.Integer({ description: 'days' }), calendar: Type.String({ description: 'working or calendar days' }) }, { description: 'joint completion acceptance time limit (联合竣工验收时限)' }),
    transferAfterCompletionMonths: Type.Integer({ description: 'months after completion acceptance within which the archive is transferred' }),
    commitment: Type.Object({ maxMonths: Type.Integer({ description: 'longest a commitment may run (notice (七): at most 3)' }), startEvent: Type.String({ description: 'what it counts from' }) }),
    nearDeadlineDays: Type.Integer({ description: 'days before a limit at which an application shows as near it' }),
    commitmentStart: Type.Object(Bilingual, { description: 'the start event in words' })
  }),
  categories: Type.Array(Type.Object({
    code: literals(CATEGORIES, 'category A-E'),
    ...Bilingual,
    items: Type.Array(Type.Object({
      code: Type.String({ description: 'item code, e.g. A1-1' }),
      ...Bilingual,
      required: RequiredFlag,
      when: NullableText,
      retention: Type.Union([Type.Object({ key: Type.String({ description: 'retention key' }), ...Bilingual }), Type.Null()], { description: 'retention (保管期限); null when the policy leaves it to the center' }),
      producer: Type.Object({ role: literals(PRODUCERS, 'the unit that forms the document'), ...Bilingual }),
      responsibleUnits: Type.Array(ResponsibleUnit, { description: 'the project\'s units that form it (the builder files documents issued by an authority)' })
    }))
  }), { description: 'the filing scope (归档范围) by category' }),
  metadata: Type.Array(Type.Object({
    key: Type.String({ description: 'metadata key' }), ...Bilingual,
    type: literals(METADATA_TYPES, 'value type'),
    values: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'allowed values of an enum' }),
    required: RequiredFlag,
    when: NullableText
  }), { description: 'the metadata every file carries' }),
  formats: Type.Array(Type.Object({ id: literals(FORMAT_IDS, 'format'), ...Bilingual, opens: Type.Boolean({ description: 'opened at acceptance' }) }), { description: 'formats accepted, identified by content' }),
  fourProperties: Type.Array(Type.Object({ code: Type.String({ description: 'DA/T 70 check code' }), property: literals(PROPERTIES, 'property checked'), ...Bilingual }), { description: 'the four-property checks acceptance runs' }),
  counts: Type.Object({ required: Type.Integer({ description: 'required items' }), conditional: Type.Integer({ description: 'items required when they apply' }), optional: Type.Integer({ description: 'optional items' }) })
}, { description: 'the requirements notice (一次性告知)' })
