import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import t from 'tap'
import { decryptStream, encryptStream, loadMasterKey, newTierKey, unwrap, type TierKey } from '../../src/access/keys.js'
import { TierKeyring } from '../../src/access/tier-keys.js'
import { openCatalogue } from '../../src/catalogue/index.js'
import { eachEngine } from '../catalogue/helpers.js'

// Issue 15 item 7: a data key per tier, wrapped under the master key of LANTAI_MASTER_KEY; streams
// sealed in authenticated chunks. docs/keys.md.

const hex = (): string => randomBytes(32).toString('hex')

async function collect (source: Iterable<Buffer> | Buffer, transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { out.push(chunk); done() } })
  await pipeline(Readable.from(Buffer.isBuffer(source) ? [source] : source), transform, sink)
  return Buffer.concat(out)
}

const keyOf = (key: TierKey) => (id: string): TierKey => {
  if (id !== key.id) throw new Error(`unknown key ${id}`)
  return key
}

t.test('the master key is 64 hex digits, given inline or as the path of a file holding them', async t => {
  const value = hex()
  const inline = loadMasterKey(value)
  const file = join(t.testdir(), 'master.key')
  writeFileSync(file, value + '\n')
  t.same(loadMasterKey(file).key, inline.key)
  t.equal(loadMasterKey(file).id, inline.id, 'the same key has the same id')
  t.throws(() => loadMasterKey(undefined), { code: 'KEY_MASTER_MISSING' })
  t.throws(() => loadMasterKey('abc123'), { code: 'KEY_MASTER_INVALID' })
})

t.test('a stream round-trips through encryption in chunks, whatever the write sizes', async t => {
  const master = loadMasterKey(hex())
  const { key } = newTierKey(master, 'tky_1', '机密')
  for (const size of [0, 1, 15, 16, 17, 64, 1000]) {
    const plain = randomBytes(size)
    const pieces = [plain.subarray(0, 3), plain.subarray(3, 40), plain.subarray(40)]
    const sealed = await collect(pieces, encryptStream(key, 16))
    if (size >= 16) t.notOk(sealed.includes(plain.subarray(0, 16)), 'no plaintext run survives')
    t.same(await collect(sealed, decryptStream(keyOf(key))), plain, `${size} bytes`)
  }
})

t.test('a key wrapped under one master key is refused under another', async t => {
  const { wrapped } = newTierKey(loadMasterKey(hex()), 'tky_1', '秘密')
  t.throws(() => unwrap(loadMasterKey(hex()), wrapped), { code: 'KEY_MASTER_MISMATCH' })
  // a wrong key that claims the right id still fails authentication
  const other = { ...loadMasterKey(hex()), id: wrapped.masterKeyId }
  t.throws(() => unwrap(other, wrapped), { code: 'KEY_CIPHERTEXT_INVALID' })
})

t.test('altered, truncated, reordered or wrongly keyed ciphertext is refused', async t => {
  const master = loadMasterKey(hex())
  const { key } = newTierKey(master, 'tky_1', '机密')
  const plain = randomBytes(100)
  const sealed = await collect(plain, encryptStream(key, 32))
  // header, then records of 32 + 16, 32 + 16, 32 + 16 and a last one of 4 + 16 bytes
  const header = sealed.length - (plain.length + 4 * 16)
  t.equal(header, 18 + 'tky_1'.length)
  const flipped = Buffer.from(sealed)
  flipped[header + 40] = (flipped[header + 40] ?? 0) ^ 1
  await t.rejects(collect(flipped, decryptStream(keyOf(key))), { code: 'KEY_CIPHERTEXT_INVALID' }, 'one flipped bit')
  await t.rejects(collect(sealed.subarray(0, header + 48), decryptStream(keyOf(key))), { code: 'KEY_CIPHERTEXT_INVALID' }, 'cut at a record boundary')
  const swapped = Buffer.concat([sealed.subarray(0, header), sealed.subarray(header + 48, header + 96), sealed.subarray(header, header + 48), sealed.subarray(header + 96)])
  await t.rejects(collect(swapped, decryptStream(keyOf(key))), { code: 'KEY_CIPHERTEXT_INVALID' }, 'records swapped')
  const other = { ...newTierKey(master, 'tky_1', '机密').key }
  await t.rejects(collect(sealed, decryptStream(() => other)), { code: 'KEY_CIPHERTEXT_INVALID' }, 'another key under the same id')
})

eachEngine(t, 'the keyring keeps one active key per tier, wrapped, and rotation keeps old data readable', async (t, target) => {
  const catalogue = await openCatalogue(target.target)
  t.teardown(async () => { await catalogue.close() })
  const master = loadMasterKey(hex())
  const ring = new TierKeyring(catalogue.tierKeys, master)
  const first = await ring.forTier('机密')
  t.equal((await ring.forTier('机密')).id, first.id, 'the same key until rotated')
  t.not((await ring.forTier('秘密')).id, first.id, 'a key per tier')
  const stored = await catalogue.tierKeys.get(first.id)
  t.equal(stored?.masterKeyId, master.id)
  t.notOk(stored?.wrapped.includes(first.key.toString('base64')), 'the catalogue holds the key only wrapped')

  const old = await collect(Buffer.from('绝密图纸'), await ring.encryptor('机密'))
  const rotated = await ring.rotate('机密')
  t.not(rotated.id, first.id)
  t.equal((await catalogue.tierKeys.get(first.id))?.state, 'retired')
  t.equal((await collect(old, await ring.decryptor())).toString(), '绝密图纸', 'the retired key still decrypts')

  // master-key rotation: every key re-wrapped; the old master key no longer opens them, the data is untouched
  const next = loadMasterKey(hex())
  t.equal(await ring.rewrapAll(next), 3)
  const after = new TierKeyring(catalogue.tierKeys, next)
  t.equal((await collect(old, await after.decryptor())).toString(), '绝密图纸')
  await t.rejects(new TierKeyring(catalogue.tierKeys, master).byId(first.id), { code: 'KEY_MASTER_MISMATCH' })
  const events = await catalogue.events.list({ limit: 10, offset: 0, objectType: 'system' })
  t.same(events.items.map(e => e.type).filter(x => x.startsWith('tier-key')).sort(), ['tier-key.created', 'tier-key.created', 'tier-key.created', 'tier-key.rewrapped'])
})
