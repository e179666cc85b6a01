import t from 'tap'
import { beijingDate, documentNumber, jointAcceptanceDue } from '../../src/acceptance/index.js'

// Numbers and dates as the center writes them: 文号 with the year in 六角括号, Beijing dates, and the
// joint-acceptance limit in working days (Saturdays and Sundays skipped; holidays not modelled).

t.test('a document number has its prefix, the year in 六角括号 and a four-digit sequence', async t => {
  t.equal(documentNumber('rectification-notice', 2026, 1), '整改〔2026〕第0001号')
  t.equal(documentNumber('acceptance-opinion', 2026, 37), '验收〔2026〕第0037号')
  t.equal(documentNumber('application', 2027, 12345), '验申〔2027〕第12345号', 'widens past 9999 rather than wrapping')
})

t.test('the date is Beijing\'s: late evening UTC on 31 December is already the new year', async t => {
  t.equal(beijingDate(new Date('2026-12-31T15:59:59Z')), '2026-12-31')
  t.equal(beijingDate(new Date('2026-12-31T16:00:00Z')), '2027-01-01')
})

t.test('working days skip Saturdays and Sundays; calendar days do not', async t => {
  // Friday 2026-12-04 (Beijing): 12 working days later is Tuesday 2026-12-22.
  t.equal(jointAcceptanceDue(new Date('2026-12-04T02:00:00Z'), { days: 12, calendar: 'working' }), '2026-12-22')
  // Saturday: the first working day counted is Monday.
  t.equal(jointAcceptanceDue(new Date('2026-12-05T02:00:00Z'), { days: 1, calendar: 'working' }), '2026-12-07')
  t.equal(jointAcceptanceDue(new Date('2026-12-04T02:00:00Z'), { days: 12, calendar: 'calendar' }), '2026-12-16')
})
