import type { AcceptancePolicyDocument } from './policy-schema.js'

// Which filing-scope item a payload file belongs to (notice (二), 应收尽收): first the item code its
// metadata names, then the policy's path pattern, then the item's own globs and regular expressions.
// Filing-scope coverage (present, missing, unexpected) is built on this.

export interface ItemMatcher {
  code: string
  /** the item's own rules; the shared pattern and the metadata field are the policy's */
  test (path: string): boolean
}

export interface FileToMatch {
  /** payload path, e.g. data/A1-1_批复.pdf */
  path: string
  /** the file's metadata, if any */
  metadata?: Readonly<Record<string, unknown>>
}

/** `*` and `?` within a path segment, `**` across segments; everything else literal. */
export function globToRegExp (glob: string): RegExp {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? ''
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more whole segments
      if (glob[i + 2] === '/') { out += '(?:.*/)?'; i += 2 } else { out += '.*'; i++ }
    } else if (c === '*') out += '[^/]*'
    else if (c === '?') out += '[^/]'
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${out}$`, 'u')
}

export function compileItemMatchers (policy: AcceptancePolicyDocument): ItemMatcher[] {
  return policy.scope.flatMap(category => category.items.map(item => {
    const rules = [...(item.paths ?? []).map(globToRegExp), ...(item.patterns ?? []).map(p => new RegExp(p, 'u'))]
    return { code: item.code, test: (path: string) => rules.some(r => r.test(path)) }
  }))
}

/**
 * The item codes `file` belongs to: the metadata's item code when it names an item of the scope, else
 * every item whose path rule matches. Empty: the file is outside the scope (an unexpected file).
 */
export function itemsOf (policy: AcceptancePolicyDocument & { matchers: readonly ItemMatcher[], items: ReadonlyMap<string, unknown> }, file: FileToMatch): string[] {
  const named = file.metadata?.[policy.matching.metadataField]
  if (typeof named === 'string' && policy.items.has(named)) return [named]
  const codes = new Set<string>()
  const shared = new RegExp(policy.matching.pathPattern, 'gu')
  for (const m of file.path.matchAll(shared)) {
    const code = m.groups?.item
    if (code !== undefined && policy.items.has(code)) codes.add(code)
  }
  for (const matcher of policy.matchers) if (matcher.test(file.path)) codes.add(matcher.code)
  return [...codes]
}
