import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkOverdueSchedule } from '../../src/commitments/index.js'
import { scratch } from '../fixtures/bags.js'
import { SHIPPED_POLICIES } from '../fixtures/policies.js'
import { buildTestApp } from '../fixtures/service.js'

// The daily overdue job's schedule comes from acceptance.yaml; a typo stops the start naming the key,
// before anything is opened, rather than a job that silently never runs.

t.test('a cron expression or "off" is taken; anything else is CONFIG_INVALID naming the key', async t => {
  t.doesNotThrow(() => { checkOverdueSchedule('30 0 * * *') })
  t.doesNotThrow(() => { checkOverdueSchedule('off') })
  t.throws(() => { checkOverdueSchedule('61 0 * * *') }, { code: 'CONFIG_INVALID', message: /timeLimits\.commitment\.overdueSchedule: not a cron expression: 61 0 \* \* \*/ })
})

t.test('the service does not start with a bad overdue schedule in the policy', async t => {
  const policies = scratch(t)
  const text = readFileSync(join(SHIPPED_POLICIES, 'acceptance.yaml'), 'utf8').replace("overdueSchedule: '30 0 * * *'", "overdueSchedule: 'daily at one'")
  writeFileSync(join(policies, 'acceptance.yaml'), text)
  await t.rejects(buildTestApp(t, { LANTAI_POLICIES: policies }), { code: 'CONFIG_INVALID', message: /overdueSchedule/ })
})
