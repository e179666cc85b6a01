import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { validatePackage, type Finding, type PackageReport } from '../../src/bagit/index.js'
import { BAGIT_EXPECTED, type Problem } from './bagit-expected.js'

// Runs the validator over every bag of the BagIt conformance suite in place and compares each verdict
// with EXPECTED.md and each list of problems with BAGIT_EXPECTED (which transcribes EXPECTED.md).

export type Verdict = 'valid' | 'valid+warn' | 'invalid'

export interface BagOutcome {
  readonly bag: string
  readonly verdict: Verdict
  readonly ok: boolean
  readonly problems: readonly string[]
  readonly report: PackageReport
}

/** Verdicts from EXPECTED.md's "Lantai (Linux)" column, keyed by bag path (v0.97/valid/basic-bag). */
export async function readExpectedVerdicts (suite: string): Promise<Map<string, Verdict>> {
  const text = await readFile(join(suite, 'EXPECTED.md'), 'utf8')
  const verdicts = new Map<string, Verdict>()
  for (const line of text.split('\n')) {
    const cells = line.split('|').map(c => c.trim())
    const bag = cells[1]
    const lantai = cells[3]
    if (bag === undefined || lantai === undefined || !/^v\d/.test(bag)) continue
    const v = lantai.replace(/\*/g, '')
    verdicts.set(bag, v.startsWith('invalid') ? 'invalid' : v.startsWith('valid+warn') ? 'valid+warn' : 'valid')
  }
  return verdicts
}

/** Every bag directory of the suite: v*\/<category>/<bag>. */
export async function listSuiteBags (suite: string): Promise<string[]> {
  const bags: string[] = []
  for (const version of (await readdir(suite)).filter(n => /^v\d/.test(n)).sort()) {
    for (const category of (await readdir(join(suite, version))).sort()) {
      const dir = join(suite, version, category)
      if (!(await stat(dir)).isDirectory()) continue
      for (const bag of (await readdir(dir)).sort()) {
        if ((await stat(join(dir, bag))).isDirectory()) bags.push(relative(suite, join(dir, bag)))
      }
    }
  }
  return bags
}

const matches = (p: Problem, f: Finding): boolean =>
  f.code === p.code && (p.path === undefined || f.path === p.path) && (p.source === undefined || f.source === p.source)

/** Pairs each expected problem with one finding; returns what is left on each side. */
function pair (expected: readonly Problem[], found: readonly Finding[]): { missing: Problem[], unexpected: Finding[] } {
  const left = [...found]
  const missing: Problem[] = []
  for (const p of expected) {
    const i = left.findIndex(f => matches(p, f))
    if (i === -1) missing.push(p)
    else left.splice(i, 1)
  }
  return { missing, unexpected: left }
}

const show = (p: Problem | Finding): string => `${p.code}${p.path === undefined ? '' : ` ${p.path}`}${p.source === undefined ? '' : ` (${p.source})`}`

export async function runBagitConformance (suite: string): Promise<{ outcomes: BagOutcome[], orphans: string[] }> {
  const verdicts = await readExpectedVerdicts(suite)
  const bags = await listSuiteBags(suite)
  const outcomes: BagOutcome[] = []
  for (const bag of bags) {
    const verdict = verdicts.get(bag)
    const report = await validatePackage(join(suite, bag))
    const problems: string[] = []
    if (verdict === undefined) {
      problems.push('bag is not in EXPECTED.md')
    } else {
      const expectation = BAGIT_EXPECTED[bag] ?? { errors: [] }
      if ((verdict === 'invalid') === report.valid) problems.push(`verdict: expected ${verdict}, got ${report.valid ? 'valid' : 'invalid'}`)
      if (verdict === 'valid+warn' && report.warnings.length === 0) problems.push('expected at least one warning, got none')
      const errors = pair([...expectation.errors, ...(expectation.extra ?? [])], report.errors)
      for (const p of errors.missing) problems.push(`missing error ${show(p)}`)
      for (const f of errors.unexpected) problems.push(`unexpected error ${show(f)}`)
      for (const p of pair(expectation.warnings ?? [], report.warnings).missing) problems.push(`missing warning ${show(p)}`)
    }
    outcomes.push({ bag, verdict: verdict ?? 'invalid', ok: problems.length === 0, problems, report })
  }
  const orphans = [...verdicts.keys()].filter(b => !bags.includes(b))
  return { outcomes, orphans }
}
