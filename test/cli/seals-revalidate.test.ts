import t from 'tap'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeBag, scratch } from '../fixtures/bags.js'
import { lantaiAsync } from '../fixtures/cli.js'
import { makeSm2Pki, minimalOfd, sealOfd, writeOfd, writeSm2TrustDir } from '../fixtures/ofd.js'
import { buildTestApp, tarOf } from '../fixtures/service.js'

// `lantai seals revalidate`: the archivist's command for rule R4 — once the trusted root is in certs/,
// the provisional decisions of the data directory are made again and the changes printed.

t.test('revalidate --review turns a provisional decision into a waiver once the root is trusted; a package id does one', async t => {
  const pki = makeSm2Pki(t)
  const ofd = await readFile(await writeOfd(t, sealOfd(pki, minimalOfd())))
  const certs = join(scratch(t), 'certs')
  mkdirSync(certs)
  const s = await buildTestApp(t, { LANTAI_TRUST: certs })
  await s.app.inject({ method: 'POST', url: '/v1/projects', headers: s.auth(), payload: { code: '2026-310104-47-01-000301', name: 'cli' } })
  const res = await s.app.inject({ method: 'POST', url: '/v1/submissions?project=2026-310104-47-01-000301', headers: { ...s.auth(), 'content-type': 'application/x-tar' }, payload: tarOf(t, makeBag(t, { '报告.ofd': ofd })) })
  const sub = await s.settle((res.json() as { id: string }).id)
  const packageId = String(sub.packageId)
  await s.close() // the command runs on the data directory, as beside a service

  const env = { LANTAI_DATA: s.dataDir, LANTAI_TRUST: certs }
  const nothing = await lantaiAsync(['seals', 'revalidate', packageId], { env })
  t.equal(nothing.code, 0, nothing.stderr)
  t.match(nothing.stdout, `${packageId} v1: checked 1 files; 0 paper waived, 1 dual set, 0 paper required, 1 provisional, 0 integrity alerts`)

  writeSm2TrustDir(pki, certs)
  const review = await lantaiAsync(['seals', 'revalidate', '--review'], { env })
  t.equal(review.code, 0, review.stderr)
  t.match(review.stdout, '1 paper waived')
  t.match(review.stdout, 'data/报告.ofd: dual_set (provisional) -> paper_waived (R1)')

  const again = await lantaiAsync(['seals', 'revalidate', '--review', '--json'], { env })
  t.same(JSON.parse(again.stdout), [], 'the review queue is empty now')

  const usage = await lantaiAsync(['seals', 'revalidate'], { env })
  t.equal(usage.code, 2)
  t.match(usage.stderr, 'lantai seals revalidate <package-id>')
  const unknown = await lantaiAsync(['seals', 'revalidate', 'pkg_nope'], { env })
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, 'no package pkg_nope')
})
