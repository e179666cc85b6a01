import t from 'tap'
import type { CreditRecord, CreditStanding } from '../../src/catalogue/index.js'
import { creditCsv, evaluateUnit } from '../../src/credit/index.js'

// A unit's evaluation and the CSV export, as docs/credit.md states them.

const USCC = '91330100MA27XK1A0X'
const record = (id: string, standing: CreditStanding, occurredOn: string): CreditRecord => ({
  id, type: 'commitment-overdue', standing, unit: { uscc: USCC, name: '杭州城投置业有限公司', role: 'builder' }, persons: [{ name: '王建国', title: '项目负责人' }],
  projectCode: '2026-330106-47-01-000714', commitmentId: 'cmt_1', occurredOn, recordedAt: `${occurredOn}T01:00:00.000Z`, recordedBy: 'system', evidence: null, history: []
})

t.test('a unit without records is A at 100', async t => {
  t.match(evaluateUnit(USCC, [], '2026-06-01'), { score: 100, grade: 'A', counted: [] })
})

t.test('each standing record of the last three years takes 20 off; revoked and older ones do not count', async t => {
  const records = [
    record('crd_4', 'revoked', '2026-05-01'),
    record('crd_3', 'appealed', '2026-04-01'),
    record('crd_2', 'upheld', '2025-01-01'),
    record('crd_1', 'in_force', '2022-01-01')
  ]
  t.match(evaluateUnit(USCC, records, '2026-06-01'), { score: 60, grade: 'C', counted: ['crd_3', 'crd_2'], standings: { revoked: 1, appealed: 1, upheld: 1, in_force: 1 } })
  t.match(evaluateUnit(USCC, [record('a', 'in_force', '2026-01-01'), record('b', 'in_force', '2026-01-02'), record('c', 'corrected', '2026-01-03'), record('d', 'in_force', '2026-01-04')], '2026-06-01'), { score: 20, grade: 'D' })
})

t.test('the CSV export is RFC 4180 with a BOM, one row a record, quoting what needs it', async t => {
  const csv = creditCsv([{ ...record('crd_1', 'in_force', '2026-04-01'), unit: { uscc: USCC, name: 'A, "B" 公司', role: 'builder' } }])
  t.ok(csv.startsWith('\ufeffid,type,standing,unit_uscc,unit_name'))
  t.equal(csv.split('\r\n').length, 3)
  t.match(csv, `crd_1,commitment-overdue,in_force,${USCC},"A, ""B"" 公司",builder,王建国(项目负责人),`)
})
