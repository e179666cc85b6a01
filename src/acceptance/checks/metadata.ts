import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { isDay } from '../../projects/index.js'
import type { AcceptanceFinding } from '../report.js'
import type { MetadataElement } from '../policy-schema.js'
import { acceptanceFinding, type FindingPlace } from './finding.js'

// Per-file metadata (CJJ/T 187 / DA/T 46 item level) travels in the bag as a tag file, one JSON object
// per payload file: metadata/files.jsonl (docs/acceptance-checks.md). A tag file, not payload, so the
// payload holds only the documents, and the tag manifest protects it like bag-info.txt. A missing or
// broken file is a finding (usability 3-1), never a crash: the rest of the checks still run.

export const METADATA_FILE = 'metadata/files.jsonl'

/** A metadata file larger than this is not read (its one finding says so). */
export const MAX_METADATA_BYTES = 256 * 1024 * 1024

export type FileMetadata = Readonly<Record<string, unknown>>

export interface MetadataRead {
  /** payload path → its record; absent when the bag has no readable metadata file */
  records: Map<string, FileMetadata> | null
  findings: AcceptanceFinding[]
}

/** Reads the bag's metadata file line by line; every bad line is a finding, the good ones are kept. */
export async function readMetadata (root: string, payload: ReadonlySet<string>): Promise<MetadataRead> {
  const file = join(root, METADATA_FILE)
  const findings: AcceptanceFinding[] = []
  const size = await stat(file).then(s => s.isFile() ? s.size : null, () => null)
  if (size === null) return { records: null, findings: [acceptanceFinding('METADATA_FILE_MISSING', { path: METADATA_FILE })] }
  if (size > MAX_METADATA_BYTES) {
    return { records: null, findings: [acceptanceFinding('METADATA_FILE_UNREADABLE', { path: METADATA_FILE, evidence: { size }, detail: { en: `${size} bytes, over ${MAX_METADATA_BYTES}`, zh: `${size} 字节，超过 ${MAX_METADATA_BYTES}` } })] }
  }
  const records = new Map<string, FileMetadata>()
  let line = 0
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  for await (const raw of lines) {
    line++
    const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw
    if (text.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      findings.push(lineFinding(line, { en: (err as Error).message, zh: 'JSON 解析失败' }))
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { path?: unknown }).path !== 'string') {
      findings.push(lineFinding(line, { en: 'not an object with a string "path"', zh: '不是含字符串 "path" 的对象' }))
      continue
    }
    const record = value as Record<string, unknown> & { path: string }
    if (records.has(record.path)) {
      findings.push(acceptanceFinding('METADATA_RECORD_DUPLICATE', { path: record.path, evidence: { line }, detail: { en: `again on line ${line}`, zh: `第 ${line} 行再次出现` } }))
      continue
    }
    if (!payload.has(record.path)) {
      findings.push(acceptanceFinding('METADATA_RECORD_ORPHAN', { path: record.path, evidence: { line } }))
      continue
    }
    records.set(record.path, record)
  }
  return { records, findings }
}

const lineFinding = (line: number, detail: { en: string, zh: string }): AcceptanceFinding =>
  acceptanceFinding('METADATA_FILE_UNREADABLE', { path: METADATA_FILE, evidence: { line }, detail: { en: `line ${line}: ${detail.en}`, zh: `第 ${line} 行：${detail.zh}` } })

// C0 controls other than tab, and DEL (DA/T 70 1-6)
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/ // eslint-disable-line no-control-regex

/** A value as text: strings as they are, finite numbers written out; anything else is not a value. */
const textOf = (v: unknown): string | null => typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null

/** Why `value` is not of `element`'s type, or null. */
function typeProblem (element: MetadataElement, value: string): { code: 'METADATA_VALUE_INVALID' | 'METADATA_VALUE_NOT_ALLOWED', en: string, zh: string } | null {
  switch (element.type) {
    case 'date': return isDay(value) ? null : { code: 'METADATA_VALUE_INVALID', en: `${value} is not a day (YYYY-MM-DD)`, zh: `${value} 不是有效日期（YYYY-MM-DD）` }
    case 'integer': return /^-?\d+$/.test(value) ? null : { code: 'METADATA_VALUE_INVALID', en: `${value} is not an integer`, zh: `${value} 不是整数` }
    case 'decimal': return /^-?\d+(?:\.\d+)?$/.test(value) ? null : { code: 'METADATA_VALUE_INVALID', en: `${value} is not a decimal number`, zh: `${value} 不是数值` }
    case 'code': return /^\S+$/.test(value) ? null : { code: 'METADATA_VALUE_INVALID', en: `${JSON.stringify(value)} is not a code (no spaces)`, zh: `${JSON.stringify(value)} 不是代码（不得含空白）` }
    case 'enum': return element.values?.includes(value) === true ? null : { code: 'METADATA_VALUE_NOT_ALLOWED', en: `${value} is not one of ${element.values?.join(', ') ?? ''}`, zh: `${value} 不是 ${element.values?.join('、') ?? ''} 之一` }
    case 'string': return null
  }
}

/**
 * One file's record against the policy's elements: required ones filled (2-4), types (1-3), enum values
 * (1-4), no control characters (1-6). Conditional elements are checked when present: whether their
 * condition holds is for the archivist.
 */
export function checkRecord (elements: readonly MetadataElement[], record: FileMetadata, place: FindingPlace): AcceptanceFinding[] {
  const out: AcceptanceFinding[] = []
  for (const element of elements) {
    const raw = record[element.key]
    const value = raw === undefined || raw === null ? null : textOf(raw)
    const label = { en: `${element.key} (${element.en})`, zh: `${element.zh}（${element.key}）` }
    if (raw !== undefined && raw !== null && value === null) {
      out.push(acceptanceFinding('METADATA_VALUE_INVALID', { ...place, evidence: { element: element.key, found: raw }, detail: { en: `${label.en} is not text or a number`, zh: `${label.zh}不是文本或数字` } }))
      continue
    }
    if (value === null || value.trim() === '') {
      if (element.required === true) out.push(acceptanceFinding('METADATA_ELEMENT_MISSING', { ...place, evidence: { element: element.key }, detail: label }))
      continue
    }
    if (CONTROL.test(value)) {
      out.push(acceptanceFinding('METADATA_VALUE_FORBIDDEN_CHARACTER', { ...place, evidence: { element: element.key }, detail: label }))
      continue
    }
    const problem = typeProblem(element, value)
    if (problem !== null) out.push(acceptanceFinding(problem.code, { ...place, evidence: { element: element.key, found: value }, detail: { en: `${label.en}: ${problem.en}`, zh: `${label.zh}：${problem.zh}` } }))
  }
  return out
}
