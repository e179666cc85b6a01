// node --import tsx scripts/conformance-ocfl.ts [--verbose] — the OCFL 1.1 fixtures in
// ../shared/conformance/ocfl/1.1, used in place (LANTAI_OCFL_SUITE overrides the path).
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { specCode } from '../src/ocfl/index.js'
import { runOcflConformance } from './conformance/ocfl-suite.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const suite = resolve(repo, process.env.LANTAI_OCFL_SUITE ?? '../shared/conformance/ocfl/1.1')
const verbose = process.argv.includes('--verbose')
const outcomes = await runOcflConformance(suite)
for (const o of outcomes) {
  const found = [...new Set([...o.report.errors, ...o.report.warnings].map(f => specCode(f.code)))].sort().join(' ')
  const codes = o.category === 'bad'
    ? `  expected ${o.expectedCodes.join(' ')}: ${o.missingCodes.length === 0 ? 'all found' : `not found ${o.missingCodes.join(' ')}`}`
    : ''
  console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.object}  ${o.report.valid ? 'valid' : 'invalid'}${found === '' ? '' : `  [${found}]`}${codes}`)
  for (const p of o.problems) console.log(`       ${p}`)
  if (verbose) for (const f of [...o.report.errors, ...o.report.warnings]) console.log(`       ${f.code} ${f.path ?? ''}: ${f.message}`)
}
const passed = outcomes.filter(o => o.ok).length
const bad = outcomes.filter(o => o.category === 'bad')
const exact = bad.filter(o => o.missingCodes.length === 0).length
console.log(`\nOCFL 1.1 conformance (${suite}): ${outcomes.length} objects; bad objects with every named E code found: ${exact}/${bad.length}`)
console.log(`${passed} passed, ${outcomes.length - passed} failed`)
process.exitCode = passed === outcomes.length ? 0 : 1
