import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_DRILL_POLICY, loadDrillPolicy } from '../../src/drills/policy.js'

// storage-policies/drills.yaml: drills run by themselves only when the center turns them on.

t.test('the shipped drill policy is off, and a missing file means off', async t => {
  t.same(await loadDrillPolicy(join(import.meta.dirname, '../../storage-policies')), { schedule: 'off', sample: 3 })
  t.same(await loadDrillPolicy(t.testdir()), DEFAULT_DRILL_POLICY)
})

t.test('a daily schedule is taken; a bad one is named', async t => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'drills.yaml'), "schedule: '30 2 * * *'\nsample: 5\ntarget: nas-1\n")
  t.same(await loadDrillPolicy(dir), { schedule: '30 2 * * *', sample: 5, target: 'nas-1' })
  writeFileSync(join(dir, 'drills.yaml'), "schedule: 'daily'\nsample: 0\n")
  await t.rejects(loadDrillPolicy(dir), { code: 'CONFIG_INVALID', message: /\/schedule: daily is not a cron expression/ })
  await t.rejects(loadDrillPolicy(dir), { message: /\/sample/ })
})
