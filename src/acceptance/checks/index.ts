import type { ProjectUnit } from '../../catalogue/index.js'
import { eachConcurrently } from '../../concurrent.js'
import type { FormatId } from '../policy-schema.js'
import type { AcceptancePolicy } from '../policy.js'
import { findingKey, type AcceptanceFinding, type AcceptanceReport, type ResponsibleUnit } from '../report.js'
import { acceptanceFinding, type FindingPlace } from './finding.js'
import { bagitCheckOf, propertyResults } from './four-properties.js'
import { checkRecord, readMetadata, type FileMetadata } from './metadata.js'
import { producerOf, unitForRole } from './producers.js'
import { checkScope } from './scope.js'
import { checkContent } from './usability.js'

// Acceptance checks (issue 14 item 4; notice (六), 一次性告知): the BagIt report, filing-scope coverage,
// metadata per file, the four properties and the seal decisions, all collected, none stopping the rest,
// into one report whose every finding names the unit answerable for it (谁形成谁负责, notice (四)).

export { ACCEPTANCE_CODES, type AcceptanceCode, type AcceptanceCodeName } from './codes.js'
export { METADATA_FILE, readMetadata, type FileMetadata } from './metadata.js'
export { PRODUCER_ELEMENT } from './producers.js'

/** A BagIt finding as the submission report has it (src/bagit report-json). */
export interface BagitFindingInput { code: string, severity: string, path: string | null, message: string, messageZh: string }

/** One file's seal decision, as stage 2 made it (src/ingest/seals-stage.ts). */
export interface SealDecisionOfFile { path: string, decision: { integrityAlert: boolean, provisional: boolean, reason: string } }

export interface AcceptanceInput {
  policy: AcceptancePolicy
  /** the bag root in staging */
  root: string
  /** payload paths (data/…) */
  payload: readonly string[]
  bagit: { errors: readonly BagitFindingInput[], warnings: readonly BagitFindingInput[] }
  /** stage 2's seal decisions; null when the seal check did not run */
  seals: readonly SealDecisionOfFile[] | null
  /** the project's units (the project record) */
  units: readonly ProjectUnit[]
  /** the token that uploaded the package */
  submittedBy?: string | null
  signal?: AbortSignal
  clock?: () => Date
  /** files checked at once (each reads at most a bounded head and tail, or opens one document) */
  concurrency?: number
}

/** What acceptance learned of each payload file, for the catalogue (package_files). */
export interface FileAcceptance {
  format: FormatId | null
  scopeItem: string | null
  producer: ResponsibleUnit
  /** the policy flags the file's scope item as pipeline-survey data (`pipeline: true`) */
  pipelineItem?: boolean
}

export interface AcceptanceResult {
  report: AcceptanceReport
  files: Map<string, FileAcceptance>
}

