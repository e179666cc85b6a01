import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openCatalogue } from '../../src/catalogue/index.js'
import { verifyPassword } from '../../src/people/index.js'
import { scratch } from '../fixtures/bags.js'
import { join } from 'node:path'

// `lantai accounts`: the operator's side of people (issue 15 item 3). Passwords come on stdin, never argv.

const BIN = fileURLToPath(new URL('../../bin/lantai.js', import.meta.url))
const run = (args: string[], dataDir: string, input = ''): { code: number | null, stdout: string, stderr: string } => {
  const r = spawnSync(process.execPath, [BIN, 'accounts', ...args], { encoding: 'utf8', input, env: { ...process.env, LANTAI_DATA: dataDir }, timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test('the operator makes the first security officer from stdin; a second needs an approved request', async t => {
  const dataDir = scratch(t)
  const made = run(['create', '--login', 'officer.wang', '--name', 'Wang', '--role', 'security-officer'], dataDir, 'a long enough password\n')
  t.equal(made.code, 0, made.stderr)
  t.match(made.stdout, /^acc_\w+\tofficer\.wang\tsecurity-officer\t机密\tactive\t-\tWang\n$/)
  const second = run(['create', '--login', 'officer.chen', '--name', 'Chen', '--role', 'security-officer'], dataDir, 'a long enough password\n')
  t.equal(second.code, 2)
  t.match(second.stderr, /APPROVAL_REQUIRED/)
  const weak = run(['create', '--login', 'li', '--name', 'Li', '--role', 'archivist'], dataDir, 'short\n')
  t.equal(weak.code, 2)
  t.match(weak.stderr, /PASSWORD_WEAK/)
  t.equal(run(['create', '--login', 'li', '--name', 'Li', '--role', 'system'], dataDir, 'a long enough password\n').code, 2, 'system is for tokens only')
  t.equal(run(['create', '--login', 'li', '--name', 'Li', '--role', 'archivist'], dataDir, 'a long enough password\n').code, 0)
  const listed = run(['list'], dataDir)
  t.equal(listed.stdout.trim().split('\n').length, 2)
  t.notOk(listed.stdout.includes('scrypt'), 'no hash is shown')
})

t.test('lock, unlock and passwd act on the account by login, each an event by the cli', async t => {
  const dataDir = scratch(t)
  t.equal(run(['create', '--login', 'li', '--name', 'Li', '--role', 'archivist'], dataDir, 'a long enough password\n').code, 0)
  const locked = run(['lock', 'li', '--minutes', '30'], dataDir)
  t.equal(locked.code, 0, locked.stderr)
  t.match(locked.stdout, /\tli\tarchivist\t非密\tactive\t\d{4}-\d\d-\d\dT/)
  t.match(run(['unlock', 'li'], dataDir).stdout, /\tactive\t-\tLi\n$/)
  const changed = run(['passwd', 'li'], dataDir, 'another long password\n')
  t.equal(changed.code, 0, changed.stderr)
  t.equal(run(['unlock', 'nobody'], dataDir).code, 2)
  const catalogue = await openCatalogue(join(dataDir, 'catalogue.sqlite'))
  t.teardown(() => catalogue.close())
  const found = await catalogue.accounts.credentialsOf('li')
  t.ok(await verifyPassword('another long password', found?.passwordHash ?? ''))
  const events = (await catalogue.events.list({ objectId: found?.account.id ?? '', limit: 10, offset: 0 })).items
  t.same(events.map(e => [e.type, e.agent]), [['account.created', 'cli'], ['account.locked', 'cli'], ['account.unlocked', 'cli'], ['account.password-changed', 'cli']])
})

t.test('lantai token create gives a token its role\'s clearance unless told otherwise', async t => {
  const dataDir = scratch(t)
  const token = (args: string[]): number | null => spawnSync(process.execPath, [BIN, 'token', 'create', ...args], { encoding: 'utf8', env: { ...process.env, LANTAI_DATA: dataDir }, timeout: 120_000 }).status
  t.equal(token(['--role', 'security-officer', '--label', 'officer']), 0)
  t.equal(token(['--role', 'archivist', '--label', 'archivist']), 0)
  t.equal(token(['--role', 'archivist', '--label', 'secret archivist', '--clearance', '秘密']), 0)
  t.equal(token(['--role', 'archivist', '--label', 'x', '--clearance', '绝密']), 2, '绝密 is no tier of this repository')
  const catalogue = await openCatalogue(join(dataDir, 'catalogue.sqlite'))
  t.teardown(() => catalogue.close())
  t.same((await catalogue.tokens.list()).map(k => [k.label, k.clearance]), [['officer', '机密'], ['archivist', '非密'], ['secret archivist', '秘密']])
})
