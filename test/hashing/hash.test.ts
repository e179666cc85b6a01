import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HashPool } from '../../src/hashing/hash.js'
import { nodeHashName } from '../../src/hashing/algorithms.js'

const KiB = 1024

function expected (bytes: Uint8Array, algorithms: readonly string[]): Record<string, string> {
  return Object.fromEntries(algorithms.map(a => [a, createHash(nodeHashName(a)).update(bytes).digest('hex')]))
}

/** A pool that splits files of 64 KiB or more, so a test exercises the fan-out without big files. */
function pool (t: Test, workers = 2): HashPool {
  const p = new HashPool({ workers, bigFileBytes: 64 * KiB })
  t.teardown(() => p.close())
  return p
}

t.test('a small file is hashed with every requested algorithm', async t => {
  const dir = t.testdir()
  const bytes = randomBytes(5000)
  writeFileSync(join(dir, 'a.bin'), bytes)
  const algs = ['sha256', 'sha512', 'md5']
  t.same(await pool(t).hashFile(join(dir, 'a.bin'), algs), { size: 5000, digests: expected(bytes, algs) })
})

t.test('an empty file has size 0 and the digests of no bytes', async t => {
  const dir = t.testdir({ 'empty.txt': '' })
  const algs = ['sha256', 'sha512']
  t.same(await pool(t).hashFile(join(dir, 'empty.txt'), algs), { size: 0, digests: expected(new Uint8Array(0), algs) })
})

t.test('a file above bigFileBytes is split by algorithm across workers and hashed right', async t => {
  // More than the ring holds (4 × 1 MiB), so slots are refilled, and not a whole number of slots.
  const dir = t.testdir()
  const bytes = randomBytes(5 * 1024 * KiB + 123)
  writeFileSync(join(dir, 'big.bin'), bytes)
  const algs = ['sha256', 'sha512', 'sm3']
  let reported = 0
  const r = await pool(t).hashFile(join(dir, 'big.bin'), algs, { onBytes: n => { reported += n } })
  t.same(r, { size: bytes.length, digests: expected(bytes, algs) })
  t.equal(reported, bytes.length, 'onBytes adds up to the size')
})

t.test('a big file with one algorithm is hashed inside one worker', async t => {
  const dir = t.testdir()
  const bytes = randomBytes(3 * 1024 * KiB + 7)
  writeFileSync(join(dir, 'big.bin'), bytes)
  let reported = 0
  const r = await pool(t).hashFile(join(dir, 'big.bin'), ['sha256'], { onBytes: n => { reported += n } })
  t.same(r, { size: bytes.length, digests: expected(bytes, ['sha256']) })
  t.equal(reported, bytes.length)
})

t.test('digests agree with coreutils sha256sum', async t => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'plan.pdf'), randomBytes(200 * KiB))
  const r = await pool(t).hashFile(join(dir, 'plan.pdf'), ['sha256', 'sha512'])
  const line = execFileSync('sha256sum', ['plan.pdf'], { cwd: dir, encoding: 'utf8' })
  t.equal(r.digests.sha256, line.split(' ')[0])
})

t.test('sm3 gives the GB/T 32905 digest of "abc"', async t => {
  const dir = t.testdir({ 'abc.txt': 'abc' })
  const r = await pool(t).hashFile(join(dir, 'abc.txt'), ['sm3'])
  t.equal(r.digests.sm3, '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0')
})

t.test('hundreds of files submitted at once on two workers all come back right', async t => {
  const dir = t.testdir()
  const algs = ['sha256', 'sha512']
  const files = Array.from({ length: 400 }, (_, i) => {
    // Every 50th file is above bigFileBytes, so fan-outs run among the small tasks.
    const bytes = randomBytes(i % 50 === 0 ? 300 * KiB + i : (i * 37) % (20 * KiB))
    const path = join(dir, `sub${i % 7}`, `f${i}.bin`)
    mkdirSync(join(dir, `sub${i % 7}`), { recursive: true })
    writeFileSync(path, bytes)
    return { path, digests: expected(bytes, algs), size: bytes.length }
  })
  const p = pool(t, 2)
  const results = await Promise.all(files.map(f => p.hashFile(f.path, algs)))
  t.same(results, files.map(f => ({ size: f.size, digests: f.digests })))
})

t.test('createHasher fed 1000 random chunks equals the one-shot hash', async t => {
  const algs = ['sha256', 'sha512', 'sm3']
  const chunks = Array.from({ length: 1000 }, () => randomBytes(Math.floor(Math.random() * 10 * KiB)))
  const h = pool(t).createHasher(algs)
  for (const c of chunks) await h.update(c)
  const all = Buffer.concat(chunks)
  t.same(await h.digest(), { size: all.length, digests: expected(all, algs) })
})

