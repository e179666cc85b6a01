import type {
  Catalogue, Classification, NewProject, NewProjectPermit, NewProjectPhase, NewProjectUnit, Project, ProjectPatch, ProjectPermit, ProjectPhase, ProjectRecord, ProjectUnit,
  ProjectUnitPatch, UnitPerson, UnitRole, VisibleTiers
} from '../catalogue/index.js'
import { CLASSIFICATIONS, PHASE_CODE } from '../catalogue/index.js'
import { LantaiError } from '../errors.js'
import { usccProblem, type UsccProblem } from './uscc.js'

// Projects and the units that build them (issue 14 item 1): the rules a record must keep before the
// catalogue stores it. The catalogue refuses what is impossible (its CHECKs); this refuses what is wrong
// in the domain (a check character that does not add up, a date that is not a day), all problems at once.

const USCC_TEXT: Record<UsccProblem, { en: string, zh: string }> = {
  length: { en: 'is not 18 characters long', zh: '长度不是 18 位' },
  character: { en: 'has a character outside 0-9 and A-Y without I, O, S, V, Z', zh: '含有 0-9 及除 I、O、S、V、Z 外的大写字母以外的字符' },
  division: { en: 'has no six-digit administrative division in positions 3-8', zh: '第 3-8 位不是六位数字的行政区划码' },
  'check-digit': { en: 'ends in the wrong check character', zh: '末位校验码不正确' }
}

/** Throws UNIT_USCC_INVALID naming the code and what is wrong with it. */
export function checkUscc (uscc: string, where = 'uscc'): void {
  const problem = usccProblem(uscc)
  if (problem === null) return
  throw new LantaiError('UNIT_USCC_INVALID', `${where}: ${uscc} ${USCC_TEXT[problem].en}`, { uscc, problem, field: where, detailZh: `${where}：${uscc} ${USCC_TEXT[problem].zh}` })
}

/** A calendar day written YYYY-MM-DD that exists (no 2024-02-30). */
export const isDay = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)

export class ProjectService {
  readonly #catalogue: Catalogue

  constructor (catalogue: Catalogue) {
    this.#catalogue = catalogue
  }

  /** Registers a project with its parts. Throws PROJECT_RECORD_INVALID or UNIT_USCC_INVALID (every problem named), then the catalogue's PROJECT_EXISTS and friends. */
  async register (input: NewProject, agent?: string): Promise<Project> {
    const problems: Problem[] = []
    if (input.classification !== undefined) classificationProblems(input.classification, 'classification', problems)
    input.units?.forEach((u, i) => unitProblems(u, `units/${i}`, problems))
    input.permits?.forEach((p, i) => permitProblems(p, `permits/${i}`, problems))
    input.phases?.forEach((p, i) => phaseProblems(p, `phases/${i}`, problems))
    throwProblems(problems)
    return await this.#catalogue.projects.create(input, agent)
  }

  async update (code: string, patch: ProjectPatch, agent?: string): Promise<Project> {
    const problems: Problem[] = []
    if (patch.classification !== undefined) classificationProblems(patch.classification, 'classification', problems)
    throwProblems(problems)
    return await this.#catalogue.projects.update(code, patch, agent)
  }

  /** Throws PROJECT_NOT_FOUND, also when, given `tiers` (the caller's), the project's tier is not among them. */
  async record (code: string, tiers?: VisibleTiers): Promise<ProjectRecord> {
    const record = await this.#catalogue.projects.record(code, tiers)
    if (record === null) throw new LantaiError('PROJECT_NOT_FOUND', code, { code })
    return record
  }

  async addUnit (code: string, unit: NewProjectUnit, agent?: string): Promise<ProjectUnit> {
    const problems: Problem[] = []
    unitProblems(unit, 'unit', problems)
    throwProblems(problems)
    return await this.#catalogue.projectUnits.add(code, unit, agent)
  }

  async updateUnit (code: string, role: UnitRole, uscc: string, patch: ProjectUnitPatch, agent?: string): Promise<ProjectUnit> {
    const problems: Problem[] = []
    if (patch.persons !== undefined) personsProblems(patch.persons, 'persons', problems)
    throwProblems(problems)
    return await this.#catalogue.projectUnits.update(code, role, uscc, patch, agent)
  }

