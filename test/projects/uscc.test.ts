import t from 'tap'
import { isUscc, usccCheckCharacter, usccProblem, USCC_ALPHABET } from '../../src/projects/index.js'
import { checkUscc } from '../../src/projects/index.js'

// GB 32100-2015: 18 characters, check character over the first 17 with weights 3^i mod 31.

t.test('a published code and codes made with the check character pass', async t => {
  t.ok(isUscc('91350100M000100Y43'), 'the example code printed in the standard\'s explanations')
  for (const first17 of ['91330100MA27XK1A0', '12330000002501791', '91110000100012345']) {
    t.ok(isUscc(first17 + usccCheckCharacter(first17)), first17)
  }
})

t.test('every wrong character in the check position is refused as check-digit', async t => {
  const good = '91350100M000100Y43'
  for (const c of USCC_ALPHABET) if (c !== '3') t.equal(usccProblem(good.slice(0, 17) + c), 'check-digit', c)
})

t.test('a changed character elsewhere is caught by the check character', async t => {
  t.equal(usccProblem('91350100M000100Y53'), 'check-digit')
  t.equal(usccProblem('91350100M000010Y43'), 'check-digit', 'two characters swapped')
})

t.test('length, alphabet and division are named apart', async t => {
  t.equal(usccProblem('91350100M000100Y4'), 'length')
  t.equal(usccProblem(''), 'length')
  t.equal(usccProblem('91350100M000100I43'), 'character', 'I is not in the alphabet (read as 1)')
  t.equal(usccProblem('91350100m000100y43'), 'character', 'printed in capitals')
  t.equal(usccProblem('913501A0M000100Y43'), 'division', 'positions 3-8 are the six-digit division')
})

t.test('checkUscc throws UNIT_USCC_INVALID naming the code and the problem in both languages', async t => {
  t.doesNotThrow(() => { checkUscc('91350100M000100Y43') })
  t.throws(() => { checkUscc('91350100M000100Y44', 'units/0/uscc') }, { code: 'UNIT_USCC_INVALID', details: { uscc: '91350100M000100Y44', problem: 'check-digit', field: 'units/0/uscc', detailZh: /校验码/ } })
})
