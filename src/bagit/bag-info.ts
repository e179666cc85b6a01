import type { VersionRules } from './declaration.js'
import type { Findings } from './findings.js'
import { readLines } from './text.js'

// RFC 8493 §2.2.2: bag-info.txt (package-info.txt before 0.96) holds "Label: value" elements in order;
// labels may repeat, reserved labels match case-insensitively, and lines that start with whitespace
// continue the previous value.

export interface BagInfoElement { readonly label: string, readonly value: string, readonly line: number }

export interface Oxum { readonly octets: bigint, readonly streams: bigint }

const STRICT = /^([^:\s](?:[^:\r\n]*[^:\s])?):[ \t](.*)$/
const LENIENT = /^([^:\s][^:]*?)\s*:\s*(.*)$/
const SHOULD_NOT_REPEAT = ['bagging-date', 'bag-size', 'payload-oxum', 'bag-group-identifier', 'bag-count']

export interface BagInfoContext { rules: VersionRules, encoding: string, maxLineBytes: number, findings: Findings }

export async function readBagInfo (file: string, name: string, ctx: BagInfoContext): Promise<BagInfoElement[]> {
  const { findings, rules } = ctx
  const elements: BagInfoElement[] = []
  await readLines(file, { encoding: ctx.encoding, maxLineBytes: ctx.maxLineBytes, name, findings }, (text, line) => {
    if (/^[ \t]/.test(text)) {
      const last = elements.pop()
      if (last === undefined || text.trim() === '') {
        if (text.trim() !== '') findings.add('BAG_INFO_LINE_MALFORMED', { path: name, source: name, line, actual: text, detail: `${name} line ${line}: continuation with nothing to continue` })
        if (last !== undefined) elements.push(last)
        return
      }
      elements.push({ ...last, value: `${last.value} ${text.trim()}` })
      return
    }
    if (text === '') return
    const m = (rules.strict ? STRICT : LENIENT).exec(text)
    if (m === null || m[1] === undefined) {
      findings.add('BAG_INFO_LINE_MALFORMED', { path: name, source: name, line, actual: text, detail: `${name} line ${line}: ${JSON.stringify(text)}` })
      return
    }
    elements.push({ label: m[1], value: m[2] ?? '', line })
  })
  checkReserved(elements, name, findings)
  return elements
}

/** Values of a label, matched case-insensitively as §2.2.2 asks of reserved labels. */
export const valuesOf = (elements: readonly BagInfoElement[], label: string): BagInfoElement[] =>
  elements.filter(e => e.label.toLowerCase() === label.toLowerCase())

function checkReserved (elements: readonly BagInfoElement[], name: string, findings: Findings): void {
  for (const label of SHOULD_NOT_REPEAT) {
    const found = valuesOf(elements, label)
    if (found.length < 2) continue
    // A repeated Payload-Oxum is an error: two answers to "how big is the payload" cannot both hold.
    if (label === 'payload-oxum') findings.add('BAG_INFO_OXUM_REPEATED', { path: name, source: name, line: found[1]?.line, detail: `${found.length} times` })
    else findings.add('BAG_INFO_LABEL_REPEATED', { path: name, source: name, line: found[1]?.line, detail: `${found[0]?.label} appears ${found.length} times` })
  }
  for (const e of valuesOf(elements, 'Bagging-Date')) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(e.value.trim())) findings.add('BAG_INFO_VALUE_MALFORMED', { path: name, source: name, line: e.line, actual: e.value, expected: 'YYYY-MM-DD', detail: `Bagging-Date ${JSON.stringify(e.value)}` })
  }
  for (const e of valuesOf(elements, 'Bag-Count')) {
    if (!/^\d+ of (\d+|\?)$/.test(e.value.trim())) findings.add('BAG_INFO_VALUE_MALFORMED', { path: name, source: name, line: e.line, actual: e.value, expected: 'N of T', detail: `Bag-Count ${JSON.stringify(e.value)}` })
  }
}

/** Payload-Oxum as declared, or null when absent, repeated-and-unusable, or malformed (reported). */
export function declaredOxum (elements: readonly BagInfoElement[], name: string, findings: Findings): Oxum | null {
  const found = valuesOf(elements, 'Payload-Oxum')
  const first = found[0]
  if (first === undefined) {
    findings.add('BAG_INFO_OXUM_MISSING', { path: name, source: name })
    return null
  }
  const m = /^(\d+)\.(\d+)$/.exec(first.value.trim())
  if (m === null || m[1] === undefined || m[2] === undefined) {
    findings.add('BAG_INFO_OXUM_MALFORMED', { path: name, source: name, line: first.line, actual: first.value, detail: JSON.stringify(first.value) })
    return null
  }
  return { octets: BigInt(m[1]), streams: BigInt(m[2]) }
}
