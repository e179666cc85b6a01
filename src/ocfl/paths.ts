import { LantaiError } from '../errors.js'

// OCFL 1.1 §3.5.3.1 (E051–E053) for logical paths and §3.5.2 (E098–E100) for content paths: '/'
// separated, no leading or trailing '/', no '', '.' or '..' element. Lantai also refuses backslash and
// NUL, which no bag payload path may carry and no storage key accepts.

/** An empty, '.' or '..' element, tested without splitting the path (this runs for every file of a version). */
const BAD_ELEMENT = /(^|\/)\.\.?(\/|$)|\/\//

/** Why a path breaks the rules, or undefined when it is clean. */
export function pathProblem (path: string): string | undefined {
  if (path === '') return 'is empty'
  if (path.startsWith('/') || path.endsWith('/')) return 'begins or ends with /'
  if (path.includes('\\') || path.includes('\0')) return 'contains a backslash or NUL'
  if (BAD_ELEMENT.test(path)) return 'has an empty, . or .. element'
  return undefined
}

export function checkLogicalPath (path: string): void {
  const problem = pathProblem(path)
  if (problem !== undefined) throw new LantaiError('OCFL_PATH_INVALID', `${JSON.stringify(path)} ${problem}`, { path })
}

/**
 * E095 / E101: no path may be a directory of another (a/b beside a/b/c). Returns the pairs that clash.
 */
export function conflictingPaths (paths: Iterable<string>): Array<[string, string]> {
  const all = new Set(paths)
  const clashes: Array<[string, string]> = []
  for (const p of all) {
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
      const dir = p.slice(0, i)
      if (all.has(dir)) clashes.push([dir, p])
    }
  }
  return clashes
}
