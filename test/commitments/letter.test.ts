import t from 'tap'
import { addMonths, checkLetter, isDate } from '../../src/commitments/index.js'

// The commitment letter's rules (notice (七)): four statements affirmed, a signatory, items owed, and
// nothing due later than the policy's months after the start event.

const STATEMENTS = { complete: true, matchesWorks: true, scansMatchPaper: true, transferOnTime: true }
const RULE = { maxMonths: 3, startEvent: 'opinion-date' }
const letter = (items: Array<{ code: string, dueDate: string }>, extra = {}) => ({ statements: STATEMENTS, signatory: '王建国', items: items.map(i => ({ ...i, description: i.code })), ...extra })

t.test('three months later is the same day, or the last day of a shorter month', async t => {
  t.equal(addMonths('2026-03-15', 3), '2026-06-15')
  t.equal(addMonths('2026-11-30', 3), '2027-02-28')
  t.equal(addMonths('2027-11-30', 3), '2028-02-29', 'a leap year')
  t.equal(addMonths('2026-12-31', 1), '2027-01-31')
  t.ok(isDate('2028-02-29'))
  t.notOk(isDate('2027-02-29'))
})

t.test('an item due on the last allowed day is taken; one a day later is COMMITMENT_DUE_TOO_LATE naming it and the limit', async t => {
  t.same(checkLetter(letter([{ code: 'D-1', dueDate: '2026-06-15' }]), RULE, '2026-03-15'), { startDate: '2026-03-15', latest: '2026-06-15' })
  t.throws(() => checkLetter(letter([{ code: 'D-1', dueDate: '2026-04-01' }, { code: 'E1-14', dueDate: '2026-06-16' }]), RULE, '2026-03-15'), {
    code: 'COMMITMENT_DUE_TOO_LATE', message: /E1-14 due 2026-06-16; the latest allowed is 2026-06-15 \(3 months after opinion-date 2026-03-15\)/, details: { latest: '2026-06-15', items: [{ code: 'E1-14' }] }
  })
})

t.test('a center may ask for less than three months', async t => {
  t.throws(() => checkLetter(letter([{ code: 'D-1', dueDate: '2026-05-01' }]), { ...RULE, maxMonths: 1 }, '2026-03-15'), { code: 'COMMITMENT_DUE_TOO_LATE' })
})

t.test('every problem of an incomplete letter is named at once', async t => {
  const bad = { statements: { ...STATEMENTS, scansMatchPaper: false }, signatory: ' ', items: [{ code: 'D-1', description: 'x', dueDate: '2026-03-01' }, { code: 'D-1', description: 'y', dueDate: '2026-02-30' }] }
  t.throws(() => checkLetter(bad, RULE, '2026-03-15'), {
    code: 'COMMITMENT_INVALID',
    details: { problems: ['statement scansMatchPaper is not affirmed', 'no signatory', 'item D-1 is listed twice', 'item D-1: due 2026-03-01, before the start 2026-03-15', 'item D-1: dueDate 2026-02-30 is not a date'] }
  })
  t.throws(() => checkLetter(letter([]), RULE, '2026-03-15'), { code: 'COMMITMENT_INVALID', message: /no item owed/ })
})

t.test('counting from completion acceptance or transfer needs that date; the opinion date is then not used', async t => {
  const rule = { maxMonths: 3, startEvent: 'completion-acceptance' }
  t.throws(() => checkLetter(letter([{ code: 'D-1', dueDate: '2026-05-01' }]), rule, '2026-03-15'), { code: 'COMMITMENT_INVALID', message: /give startsOn/ })
  t.same(checkLetter(letter([{ code: 'D-1', dueDate: '2026-05-01' }], { startsOn: '2026-02-10' }), rule, '2026-03-15'), { startDate: '2026-02-10', latest: '2026-05-10' })
})
