import type { VersionRules } from './declaration.js'
import type { Findings } from './findings.js'
import { checkBagPath, isUnderPayload, pathKey, percentDecode } from './paths.js'
import { readLines } from './text.js'

// RFC 8493 §2.2.3: fetch.txt lines are "url length filepath". Lantai never fetches (§5.2, and the
// network rules of the project): a listed file that is absent makes the bag incomplete.

export interface FetchEntry { readonly url: string, readonly path: string, readonly key: string, readonly line: number }

const LINE = /^(\S+)[ \t]+(\S+)[ \t]+(.+)$/

export interface FetchContext { rules: VersionRules, encoding: string, maxLineBytes: number, findings: Findings }

export async function readFetch (file: string, ctx: FetchContext): Promise<FetchEntry[]> {
  const { findings, rules } = ctx
  const source = 'fetch.txt'
  const entries: FetchEntry[] = []
  await readLines(file, { encoding: ctx.encoding, maxLineBytes: ctx.maxLineBytes, name: source, findings }, (text, line) => {
    if (text.trim() === '') return
    const m = LINE.exec(text)
    if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined || !/^(\d+|-)$/.test(m[2])) {
      findings.add('BAG_FETCH_LINE_MALFORMED', { path: source, source, line, actual: text, detail: `line ${line}: ${JSON.stringify(text)}` })
      return
    }
    const url = m[1]
    if (!URL.canParse(url) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) {
      findings.add('BAG_FETCH_URL_INVALID', { path: source, source, line, actual: url, detail: `line ${line}: ${url}` })
    }
    const raw = m[3]
    const verdict = checkBagPath(rules.strict ? percentDecode(raw) : raw)
    for (const code of verdict.errors) findings.add(code, { path: raw, source, line, detail: `fetch.txt line ${line}: ${raw}` })
    if (verdict.leadingDotSlash) findings.add('BAG_PATH_LEADING_DOT_SLASH', { path: raw, source, line, detail: `fetch.txt line ${line}: ${raw}` })
    // §2.2.3 and ABNF §7.4: a fetched file is always payload, never a tag file.
    if (!isUnderPayload(verdict.path)) findings.add('BAG_PATH_OUTSIDE_PAYLOAD', { path: raw, source, line, detail: `fetch.txt line ${line}: ${raw}` })
    entries.push({ url, path: verdict.path, key: pathKey(verdict.path), line })
  })
  return entries
}
