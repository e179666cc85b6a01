import t from 'tap'
import { join } from 'node:path'
import { openCatalogue, type Catalogue } from '../../src/catalogue/index.js'
import { ensureFirstAdmin } from '../../src/service/first-admin.js'
import { issueToken } from '../../src/service/tokens.js'

const created = async (catalogue: Catalogue) => (await catalogue.events.list({ type: 'token.created', limit: 10, offset: 0 })).items

t.test('issuing a token records one token.created event naming its agent, role and label, never its secret', async t => {
  const catalogue = await openCatalogue(join(t.testdir(), 'catalogue.sqlite'))
  t.teardown(() => catalogue.close())
  const { token, secret } = await issueToken(catalogue, { role: 'archivist', label: 'front desk', agent: 'cli' })
  t.equal((await catalogue.tokens.authenticate(secret))?.id, token.id, 'the secret works')
  const events = await created(catalogue)
  t.equal(events.length, 1)
  t.match(events[0], { outcome: 'success', agent: 'cli', objectType: 'token', objectId: token.id, detail: { role: 'archivist', label: 'front desk' } })
  t.notOk(JSON.stringify(events[0]).includes(secret), 'the event does not hold the secret')
})

t.test('the first admin token of a fresh catalogue is issued the same way, by the system, marked first, and only once', async t => {
  const catalogue = await openCatalogue(join(t.testdir(), 'catalogue.sqlite'))
  t.teardown(() => catalogue.close())
  const secret = await ensureFirstAdmin(catalogue)
  t.ok(secret)
  t.equal(await ensureFirstAdmin(catalogue), null, 'a catalogue with a token gets no second first admin')
  const events = await created(catalogue)
  t.equal(events.length, 1)
  t.match(events[0], { agent: 'system', objectType: 'token', detail: { role: 'admin', first: true } })
})
