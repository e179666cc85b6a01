import t from 'tap'
import type { Principal, Role } from '../../src/auth/roles.js'
import { mayGrant, mayRevoke, maySetClearance } from '../../src/people/index.js'

// 三员分立 as a table: what each caller may hand out (issue 15 item 3).

const as = (role: Role, clearance: Principal['clearance'] = role === 'security-officer' ? '机密' : '非密'): Principal =>
  ({ tokenId: `tok_${role}`, role, label: role, clearance, accountId: null, via: 'token' })

t.test('who may grant which role at which clearance', async t => {
  const cases: Array<[Principal, Role, Principal['clearance'], string]> = [
    [as('admin'), 'archivist', '非密', 'allowed'],
    [as('admin'), 'reader', '非密', 'allowed'],
    [as('admin'), 'system', '非密', 'allowed'],
    [as('admin'), 'admin', '非密', 'allowed'],
    [as('admin'), 'archivist', '秘密', 'DUTY_FORBIDDEN'],
    [as('admin'), 'auditor', '非密', 'APPROVAL_REQUIRED'],
    [as('admin'), 'security-officer', '机密', 'APPROVAL_REQUIRED'],
    [as('security-officer'), 'auditor', '非密', 'APPROVAL_REQUIRED'],
    [as('security-officer'), 'archivist', '非密', 'DUTY_FORBIDDEN'],
    [as('auditor'), 'auditor', '非密', 'DUTY_FORBIDDEN'],
    [as('auditor'), 'reader', '非密', 'DUTY_FORBIDDEN'],
    [as('archivist', '机密'), 'reader', '非密', 'DUTY_FORBIDDEN'],
    [as('system'), 'system', '非密', 'DUTY_FORBIDDEN'],
    [as('admin', '机密'), 'admin', '秘密', 'DUTY_FORBIDDEN']
  ]
  for (const [who, role, clearance, expected] of cases) {
    const d = mayGrant(who, role, clearance)
    t.equal(d.allowed ? 'allowed' : d.code, expected, `${who.role} (${who.clearance}) grants ${role} at ${clearance}`)
  }
})

t.test('revoking: the admin its own roles only; officer and auditor credentials only by approval', async t => {
  t.ok(mayRevoke(as('admin'), 'archivist').allowed)
  t.match(mayRevoke(as('admin'), 'auditor'), { allowed: false, code: 'APPROVAL_REQUIRED' })
  t.match(mayRevoke(as('admin'), 'security-officer'), { allowed: false, code: 'APPROVAL_REQUIRED' })
  t.match(mayRevoke(as('auditor'), 'archivist'), { allowed: false, code: 'DUTY_FORBIDDEN' })
})

t.test('clearances are the officer\'s, up to their own and the role\'s ceiling', async t => {
  t.ok(maySetClearance(as('security-officer'), 'archivist', '机密').allowed)
  t.match(maySetClearance(as('security-officer', '秘密'), 'archivist', '机密'), { allowed: false, code: 'DUTY_FORBIDDEN' })
  t.match(maySetClearance(as('security-officer'), 'admin', '秘密'), { allowed: false, code: 'DUTY_FORBIDDEN' }, 'the admin reads no classified content')
  t.match(maySetClearance(as('admin'), 'archivist', '非密'), { allowed: false, code: 'DUTY_FORBIDDEN' })
  t.match(maySetClearance(as('security-officer'), 'auditor', '非密'), { allowed: false, code: 'APPROVAL_REQUIRED' })
})
