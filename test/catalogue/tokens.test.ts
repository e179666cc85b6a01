import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { eachEngine, makeCatalogue, thrown } from './helpers.js'

eachEngine(t, 'a token secret is lantai_ + 32 random bytes, returned once, and never stored in any catalogue file', async (t, target) => {
  const { c, sql } = await makeCatalogue(t, target)
  const { token, secret } = await c.tokens.create({ role: 'archivist', label: 'Li Wei, archive desk', clearance: '秘密' })
  t.match(secret, /^lantai_[A-Za-z0-9_-]{43}$/)
  t.equal(Buffer.from(secret.slice(7), 'base64url').length, 32)
  t.match(token, { id: /^tok_[0-9A-Z]{26}$/, role: 'archivist', clearance: '秘密', label: 'Li Wei, archive desk', lastUsedAt: null, revokedAt: null })
  t.ok(await c.tokens.authenticate(secret))
  if (target.engine === 'sqlite') {
    // the database file, its WAL and shared memory: the secret in none, its hash in the table
    const dir = dirname(target.target)
    const files = readdirSync(dir).filter(f => f.startsWith('catalogue.sqlite'))
    t.ok(files.includes('catalogue.sqlite-wal'), 'the WAL is inspected too')
    const body = Buffer.from(secret.slice(7))
    for (const f of files) t.equal(readFileSync(join(dir, f)).indexOf(body), -1, `${f} does not hold the secret`)
  }
  t.same(await (await sql()).all('SELECT secret_sha256 FROM tokens'), [{ secret_sha256: createHash('sha256').update(secret).digest('hex') }])
  t.notOk(JSON.stringify(await c.tokens.list()).includes(secret.slice(7)))
})

eachEngine(t, 'authenticate rejects unknown, malformed and revoked secrets; revoke is idempotent and leaves one event', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const { token, secret } = await c.tokens.create({ role: 'reader', label: 'r' })
  t.equal(await c.tokens.authenticate(`lantai_${'A'.repeat(43)}`), null, 'unknown')
  t.equal(await c.tokens.authenticate(secret + 'x'), null, 'malformed')
  t.equal(await c.tokens.authenticate(secret.slice(7)), null, 'without its prefix')
  t.equal(await c.tokens.authenticate(''), null)
  clock.advance(1000)
  t.match(await c.tokens.revoke(token.id, 'tok_ADMIN'), { revokedAt: '2024-05-01T00:00:01.000Z' })
  t.equal(await c.tokens.authenticate(secret), null, 'revoked')
  clock.advance(1000)
  t.match(await c.tokens.revoke(token.id), { revokedAt: '2024-05-01T00:00:01.000Z' }, 'the first revocation time stays')
  t.match(await c.events.list({ type: 'token.revoked', objectType: 'token', objectId: token.id, limit: 10, offset: 0 }), { total: 1, items: [{ type: 'token.revoked', agent: 'tok_ADMIN' }] })
  t.match(await thrown(async () => await c.tokens.revoke('tok_NOPE')), { code: 'TOKEN_NOT_FOUND' })
  t.match(await thrown(async () => await c.tokens.create({ role: 'root' as never, label: 'x' })), { code: 'CATALOGUE_ARGUMENT_INVALID' })
})

eachEngine(t, 'lastUsedAt is written at most once a minute', async (t, target) => {
  const { c, clock } = await makeCatalogue(t, target)
  const { token, secret } = await c.tokens.create({ role: 'auditor', label: 'a' })
  const stored = async (): Promise<unknown> => (await c.tokens.get(token.id))?.lastUsedAt
  t.equal((await c.tokens.authenticate(secret))?.lastUsedAt, '2024-05-01T00:00:00.000Z')
  clock.advance(59_000)
  t.equal((await c.tokens.authenticate(secret))?.lastUsedAt, '2024-05-01T00:00:00.000Z')
  t.equal(await stored(), '2024-05-01T00:00:00.000Z')
  clock.advance(2000)
  t.equal((await c.tokens.authenticate(secret))?.lastUsedAt, '2024-05-01T00:01:01.000Z')
  t.equal(await stored(), '2024-05-01T00:01:01.000Z')
})

eachEngine(t, 'count and list cover every token, revoked ones too', async (t, target) => {
  const { c } = await makeCatalogue(t, target)
  t.equal(await c.tokens.count(), 0)
  const a = await c.tokens.create({ role: 'admin', label: 'first admin' })
  const b = await c.tokens.create({ role: 'security-officer', label: 'so' })
  await c.tokens.revoke(b.token.id)
  t.equal(await c.tokens.count(), 2)
  t.same((await c.tokens.list()).map(x => [x.id, x.revokedAt !== null]), [[a.token.id, false], [b.token.id, true]])
})

eachEngine(t, 'two processes starting at once on one catalogue make one first admin token, with one token.created event', async (t, target) => {
  const { c, reopen } = await makeCatalogue(t, target)
  const other = await reopen()
  t.teardown(async () => { await other.close() })
  const audit = { agent: 'system', detail: { role: 'admin', first: true } }
  const made = await Promise.all([c, other, c, other].map(async cat => await cat.tokens.createFirst({ role: 'admin', label: 'first admin' }, audit)))
  t.equal(made.filter(m => m !== null).length, 1, 'one of four concurrent starts made it')
  t.equal(await c.tokens.count(), 1)
  t.match(await c.events.list({ type: 'token.created', limit: 10, offset: 0 }), { total: 1, items: [{ agent: 'system', detail: { role: 'admin', first: true } }] })
  t.equal(await other.tokens.createFirst({ role: 'admin', label: 'again' }, audit), null, 'a later start makes none')
})