t.test('a hasher whose stream fits one slot, and an empty one, give the right digests', async t => {
  const p = pool(t)
  const small = p.createHasher(['sha256', 'sha512'])
  await small.update(Buffer.from('hello '))
  await small.update(Buffer.from('world'))
  t.same(await small.digest(), { size: 11, digests: expected(Buffer.from('hello world'), ['sha256', 'sha512']) })
  const empty = p.createHasher(['sha256'])
  t.same(await empty.digest(), { size: 0, digests: expected(new Uint8Array(0), ['sha256']) })
})

t.test('a hasher with writeTo writes the bytes to a new file, short streams and fanned-out ones alike', async t => {
  const dir = t.testdir()
  const p = pool(t)
  const algs = ['sha256', 'sha512', 'md5', 'sm3']
  for (const [name, size] of [['small.bin', 5000], ['big.bin', 5 * 1024 * KiB + 123], ['empty.bin', 0]] as const) {
    const bytes = randomBytes(size)
    const h = p.createHasher(algs, { writeTo: join(dir, name) })
    for (let off = 0; off < bytes.length; off += 64 * KiB) await h.update(bytes.subarray(off, off + 64 * KiB))
    t.same(await h.digest(), { size, digests: expected(bytes, algs) }, `${name} digests`)
    t.ok(readFileSync(join(dir, name)).equals(bytes), `${name} written whole`)
    t.equal(statSync(join(dir, name)).mode & 0o777, 0o644, `${name} is 0644`)
  }
})

t.test('writeTo never replaces a file or follows a link: digest() rejects with EEXIST and both are untouched', async t => {
  const dir = t.testdir({ 'taken.bin': 'mine', 'outside.txt': 'keep' })
  symlinkSync(join(dir, 'outside.txt'), join(dir, 'link.bin'))
  const p = pool(t)
  for (const name of ['taken.bin', 'link.bin']) {
    for (const size of [10, 300 * KiB]) { // gathered, and fanned out
      const h = p.createHasher(['sha256', 'sha512'], { writeTo: join(dir, name) })
      const fed = (async () => {
        for (let off = 0; off < size; off += 64 * KiB) await h.update(randomBytes(Math.min(64 * KiB, size - off)))
        return await h.digest()
      })()
      await t.rejects(fed, { code: 'EEXIST' }, `${name}, ${size} bytes`)
    }
  }
  t.equal(readFileSync(join(dir, 'taken.bin'), 'utf8'), 'mine')
  t.equal(readFileSync(join(dir, 'outside.txt'), 'utf8'), 'keep')
})

t.test('aborting a hasher with writeTo settles once its partial file is gone', async t => {
  const dir = t.testdir()
  const h = pool(t).createHasher(['sha256', 'sha512'], { writeTo: join(dir, 'partial.bin') })
  for (let i = 0; i < 8; i++) await h.update(randomBytes(64 * KiB)) // past bigFileBytes: fanned out, written as it goes
  await h.abort(new Error('the archive broke off'))
  t.same(readdirSync(dir), [], 'nothing half-written is left')
  await t.rejects(h.digest(), /archive broke off|already/)
})

t.test('a hasher told its size fills the shared arena and gives the same digests and file', async t => {
  const dir = t.testdir()
  // An arena of 64 KiB takes streams up to 4 KiB, so 300 of them wrap it round many times.
  const p = new HashPool({ workers: 2, arenaBytes: 64 * KiB })
  t.teardown(() => p.close())
  const algs = ['sha512', 'sha256', 'md5', 'sm3']
  const files = Array.from({ length: 300 }, (_, i) => randomBytes(1 + (i * 131) % (4 * KiB)))
  // Started one after another, as the unpacker does, without waiting for each digest.
  const results: Array<Promise<unknown>> = []
  for (const [i, bytes] of files.entries()) {
    const h = p.createHasher(algs, { writeTo: join(dir, `f${i}.bin`), size: bytes.length })
    for (let off = 0; off < bytes.length; off += 1000) await h.update(bytes.subarray(off, off + 1000))
    results.push(h.digest())
  }
  t.same(await Promise.all(results), files.map(bytes => ({ size: bytes.length, digests: expected(bytes, algs) })))
  t.ok(files.every((bytes, i) => readFileSync(join(dir, `f${i}.bin`)).equals(bytes)), 'every file written whole')
})

