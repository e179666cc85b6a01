import t from 'tap'
import { checkPasswordRules, hashPassword, verifyPassword } from '../../src/people/index.js'

t.test('a password is kept as scrypt with its own salt and parameters, and only the right one matches', async t => {
  const a = await hashPassword('correct horse battery staple')
  const b = await hashPassword('correct horse battery staple')
  t.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/)
  t.not(a, b, 'a salt per hash')
  t.notOk(a.includes('horse'))
  t.ok(await verifyPassword('correct horse battery staple', a))
  t.notOk(await verifyPassword('correct horse battery stapl', a))
  t.notOk(await verifyPassword('correct horse battery staple', 'plain text'), 'a malformed hash matches nothing')
})

t.test('a hash made with other parameters still verifies (they are stored with it)', async t => {
  const { scryptSync } = await import('node:crypto')
  const salt = Buffer.from('0123456789abcdef')
  const old = `scrypt$16384$8$1$${salt.toString('base64')}$${scryptSync('an older password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`
  t.ok(await verifyPassword('an older password', old))
})

t.test('passwords are 12 to 1024 characters', async t => {
  t.throws(() => { checkPasswordRules('short') }, { code: 'PASSWORD_WEAK' })
  t.throws(() => { checkPasswordRules('x'.repeat(1025)) }, { code: 'PASSWORD_WEAK' })
  t.doesNotThrow(() => { checkPasswordRules('十二个汉字组成的一个密码短语') })
})
