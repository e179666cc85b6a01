// npm run conformance:bagit — the BagIt conformance suite in ../shared/conformance/bagit, used in place.
import { resolve } from 'node:path'
import { runBagitConformance } from './conformance/bagit-suite.js'

const suite = resolve(process.env.LANTAI_BAGIT_SUITE ?? '../shared/conformance/bagit')
const verbose = process.argv.includes('--verbose')
const { outcomes, orphans } = await runBagitConformance(suite)
for (const o of outcomes) {
  const codes = [...new Set(o.report.findings.map(f => f.code))].join(' ')
  console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.bag}  ${o.verdict}${codes === '' ? '' : `  [${codes}]`}`)
  for (const p of o.problems) console.log(`       ${p}`)
  if (verbose) for (const f of o.report.findings) console.log(`       ${f.severity} ${f.code} ${f.path ?? ''} ${f.source ?? ''}: ${f.message}`)
}
for (const b of orphans) console.log(`FAIL ${b}  listed in EXPECTED.md but not found in the suite`)
const passed = outcomes.filter(o => o.ok).length
const failed = outcomes.length - passed + orphans.length
console.log(`\nBagIt conformance (${suite}): ${outcomes.length} bags`)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
