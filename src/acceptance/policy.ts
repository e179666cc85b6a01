import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Value } from '@sinclair/typebox/value'
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { LantaiError } from '../errors.js'
import { AcceptancePolicyDocument, literalsOf, type ScopeCategory, type ScopeItem } from './policy-schema.js'
import { compileItemMatchers, type ItemMatcher } from './policy-match.js'

// The center's acceptance policy (issue 14 item 2): storage-policies/acceptance.yaml, read once at start,
// checked against its schema and against itself (codes unique, references resolved, patterns that
// compile), with every problem named by file, line and key at once, the way a bag report names every
// finding: an operator fixes the file in one pass, not one error per restart.

export const ACCEPTANCE_POLICY_FILE = 'acceptance.yaml'

/** The default shipped with Lantai (storage-policies/ beside src/ or dist/). */
export const SHIPPED_ACCEPTANCE_POLICY = fileURLToPath(new URL(`../../storage-policies/${ACCEPTANCE_POLICY_FILE}`, import.meta.url))

export interface PolicyProblem {
  file: string
  /** 1-based; the nearest line when the key is missing */
  line: number
  column: number
  /** where in the document, e.g. scope[0].items[3].producer */
  key: string
  message: string
}

export interface AcceptancePolicy extends AcceptancePolicyDocument {
  /** The file it was read from. */
  readonly source: string
  /** Every scope item by its code, with its category. */
  readonly items: ReadonlyMap<string, { category: ScopeCategory, item: ScopeItem }>
  /** How each item recognises its files, in scope order. */
  readonly matchers: readonly ItemMatcher[]
}

/**
 * `acceptance.yaml` in the policies directory; where a deployment's directory has none, the default shipped
 * with Lantai. Throws CONFIG_INVALID naming every problem (details.problems: file, line, column, key).
 */
export async function loadAcceptancePolicy (policiesDir: string): Promise<AcceptancePolicy> {
  const file = join(policiesDir, ACCEPTANCE_POLICY_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new LantaiError('CONFIG_INVALID', `${file}: ${(err as Error).message}`, { file }, { cause: err })
    return parseAcceptancePolicy(await readFile(SHIPPED_ACCEPTANCE_POLICY, 'utf8'), SHIPPED_ACCEPTANCE_POLICY)
  }
  return parseAcceptancePolicy(text, file)
}

/** The policy in `text` (named `file` in problems). Throws CONFIG_INVALID naming every problem. */
export function parseAcceptancePolicy (text: string, file: string): AcceptancePolicy {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const problems: PolicyProblem[] = doc.errors.map(e => {
    const pos = lines.linePos(e.pos[0])
    return { file, line: pos.line, column: pos.col, key: '', message: e.message.split('\n')[0] ?? e.message }
  })
  if (problems.length === 0) {
    const data: unknown = doc.toJS()
    const at = (path: readonly string[], message: string, onKey = false): void => { problems.push(locate(doc, lines, file, path, message, onKey)) }
    // A missing key also fails its type and its literals: one problem per key is enough.
    const missing = new Set<string>()
    for (const e of Value.Errors(AcceptancePolicyDocument, data)) {
      const path = e.path.split('/').slice(1).map(unescapePointer)
      if (missing.has(e.path)) continue
      if (e.message === 'Unexpected property') {
        const known = Object.keys((e.schema as { properties?: Record<string, unknown> }).properties ?? {})
        const near = nearest(path.at(-1) ?? '', known)
        at(path, `unknown key${near === null ? '' : ` (did you mean ${near}?)`}`, true)
      } else if (e.message.startsWith('Expected required property')) {
        missing.add(e.path)
        at(path, 'missing')
      } else {
        const literals = literalsOf(e.schema)
        at(path, literals === null ? e.message : `expected one of ${literals.join(', ')}, found ${JSON.stringify(e.value)}`)
      }
    }
    try {
      crossCheck(data as AcceptancePolicyDocument, at)
    } catch {
      // A section too malformed to cross-check: its shape problems above already name it.
    }
    if (problems.length === 0) {
      const policy = data as AcceptancePolicyDocument
      const items = new Map<string, { category: ScopeCategory, item: ScopeItem }>()
      for (const category of policy.scope) for (const item of category.items) items.set(item.code, { category, item })
      return { ...policy, source: file, items, matchers: compileItemMatchers(policy) }
    }
  }
  const listed = problems.map(p => `${p.file}:${p.line}:${p.column} ${p.key === '' ? '' : `${p.key}: `}${p.message}`)
  throw new LantaiError('CONFIG_INVALID', listed.join('; '), { file, problems })
}

type At = (path: readonly string[], message: string, onKey?: boolean) => void

