import { readFile } from 'node:fs/promises'
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isNode, LineCounter, parseDocument, type Document } from 'yaml'
import { LantaiError } from '../errors.js'

// The replication policy files (nodes.yaml, placement.yaml, seismic-zones.yaml) are read the same way:
// YAML with every problem placed at file:line:col and its key, all reported at once, so an archive center
// fixes its file in one pass rather than one restart per typo.

export interface PolicyProblem { file: string, line: number, column: number, key: string, message: string }

export const formatProblem = (p: PolicyProblem): string => `${p.file}:${p.line}:${p.column} ${p.key === '' ? '' : `${p.key}: `}${p.message}`

/** A parsed policy file and a way to place a problem on any JSON-pointer path in it. */
export interface PolicyDocument<T> {
  file: string
  value: T
  /** where `path` ('/nodes/0/province') is, or its nearest existing parent */
  at (path: string, message: string): PolicyProblem
}

/** The text of a policy file, or null when there is none (the caller's default applies). */
export async function readPolicyText (file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new LantaiError('CONFIG_INVALID', `${file}: ${(err as Error).message}`, { file })
  }
}

/**
 * Parses `text` and checks it against `schema` (defaults applied). Throws CONFIG_INVALID naming every
 * YAML or schema problem; further checks use `at` and `fail`.
 */
export function parsePolicy<T> (file: string, text: string, schema: TSchema): PolicyDocument<T> {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const place = (offset: number, key: string, message: string): PolicyProblem => {
    const pos = lines.linePos(offset)
    return { file, line: pos.line, column: pos.col, key, message }
  }
  const yamlProblems = doc.errors.map(e => place(e.pos[0], '', e.message.split('\n')[0] ?? e.message))
  if (yamlProblems.length > 0) fail(file, yamlProblems)
  const at = (path: string, message: string): PolicyProblem => place(offsetOf(doc, path), keyOf(path), message)
  const value = Value.Default(schema, structuredClone(doc.toJS() ?? {}))
  const problems = [...Value.Errors(schema, value)].map(e => at(e.path, e.message))
  if (problems.length > 0) fail(file, problems)
  return { file, value: value as T, at }
}

export function fail (file: string, problems: readonly PolicyProblem[]): never {
  throw new LantaiError('CONFIG_INVALID', problems.map(formatProblem).join('; '), { file, problems })
}

const keyOf = (path: string): string => path.slice(1).replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~')

/** The offset of the deepest node on `path` the document has (a missing key: its parent). */
function offsetOf (doc: Document, path: string): number {
  const keys: Array<string | number> = path.split('/').slice(1).map(k => /^\d+$/.test(k) ? Number(k) : k.replace(/~1/g, '/').replace(/~0/g, '~'))
  for (let n = keys.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true)
    if (isNode(node) && node.range != null) return node.range[0]
  }
  return 0
}