  async addPermit (code: string, permit: NewProjectPermit, agent?: string): Promise<ProjectPermit> {
    const problems: Problem[] = []
    permitProblems(permit, 'permit', problems)
    throwProblems(problems)
    return await this.#catalogue.permits.add(code, permit, agent)
  }

  async addPhase (code: string, phase: NewProjectPhase, agent?: string): Promise<ProjectPhase> {
    const problems: Problem[] = []
    phaseProblems(phase, 'phase', problems)
    throwProblems(problems)
    return await this.#catalogue.phases.add(code, phase, agent)
  }

  async renamePhase (code: string, phase: string, name: string, agent?: string): Promise<ProjectPhase> {
    if (name.trim() === '') throwProblems([{ field: 'name', en: 'is empty', zh: '为空' }])
    return await this.#catalogue.phases.rename(code, phase, name, agent)
  }
}

interface Problem { field: string, en: string, zh: string, uscc?: UsccProblem }

function throwProblems (problems: readonly Problem[]): void {
  if (problems.length === 0) return
  // One bad code alone keeps its own code, so a client can tell "fix the credit code" from other mistakes.
  const only = problems.length === 1 ? problems[0] : undefined
  const problemsOut = problems.map(p => ({ field: p.field, message: p.en, messageZh: p.zh }))
  const en = problems.map(p => `${p.field} ${p.en}`).join('; ')
  const zh = problems.map(p => `${p.field} ${p.zh}`).join('；')
  if (only?.uscc !== undefined) throw new LantaiError('UNIT_USCC_INVALID', en, { field: only.field, problem: only.uscc, findings: problemsOut, detailZh: zh })
  throw new LantaiError('PROJECT_RECORD_INVALID', en, { findings: problemsOut, detailZh: zh })
}

function classificationProblems (value: string, field: string, out: Problem[]): void {
  if (!(CLASSIFICATIONS as readonly string[]).includes(value as Classification)) out.push({ field, en: `is ${value}, not one of ${CLASSIFICATIONS.join(', ')}`, zh: `为 ${value}，不是 ${CLASSIFICATIONS.join('、')} 之一` })
}

function unitProblems (unit: NewProjectUnit, field: string, out: Problem[]): void {
  const problem = usccProblem(unit.uscc)
  if (problem !== null) out.push({ field: `${field}/uscc`, en: `${unit.uscc} ${USCC_TEXT[problem].en}`, zh: `${unit.uscc} ${USCC_TEXT[problem].zh}`, uscc: problem })
  if (unit.name.trim() === '') out.push({ field: `${field}/name`, en: 'is empty', zh: '为空' })
  if (unit.persons !== undefined) personsProblems(unit.persons, `${field}/persons`, out)
}

function personsProblems (persons: readonly UnitPerson[], field: string, out: Problem[]): void {
  persons.forEach((p, i) => { if (p.name.trim() === '') out.push({ field: `${field}/${i}/name`, en: 'is empty', zh: '为空' }) })
}

function permitProblems (permit: NewProjectPermit, field: string, out: Problem[]): void {
  if (!isDay(permit.issuedOn)) out.push({ field: `${field}/issuedOn`, en: `${permit.issuedOn} is not a day (YYYY-MM-DD)`, zh: `${permit.issuedOn} 不是有效日期（YYYY-MM-DD）` })
  if (permit.number.trim() === '') out.push({ field: `${field}/number`, en: 'is empty', zh: '为空' })
}

function phaseProblems (phase: NewProjectPhase, field: string, out: Problem[]): void {
  if (!PHASE_CODE.test(phase.code)) out.push({ field: `${field}/code`, en: `${phase.code}: 1 to 32 characters of A-Z, a-z, 0-9 and -`, zh: `${phase.code}：须为 1 至 32 个 A-Z、a-z、0-9 和 - 字符` })
  if (phase.name.trim() === '') out.push({ field: `${field}/name`, en: 'is empty', zh: '为空' })
}
