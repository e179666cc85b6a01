import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { HashPool } from '../../src/hashing/index.js'
import { specCode, validateObject, type OcflReport } from '../../src/ocfl/index.js'
import { LocalBlobStore } from '../../src/storage/index.js'

// Runs Lantai's OCFL validator over the OCFL 1.1 fixtures in place (../shared/conformance/ocfl/1.1).
// The expectation is in each directory's name: good objects valid without warnings; warn objects
// valid with exactly the W codes named; bad objects invalid, ideally with every E code named.

export type OcflCategory = 'good' | 'warn' | 'bad'

export interface OcflOutcome {
  readonly object: string
  readonly category: OcflCategory
  /** The verdict matches the category (and, for warn objects, the warning codes match exactly). */
  readonly ok: boolean
  /** Bad objects: E codes from the name that were among the errors found. */
  readonly expectedCodes: readonly string[]
  readonly missingCodes: readonly string[]
  readonly problems: readonly string[]
  readonly report: OcflReport
}

const codesIn = (name: string, letter: 'E' | 'W'): string[] => [...name.matchAll(new RegExp(`(?:^|_)(${letter}\\d{3})(?=_|$)`, 'g'))].map(m => m[1] as string)
const unique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort()

export async function runOcflConformance (suite: string): Promise<OcflOutcome[]> {
  const outcomes: OcflOutcome[] = []
  const pool = new HashPool({ workers: 2 })
  try {
    for (const category of ['good', 'warn', 'bad'] as const) {
      const dir = join(suite, `${category}-objects`)
      const names = (await readdir(dir, { withFileTypes: true })).filter(d => d.isDirectory()).map(d => d.name).sort()
      for (const name of names) {
        // The store is the category directory, read only; the object root is the fixture's name.
        const report = await validateObject(new LocalBlobStore(dir), name, { pool })
        const errors = unique(report.errors.map(f => specCode(f.code)))
        const warnings = unique(report.warnings.map(f => specCode(f.code)))
        const problems: string[] = []
        let expectedCodes: string[] = []
        let missingCodes: string[] = []
        if (category === 'good') {
          if (!report.valid) problems.push(`expected valid, got errors ${errors.join(' ')}`)
          if (warnings.length > 0) problems.push(`expected no warnings, got ${warnings.join(' ')}`)
        } else if (category === 'warn') {
          const expected = unique(codesIn(name, 'W'))
          if (!report.valid) problems.push(`expected valid, got errors ${errors.join(' ')}`)
          if (expected.join(' ') !== warnings.join(' ')) problems.push(`expected warnings ${expected.join(' ')}, got ${warnings.join(' ') || 'none'}`)
        } else {
          expectedCodes = unique(codesIn(name, 'E'))
          missingCodes = expectedCodes.filter(c => !errors.includes(c))
          if (report.valid) problems.push('expected invalid, got valid')
        }
        outcomes.push({ object: `${category}-objects/${name}`, category, ok: problems.length === 0, expectedCodes, missingCodes, problems, report })
      }
    }
  } finally {
    await pool.close()
  }
  return outcomes
}
