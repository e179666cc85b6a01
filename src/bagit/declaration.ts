import { TextDecoder } from 'node:util'
import type { Findings } from './findings.js'
import { decoderName } from './text.js'

// RFC 8493 §2.1.1: bagit.txt is exactly two lines, "BagIt-Version: M.N" then
// "Tag-File-Character-Encoding: ENCODING", UTF-8 without a BOM. Earlier drafts (0.93–0.97) were
// read leniently by every tool, so whitespace around the colon is accepted there (§2.2.2 history).

export const SUPPORTED_VERSIONS: readonly string[] = ['0.93', '0.94', '0.95', '0.96', '0.97', '1.0']

/** The rules that differ by version, decided once from the declaration. */
export interface VersionRules {
  /** "1.0", "0.97", … or null when unknown (missing or malformed bagit.txt). */
  readonly version: string | null
  /** BagIt 1.0: strict forms, duplicates are errors, every file in every manifest, %-decoding. */
  readonly strict: boolean
  /** The bag-info file's name: package-info.txt before 0.96. */
  readonly bagInfoNames: readonly string[]
}

export interface Declaration {
  readonly rules: VersionRules
  /** iconv-lite name of the tag-file encoding; UTF-8 when undeclared or unknown. */
  readonly encoding: string
  /** The encoding as declared, for messages. */
  readonly declaredEncoding: string | null
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
const LENIENT = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/
const STRICT_VERSION = /^BagIt-Version: (\d+\.\d+)$/
const STRICT_ENCODING = /^Tag-File-Character-Encoding: (\S+)$/

export function rulesFor (version: string | null): VersionRules {
  const [major, minor] = version === null ? [NaN, NaN] : version.split('.').map(Number)
  const known = Number.isFinite(major)
  const strict = known && (major ?? 0) >= 1
  const beforeBagInfo = known && major === 0 && (minor ?? 0) < 96
  return {
    version,
    strict,
    bagInfoNames: !known ? ['bag-info.txt', 'package-info.txt'] : beforeBagInfo ? ['package-info.txt'] : ['bag-info.txt']
  }
}

/** Parses bagit.txt (raw bytes, or null when absent) and reports every problem in it. */
export function parseDeclaration (bytes: Buffer | null, findings: Findings): Declaration {
  if (bytes === null) {
    findings.add('BAG_DECLARATION_MISSING', { path: 'bagit.txt', detail: 'bagit.txt' })
    findings.add('BAG_VERSION_ASSUMED', { path: 'bagit.txt' })
    return { rules: rulesFor(null), encoding: 'utf-8', declaredEncoding: null }
  }
  let body = bytes
  if (body.subarray(0, 3).equals(BOM)) {
    findings.add('BAG_DECLARATION_BOM', { path: 'bagit.txt', detail: 'bagit.txt starts with EF BB BF' })
    body = body.subarray(3)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch {
    findings.add('BAG_DECLARATION_NOT_UTF8', { path: 'bagit.txt' })
    text = new TextDecoder('utf-8').decode(body)
  }
  const lines = text.split(/\r\n|\r|\n/)
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()

  let version: string | null = null
  let declaredEncoding: string | null = null
  const parsed = lines.map((line, i) => ({ line, lineNo: i + 1, m: LENIENT.exec(line) }))
  for (const { line, lineNo, m } of parsed) {
    const label = m?.[1]
    if (m === null || label === undefined) {
      findings.add('BAG_DECLARATION_LINE_MALFORMED', { path: 'bagit.txt', line: lineNo, actual: line, detail: `line ${lineNo}: ${JSON.stringify(line)}` })
    } else if (label === 'BagIt-Version' && version === null) {
      version = m[2] ?? ''
    } else if (label === 'Tag-File-Character-Encoding' && declaredEncoding === null) {
      declaredEncoding = m[2] ?? ''
    }
  }

  if (version === null) findings.add('BAG_DECLARATION_VERSION_MISSING', { path: 'bagit.txt' })
  if (declaredEncoding === null) findings.add('BAG_DECLARATION_ENCODING_MISSING', { path: 'bagit.txt' })

  let knownVersion: string | null = null
  if (version !== null) {
    if (!/^\d+\.\d+$/.test(version)) {
      findings.add('BAG_VERSION_INVALID', { path: 'bagit.txt', actual: version, detail: JSON.stringify(version) })
    } else {
      knownVersion = version
      if (!SUPPORTED_VERSIONS.includes(version)) findings.add('BAG_VERSION_UNSUPPORTED', { path: 'bagit.txt', actual: version, detail: version })
    }
  }
  if (knownVersion === null) findings.add('BAG_VERSION_ASSUMED', { path: 'bagit.txt' })
  const rules = rulesFor(knownVersion)

  // Line order and count: exactly two lines, version first (§2.1.1). Before 1.0 extra lines only warn.
  const first = parsed[0]?.m?.[1]
  const second = parsed[1]?.m?.[1]
  if (first !== undefined && second !== undefined && first === 'Tag-File-Character-Encoding' && second === 'BagIt-Version') {
    findings.add('BAG_DECLARATION_LINE_MALFORMED', { path: 'bagit.txt', line: 1, detail: 'BagIt-Version must be the first line' })
  }
  for (const extra of parsed.slice(2)) {
    findings.add('BAG_DECLARATION_EXTRA_LINE', {
      path: 'bagit.txt', line: extra.lineNo, actual: extra.line, severity: rules.strict ? 'error' : 'warning', detail: `line ${extra.lineNo}: ${JSON.stringify(extra.line)}`
    })
  }
  // BagIt 1.0 is exact: no whitespace before the colon, one space after, none at the end (ABNF §7.1).
  if (rules.strict) {
    for (const { line, lineNo, m } of parsed.slice(0, 2)) {
      if (m === null) continue
      const exact = m[1] === 'BagIt-Version' ? STRICT_VERSION : m[1] === 'Tag-File-Character-Encoding' ? STRICT_ENCODING : null
      if (exact !== null && !exact.test(line)) {
        findings.add('BAG_DECLARATION_LINE_MALFORMED', { path: 'bagit.txt', line: lineNo, actual: line, detail: `line ${lineNo}: ${JSON.stringify(line)} (BagIt 1.0 allows no extra whitespace)` })
      }
    }
  }

  let encoding = 'utf-8'
  if (declaredEncoding !== null) {
    const name = decoderName(declaredEncoding)
    if (name === null) {
      findings.add('BAG_ENCODING_UNSUPPORTED', { path: 'bagit.txt', actual: declaredEncoding, detail: `${declaredEncoding}; tag files were read as UTF-8` })
    } else {
      encoding = name
      if (name !== 'utf-8') findings.add('BAG_ENCODING_NOT_UTF8', { path: 'bagit.txt', actual: declaredEncoding, detail: declaredEncoding })
    }
  }
  return { rules, encoding, declaredEncoding }
}