/** What the schema cannot say: uniqueness, references between sections, patterns that compile. */
function crossCheck (policy: AcceptancePolicyDocument, at: At): void {
  const seenCategory = new Set<string>()
  const seenItem = new Map<string, string>()
  policy.scope.forEach((category, c) => {
    if (seenCategory.has(category.code)) at(['scope', String(c), 'code'], `category ${category.code} appears twice`)
    seenCategory.add(category.code)
    category.items.forEach((item, i) => {
      const here = ['scope', String(c), 'items', String(i)]
      const earlier = seenItem.get(item.code)
      if (earlier !== undefined) at([...here, 'code'], `item ${item.code} appears twice (first at ${earlier})`)
      seenItem.set(item.code, keyOf(here))
      if (!item.code.startsWith(category.code)) at([...here, 'code'], `item ${item.code} is not in category ${category.code}`)
      if (item.retention !== null && !(item.retention in policy.retention)) at([...here, 'retention'], `${item.retention} is not a key of retention (${Object.keys(policy.retention).join(', ')})`)
      if (item.required === 'conditional' && item.when === undefined) at([...here, 'required'], 'conditional needs `when`')
      item.patterns?.forEach((p, k) => { const bad = regexProblem(p); if (bad !== null) at([...here, 'patterns', String(k)], bad) })
    })
  })
  const pathProblem = regexProblem(policy.matching.pathPattern)
  if (pathProblem !== null) at(['matching', 'pathPattern'], pathProblem)
  else if (!/\(\?<item>/.test(policy.matching.pathPattern)) at(['matching', 'pathPattern'], 'needs a named group (?<item>…) that captures the item code')
  const keys = new Set<string>()
  policy.metadata.forEach((m, i) => {
    const here = ['metadata', String(i)]
    if (keys.has(m.key)) at([...here, 'key'], `${m.key} appears twice`)
    keys.add(m.key)
    if (m.type === 'enum' && m.values === undefined) at([...here, 'values'], 'an enum needs its values')
    if (m.type !== 'enum' && m.values !== undefined) at([...here, 'values'], `only an enum has values (type is ${m.type})`)
    if (m.required === 'conditional' && m.when === undefined) at([...here, 'required'], 'conditional needs `when`')
  })
  if (!keys.has(policy.matching.metadataField)) at(['matching', 'metadataField'], `${policy.matching.metadataField} is not a key of metadata`)
  const formats = new Set<string>()
  policy.formats.forEach((f, i) => {
    if (formats.has(f.id)) at(['formats', String(i), 'id'], `${f.id} appears twice`)
    formats.add(f.id)
  })
  const checks = new Set<string>()
  policy.fourProperties.forEach((check, i) => {
    const here = ['fourProperties', String(i)]
    if (checks.has(check.code)) at([...here, 'code'], `${check.code} appears twice`)
    checks.add(check.code)
    // DA/T 70 numbers a check <property>-<n>: 1 authenticity, 2 integrity, 3 usability, 4 security.
    const digit = Number(check.code[0])
    const expected = ['authenticity', 'integrity', 'usability', 'security'][digit - 1]
    if (expected !== undefined && expected !== check.property) at([...here, 'property'], `${check.code} is numbered as a check of ${expected} (DA/T 70), not ${check.property}`)
  })
}

function regexProblem (source: string): string | null {
  try {
    new RegExp(source, 'u')
    return null
  } catch (err) {
    return `not a regular expression: ${(err as Error).message}`
  }
}

/** The problem placed at the path's node (its key when `onKey`), or at the nearest ancestor that exists. */
function locate (doc: Document, lines: LineCounter, file: string, path: readonly string[], message: string, onKey: boolean): PolicyProblem {
  let offset = 0
  for (let n = path.length; n >= 0; n--) {
    const found = nodeAt(doc, path.slice(0, n), onKey && n === path.length)
    if (found !== null) { offset = found; break }
  }
  const pos = lines.linePos(offset)
  return { file, line: pos.line, column: pos.col, key: keyOf(path), message }
}

function nodeAt (doc: Document, path: readonly string[], key: boolean): number | null {
  let node: unknown = doc.contents
  let keyOffset: number | null = null
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(p => String((p.key as { value?: unknown } | null)?.value ?? p.key) === segment)
      if (pair === undefined) return null
      keyOffset = (pair.key as Node | null)?.range?.[0] ?? null
      node = pair.value
    } else if (isSeq(node)) {
      node = node.items[Number(segment)]
      keyOffset = null
      if (node === undefined) return null
    } else {
      return null
    }
  }
  if (key && keyOffset !== null) return keyOffset
  return (node as Node | null)?.range?.[0] ?? keyOffset
}

/** scope[0].items[3].producer */
const keyOf = (path: readonly string[]): string => path.reduce((out, s) => /^\d+$/.test(s) ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`, '')

const unescapePointer = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~')

/** The known key within two edits of a typo, if one is. */
function nearest (typo: string, known: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = 3
  for (const k of known) {
    const d = distance(typo.toLowerCase(), k.toLowerCase())
    if (d < bestDistance) { best = k; bestDistance = d }
  }
  return best
}

function distance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length] ?? 0
}
