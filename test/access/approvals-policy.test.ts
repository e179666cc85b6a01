import t from 'tap'
import { join } from 'node:path'
import { DEFAULT_APPROVALS_POLICY, loadApprovalsPolicy, parseApprovalsPolicy } from '../../src/access/index.js'

// storage-policies/approvals.yaml is checked at start: every problem named by file:line:col and key.

t.test('the shipped policy loads: caps on files, map sheets and km² over a day', async t => {
  const policy = await loadApprovalsPolicy(join(import.meta.dirname, '../../storage-policies'))
  t.match(policy.aggregation, { windowHours: 24, caps: { files: 50, mapSheets: 20, areaKm2: 25 } })
  t.equal(policy.requests.ttlHours['delete-package'], 168)
})

t.test('no policy file: the defaults, with no cap', async t => {
  const dir = t.testdir({})
  t.same(await loadApprovalsPolicy(dir), DEFAULT_APPROVALS_POLICY)
  t.same(DEFAULT_APPROVALS_POLICY.aggregation.caps, { files: null, mapSheets: null, areaKm2: null })
})

t.test('every problem is named at once by file:line:col and key', async t => {
  const text = 'requests:\n  ttlHours:\n    delete-package: -1\naggregation:\n  windowHours: 24\n  caps:\n    fles: 3\n    areaKm2: lots\n'
  let problems = ''
  try {
    parseApprovalsPolicy('approvals.yaml', text)
  } catch (err) {
    t.match(err, { code: 'CONFIG_INVALID' })
    problems = ((err as { details: { problems: string[] } }).details.problems).join('\n')
  }
  t.match(problems, /approvals\.yaml:3:21 requests\.ttlHours\.delete-package/)
  t.match(problems, /approvals\.yaml:\d+:\d+ aggregation\.caps.*fles/)
  t.match(problems, /approvals\.yaml:8:14 aggregation\.caps\.areaKm2/)
  t.throws(() => parseApprovalsPolicy('approvals.yaml', 'aggregation: [\n'), { code: 'CONFIG_INVALID', message: /approvals\.yaml:\d+:\d+/ }, 'a YAML syntax error too')
  t.throws(() => parseApprovalsPolicy('approvals.yaml', 'aggregation:\n  windowHours: 100\n  maxScopeHours: 50\n'), { message: /approvals\.yaml:3:18 aggregation\.maxScopeHours: shorter than windowHours/ })
})
