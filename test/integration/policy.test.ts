import t from 'tap'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { loadIntegrationPolicy, parseIntegrationPolicy, DEFAULT_INTEGRATION_POLICY } from '../../src/integration/index.js'

// storage-policies/integration.yaml is checked at start; every problem is named by file, line and key.

const secrets: Record<string, string> = { LANTAI_SECRET_APPROVAL: 'x'.repeat(32) }
const secretOf = (name: string): string | undefined => secrets[name]

t.test('the shipped file loads: no subscribers until the center adds its partners, default delivery settings', async t => {
  const policy = await loadIntegrationPolicy(join(import.meta.dirname, '../../storage-policies'), secretOf)
  t.same(policy, DEFAULT_INTEGRATION_POLICY)
  t.match(policy.delivery, { timeoutMs: 10_000, maxAttempts: 8, backoffBaseMs: 10_000, backoffMaxMs: 3_600_000 })
})

t.test('no file: no subscribers', async t => {
  t.same(await loadIntegrationPolicy(t.testdir({}), secretOf), DEFAULT_INTEGRATION_POLICY)
})

t.test('a subscriber is read with its defaults: hmac-sha256, active', async t => {
  const policy = parseIntegrationPolicy('integration.yaml', `
subscribers:
  - name: approval
    url: https://approval.example.gov.cn/lantai/hooks
    events: [acceptance.*, project.registered]
    secretEnv: LANTAI_SECRET_APPROVAL
delivery:
  maxAttempts: 5
`, secretOf)
  t.same(policy.subscribers, [{ name: 'approval', url: 'https://approval.example.gov.cn/lantai/hooks', events: ['acceptance.*', 'project.registered'], secretEnv: 'LANTAI_SECRET_APPROVAL', algorithm: 'hmac-sha256', active: true }])
  t.equal(policy.delivery.maxAttempts, 5)
})

t.test('every problem is named at once, with file, line and key', async t => {
  const dir = t.testdir({
    'integration.yaml': `subscribers:
  - name: approval
    url: ftp://approval.example/hooks
    evnts: [acceptance.*]
    secretEnv: LANTAI_SECRET_APPROVAL
  - name: enforcement
    url: https://enforcement.example/hooks
    events: [commitment.overdue]
    secretEnv: LANTAI_SECRET_ENFORCEMENT
    algorithm: hmac-md5
delivery:
  timeoutMs: 0
`
  })
  const err = await loadIntegrationPolicy(dir, secretOf).then(() => null, (e: unknown) => e) as { code: string, details: { problems: string[] } }
  t.equal(err.code, 'CONFIG_INVALID')
  const file = join(dir, 'integration.yaml')
  const problems = err.details.problems.join('\n')
  t.match(problems, `${file}:4 subscribers.0.evnts: Unexpected property`, 'the typo, on its line')
  t.match(problems, `${file}:3 subscribers.0.url:`)
  t.match(problems, `${file}:10 subscribers.1.algorithm:`)
  t.match(problems, `${file}:12 delivery.timeoutMs:`)
})

t.test('an active subscriber whose secret variable is unset or short, a bad URL and a duplicate name are refused', async t => {
  const text = `subscribers:
  - name: approval
    url: https://user:pw@approval.example/hooks
    events: ['*']
    secretEnv: LANTAI_SECRET_APPROVAL
  - name: approval
    url: https://approval.example/v2
    events: ['*']
    secretEnv: LANTAI_SECRET_MISSING
  - name: dormant
    url: https://dormant.example/hooks
    events: ['*']
    secretEnv: LANTAI_SECRET_MISSING
    active: false
`
  const problems = (() => { try { parseIntegrationPolicy('integration.yaml', text, secretOf); return [] } catch (e) { return (e as { details: { problems: string[] } }).details.problems } })()
  t.same(problems, [
    'integration.yaml:3 subscribers.0.url: credentials do not belong in the URL; the signature authenticates',
    'integration.yaml:6 subscribers.1.name: approval is declared twice',
    'integration.yaml:9 subscribers.1.secretEnv: LANTAI_SECRET_MISSING is not set'
  ], 'an inactive subscriber needs no secret yet')
})

t.test('broken YAML is named with its line', async t => {
  const dir = t.testdir({})
  writeFileSync(join(dir, 'integration.yaml'), 'subscribers:\n  - name: [unclosed\n')
  await t.rejects(loadIntegrationPolicy(dir, secretOf), { code: 'CONFIG_INVALID', message: /integration\.yaml:\d/ })
})
