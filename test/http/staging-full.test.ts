import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, statfsSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { makeBag } from '../fixtures/bags.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'

// A full staging disk: the upload fails with 507 STAGING_FAILED, nothing is kept, and the service goes
// on accepting packages that fit. Staging is made really full: a 2 MiB tmpfs mounted over the data
// directory's staging/ (we run as root in the test container). Where mounting is not permitted, the
// same disk is emulated instead (mock only what cannot run here): FileHandle writes fail with ENOSPC
// once 2 MiB have been written, which is what the staging writer sees from a full filesystem.

const CAPACITY = 2 * 1024 * 1024
const PROJECT = '2026-310104-47-01-000507'

/**
 * Returns `mount(dir)`: a CAPACITY tmpfs on `dir`, or false when this machine does not allow it. Call it
 * before the test makes any testdir: tap removes testdirs before it runs teardowns registered after
 * them, and a mounted directory cannot be removed. Teardowns run last-registered first, so this
 * unmount comes after the service's close.
 */
function smallDisk (t: Test): (dir: string) => boolean {
  let mounted: string | null = null
  t.teardown(() => {
    if (mounted === null) return
    try {
      execFileSync('umount', [mounted], { stdio: 'pipe' })
    } catch {
      execFileSync('umount', ['-l', mounted], { stdio: 'pipe' }) // something still open: detach it anyway
    }
  })
  return dir => {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${CAPACITY}`, 'tmpfs', dir], { stdio: 'pipe' })
    } catch {
      return false
    }
    mounted = dir
    return true
  }
}

/** The fallback: every FileHandle write past CAPACITY bytes fails as a full disk does. Returns the undo. */
async function emulateFullDisk (scratchFile: string): Promise<() => void> {
  const probe = await open(scratchFile, 'w')
  const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<{ bytesWritten: number }> }
  await probe.close()
  const write = proto.write
  let used = 0
  proto.write = async function (this: unknown, ...args: unknown[]) {
    const chunk = args[0] as Uint8Array
    if (used + chunk.byteLength > CAPACITY) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
    const result = await write.apply(this, args)
    used += result.bytesWritten
    return result
  }
  return () => { proto.write = write }
}

t.test('a package larger than a full staging disk gets 507 STAGING_FAILED, leaves nothing, and the next package is stored', async t => {
  const mount = smallDisk(t)
  const s = await buildTestApp(t)
  const staging = join(s.dataDir, 'staging')
  // 1. A small disk under staging/, checked once by trying to mount it.
  const mounted = mount(staging)
  t.comment(mounted ? `staging is a ${CAPACITY}-byte tmpfs` : 'mount not permitted: a full disk is emulated by failing writes with ENOSPC')
  let undo = (): void => {}
  if (!mounted) undo = await emulateFullDisk(join(s.dataDir, 'probe'))
  t.teardown(() => { undo() })
  const created = await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: PROJECT, name: '滨江花园二期' } })
  t.equal(created.statusCode, 201, created.body)

  // 2. A 3 MiB package (random bytes: it stays that size in any form) does not fit.
  const big = tarOf(t, makeBag(t, { '声像/航拍.mp4': randomBytes(3 * 1024 * 1024) }))
  t.ok(big.length > CAPACITY)
  const res = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${PROJECT}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: big })
  undo()
  t.equal(res.statusCode, 507, res.body)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 507, code: 'STAGING_FAILED', type: '/docs/errors#STAGING_FAILED', instance: String })

  // 3. The submission is recorded as failed with that code, and staging holds nothing of it.
  const list = (await s.app.inject({ method: 'GET', url: `/v1/submissions?project=${PROJECT}`, headers: s.auth() })).json() as { items: Array<{ state: string, error: { code: string } | null }> }
  t.equal(list.items.length, 1)
  t.match(list.items[0], { state: 'failed', error: { code: 'STAGING_FAILED' } })
  t.same(readdirSync(staging), [], 'nothing is left in staging')
  if (mounted) {
    const fs = statfsSync(staging)
    t.equal(fs.bfree, fs.blocks, 'the small disk is empty again')
  }

  // 4. A package that fits is received and stored as usual.
  const small = tarOf(t, makeBag(t, { '竣工图/总平面图.pdf': '%PDF-1.7 plan' }))
  const ok = await s.app.inject({ method: 'POST', url: `/v1/submissions?project=${PROJECT}`, headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: small })
  t.equal(ok.statusCode, 202, ok.body)
  const sub = await s.settle((ok.json() as { id: string }).id)
  t.match(sub, { state: 'stored', version: 1 })
  t.same(readdirSync(staging), [], 'staging is empty once it is stored')
})