t.test('a sized hasher refuses bytes past its size, and a digest short of it, and keeps no room in the arena', async t => {
  const p = new HashPool({ workers: 1, arenaBytes: 64 * KiB })
  t.teardown(() => p.close())
  // 20 of each, 4 KiB each: more than the arena holds, so one region kept would stall the next hasher.
  for (let i = 0; i < 20; i++) {
    const over = p.createHasher(['sha256'], { size: 4 * KiB })
    await t.rejects(async () => { await over.update(randomBytes(4 * KiB + 1)) }, RangeError)
    await t.rejects(async () => { await over.update(Buffer.from('x')) }, RangeError, 'and stays failed')
    const under = p.createHasher(['sha256'], { size: 4 * KiB })
    await under.update(randomBytes(KiB))
    await t.rejects(under.digest(), RangeError)
  }
  const next = p.createHasher(['sha256'], { size: 4 })
  await next.update(Buffer.from('abcd'))
  t.same((await next.digest()).digests, expected(Buffer.from('abcd'), ['sha256']))
})

t.test('an aborted sized hasher gives its region back and writes nothing', async t => {
  const dir = t.testdir()
  const p = new HashPool({ workers: 1, arenaBytes: 64 * KiB })
  t.teardown(() => p.close())
  for (let i = 0; i < 40; i++) { // 40 × 4 KiB: more than the arena, so a region kept would block
    const h = p.createHasher(['sha256'], { writeTo: join(dir, `x${i}`), size: 4 * KiB })
    await h.update(randomBytes(2 * KiB))
    await h.abort(new Error('the archive broke off'))
    await t.rejects(h.digest(), /archive broke off|already/)
  }
  t.same(readdirSync(dir), [])
})

t.test('a chunk may be reused once update() resolves', async t => {
  const h = pool(t).createHasher(['sha256', 'sha512'])
  const chunk = Buffer.alloc(700 * KiB)
  const parts: Buffer[] = []
  for (let i = 0; i < 12; i++) {
    chunk.fill(i)
    parts.push(Buffer.from(chunk))
    await h.update(chunk)
  }
  const all = Buffer.concat(parts)
  t.same((await h.digest()).digests, expected(all, ['sha256', 'sha512']))
})

t.test('a hasher makes progress while the pool is busy with many files', async t => {
  const dir = t.testdir()
  const p = pool(t, 2)
  const paths = Array.from({ length: 200 }, (_, i) => {
    const path = join(dir, `f${i}`)
    writeFileSync(path, randomBytes(100 * KiB))
    return path
  })
  const files = Promise.all(paths.map(f => p.hashFile(f, ['sha256', 'sha512'])))
  const h = p.createHasher(['sha256', 'sha512'])
  const stream = randomBytes(6 * 1024 * KiB)
  for (let off = 0; off < stream.length; off += 64 * KiB) await h.update(stream.subarray(off, off + 64 * KiB))
  t.same((await h.digest()).digests, expected(stream, ['sha256', 'sha512']))
  t.equal((await files).length, 200)
})

t.test('a missing file rejects with ENOENT and a directory with EISDIR', async t => {
  const dir = t.testdir({ sub: {} })
  const p = pool(t)
  await t.rejects(p.hashFile(join(dir, 'nope.bin'), ['sha256', 'sha512']), { code: 'ENOENT' })
  await t.rejects(p.hashFile(join(dir, 'sub'), ['sha256', 'sha512']), { code: 'EISDIR' })
})

t.test('a symlink is refused with ELOOP, even one pointing inside the bag', async t => {
  const dir = t.testdir({ 'real.txt': 'payload' })
  symlinkSync(join(dir, 'real.txt'), join(dir, 'link.txt'))
  await t.rejects(pool(t).hashFile(join(dir, 'link.txt'), ['sha256']), { code: 'ELOOP' })
})

t.test('a FIFO is refused instead of blocking a worker', async t => {
  const dir = t.testdir()
  execFileSync('mkfifo', [join(dir, 'pipe')])
  await t.rejects(pool(t).hashFile(join(dir, 'pipe'), ['sha256']), { code: 'EFTYPE' })
})

t.test('an unknown algorithm is a RangeError before any work starts', async t => {
  const p = pool(t)
  await t.rejects(p.hashFile('/nonexistent', ['sha256', 'crc32']), RangeError)
  await t.rejects(p.hashFile('/nonexistent', []), RangeError)
  t.throws(() => p.createHasher(['SHA-256']), RangeError)
})