export async function checkAcceptance (input: AcceptanceInput): Promise<AcceptanceResult> {
  const { policy, units } = input
  const findings: AcceptanceFinding[] = []
  const payload = [...input.payload].sort()
  const metadata = await readMetadata(input.root, new Set(payload))
  const recordOf = (path: string): FileMetadata | undefined => metadata.records?.get(path)
  const scope = checkScope(policy, payload.map(path => ({ path, metadata: recordOf(path) })), producer => unitForRole(units, producer))
  findings.push(...scope.findings)

  // Each file's place in the report: its category, item and producing unit.
  const places = new Map<string, FindingPlace>()
  const files = new Map<string, FileAcceptance>()
  for (const path of payload) {
    const code = scope.itemOf.get(path)
    const entry = code === undefined ? undefined : policy.items.get(code)
    const producer = producerOf(units, entry?.item.producer, recordOf(path), path)
    if (producer.finding !== undefined) findings.push(withPlace(producer.finding, entry?.category.code, code))
    places.set(path, { path, category: entry?.category.code, item: code, responsible: producer.responsible })
    files.set(path, { format: null, scopeItem: code ?? null, producer: producer.responsible, ...(entry?.item.pipeline === true ? { pipelineItem: true } : {}) })
    if (code === undefined) findings.push(acceptanceFinding('SCOPE_FILE_UNEXPECTED', places.get(path)))
  }
  // Findings met before the places were known (scope codes, metadata records) get them now.
  const placed = (f: AcceptanceFinding): AcceptanceFinding => {
    const place = f.path === undefined ? undefined : places.get(f.path)
    if (place === undefined) return f
    const out = { ...place, ...stripUndefined(f), responsible: f.responsible ?? place.responsible }
    return { ...out, key: findingKey(out) }
  }
  for (let i = 0; i < findings.length; i++) findings[i] = placed(findings[i] as AcceptanceFinding)
  findings.push(...metadata.findings.map(placed))

  if (metadata.records !== null) {
    for (const path of payload) {
      const record = metadata.records.get(path)
      const place = places.get(path) ?? { path }
      if (record === undefined) findings.push(acceptanceFinding('METADATA_RECORD_MISSING', place))
      else findings.push(...checkRecord(policy.metadata, record, place))
    }
  }

  let opened = 0
  const opensFormats = new Set(policy.formats.filter(f => f.opens === true).map(f => f.id as string))
  const content: AcceptanceFinding[][] = []
  await eachConcurrently(payload.map((path, i) => ({ path, i })), input.concurrency ?? 2, async ({ path, i }) => {
    if (input.signal?.aborted === true) return
    const checked = await checkContent(input.root, policy, path, places.get(path) ?? { path })
    content[i] = checked.findings
    const file = files.get(path)
    if (file !== undefined) file.format = checked.identification.format
    if (checked.identification.format !== null && opensFormats.has(checked.identification.format) && checked.identification.encrypted !== true) opened++
  })
  input.signal?.throwIfAborted()
  for (const list of content) if (list !== undefined) findings.push(...list)

  for (const seal of input.seals ?? []) {
    const place = places.get(seal.path) ?? { path: seal.path }
    const evidence = { reason: seal.decision.reason }
    if (seal.decision.integrityAlert) findings.push(acceptanceFinding('SEAL_INTEGRITY_ALERT', { ...place, evidence, detail: { en: seal.decision.reason, zh: seal.decision.reason } }))
    else if (seal.decision.provisional) findings.push(acceptanceFinding('SEAL_PROVISIONAL', { ...place, evidence, detail: { en: seal.decision.reason, zh: seal.decision.reason } }))
  }

  // The BagIt report's findings, each placed like the rest (a payload path names its file's unit).
  const builder = unitForRole(units, 'builder')
  for (const b of [...input.bagit.errors, ...input.bagit.warnings]) {
    const place = b.path === null ? undefined : places.get(b.path)
    const f = {
      code: b.code, source: 'bagit' as const, severity: b.severity === 'error' ? 'error' as const : 'warning' as const, check: bagitCheckOf(b.code),
      ...(place ?? (b.path === null ? {} : { path: b.path })), responsible: place?.responsible ?? builder, message: b.message, messageZh: b.messageZh
    }
    findings.push({ ...f, key: findingKey(f) })
  }

  const ordered = findings.sort(byCategory)
  return {
    files,
    report: {
      version: 1,
      checkedAt: (input.clock ?? (() => new Date()))().toISOString(),
      outcome: ordered.some(f => f.severity === 'error') ? 'defects' : 'passed',
      findings: ordered,
      coverage: scope.coverage,
      unexpected: scope.unexpected,
      properties: propertyResults(policy.fourProperties, ordered, {
        files: payload.length, filesOf: { '3-4': opened }, sealsChecked: input.seals !== null, submittedBy: input.submittedBy ?? null
      })
    }
  }
}

const withPlace = (f: AcceptanceFinding, category: AcceptanceFinding['category'], item: string | undefined): AcceptanceFinding =>
  ({ ...f, ...(category === undefined ? {} : { category }), ...(item === undefined ? {} : { item }) })

const stripUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

// Grouped by category (A–E, then findings of no category), then item, path and code: the notice's order.
const byCategory = (a: AcceptanceFinding, b: AcceptanceFinding): number =>
  cmp(a.category ?? '~', b.category ?? '~') || cmp(a.item ?? '~', b.item ?? '~') || cmp(a.path ?? '', b.path ?? '') || cmp(a.code, b.code)

const cmp = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