t.test('aborting the signal rejects the work with an AbortError and the pool carries on', async t => {
  const dir = t.testdir()
  const bytes = randomBytes(8 * 1024 * KiB)
  writeFileSync(join(dir, 'big.bin'), bytes)
  writeFileSync(join(dir, 'small.bin'), bytes.subarray(0, 1000))
  const p = pool(t)

  // 1. A signal already aborted rejects at once.
  await t.rejects(p.hashFile(join(dir, 'small.bin'), ['sha256'], { signal: AbortSignal.abort() }), { name: 'AbortError', code: 'ABORTED' })

  // 2. Aborting mid-file stops a fan-out (two algorithms) and a single-worker read (one algorithm).
  for (const algs of [['sha256', 'sha512'], ['sha512']]) {
    const ac = new AbortController()
    const work = p.hashFile(join(dir, 'big.bin'), algs, { signal: ac.signal, onBytes: () => { ac.abort() } })
    await t.rejects(work, { name: 'AbortError' }, algs.join('+'))
  }

  // 3. Queued work sharing the signal is rejected too.
  const ac = new AbortController()
  const many = Array.from({ length: 50 }, () => p.hashFile(join(dir, 'small.bin'), ['sha256'], { signal: ac.signal }))
  ac.abort()
  for (const r of await Promise.allSettled(many)) t.equal(r.status, 'rejected')

  // 4. Nothing was left stuck.
  t.same(await p.hashFile(join(dir, 'big.bin'), ['sha256', 'sha512']), { size: bytes.length, digests: expected(bytes, ['sha256', 'sha512']) })
})

t.test('close() rejects pending work, then every later call; calling it twice is fine', async t => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'a.bin'), randomBytes(200 * KiB))
  const p = new HashPool({ workers: 2, bigFileBytes: 64 * KiB })
  const pending = Array.from({ length: 100 }, () => p.hashFile(join(dir, 'a.bin'), ['sha256', 'sha512']))
  const settled = Promise.allSettled(pending)
  const hasher = p.createHasher(['sha256', 'sha512'])
  await Promise.all([p.close(), p.close()])
  // close() ran before any reply could arrive, so every task was still pending.
  for (const r of await settled) t.match(r, { status: 'rejected', reason: { name: 'AbortError' } })
  await t.rejects(hasher.digest(), { name: 'AbortError' })
  await t.rejects(p.hashFile(join(dir, 'a.bin'), ['sha256']), { name: 'AbortError' })
  t.throws(() => p.createHasher(['sha256']), { name: 'AbortError' })
})

t.test('a process with an idle pool exits without close()', async t => {
  const dir = t.testdir({ 'a.txt': 'abc' })
  const script = `import { HashPool } from ${JSON.stringify(new URL('../../src/hashing/hash.ts', import.meta.url).href)}
const r = await new HashPool({ workers: 2 }).hashFile(${JSON.stringify(join(dir, 'a.txt'))}, ['sha256', 'sha512'])
process.stdout.write(r.digests.sha256)`
  const out = execFileSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })
  t.equal(out, expected(Buffer.from('abc'), ['sha256']).sha256)
})

t.test('a process started with a heap size or --expose-gc still gets its workers (those flags are the process\'s, not theirs)', async t => {
  const file = join(t.testdir({ 'a.txt': 'abc' }), 'a.txt')
  const hashUrl = new URL('../../src/hashing/hash.ts', import.meta.url).href
  const script = `const { HashPool } = await import(${JSON.stringify(hashUrl)}); const p = new HashPool({ workers: 2 });
    const r = await p.hashFile(${JSON.stringify(file)}, ['sha256', 'md5']); await p.close(); console.log(r.digests.sha256)`
  const out = execFileSync(process.execPath, ['--max-old-space-size=128', '--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
  t.equal(out.trim(), createHash('sha256').update('abc').digest('hex'))
})

t.test('asked for, a hashed file reports its link count from the open file, small or split', async t => {
  const dir = t.testdir()
  writeFileSync(join(dir, 'small.bin'), randomBytes(1000))
  writeFileSync(join(dir, 'big.bin'), randomBytes(256 * KiB))
  linkSync(join(dir, 'big.bin'), join(dir, 'big-link.bin'))
  const p = pool(t)
  t.equal((await p.hashFile(join(dir, 'small.bin'), ['sha256'], { links: true })).links, 1)
  t.equal((await p.hashFile(join(dir, 'big.bin'), ['sha256', 'sha512'], { links: true })).links, 2, 'read by main into the fan-out')
  t.notOk('links' in await p.hashFile(join(dir, 'small.bin'), ['sha256']), 'not asked, not given')
})
