import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { scratch } from '../fixtures/bags.js'
import { lantai } from '../fixtures/cli.js'

// `lantai bag create` as a builder runs it with the center's profile: a missing tag is named with the
// --info to add (exit 2), a bag our validator rejects is undone (exit 1), a good one is made (exit 0).

const PROFILE = join(import.meta.dirname, '../../storage-policies/bagit-profile.json')
const INFO = ['Source-Organization=上海某置业有限公司', 'Contact-Name=王芳', 'Project-Code=2019-310104-47-01-000123', 'Project-Name=滨江花园二期']
const args = (dir: string, transfer: string[]): string[] => ['bag', 'create', dir, '--profile', PROFILE, ...[...INFO, ...transfer].flatMap(i => ['--info', i])]

t.test('with the center profile: a missing tag is exit 2 naming it, a rejected bag exit 1 and undone, a good bag exit 0', async t => {
  const dir = scratch(t, { 'report.txt': 'completion acceptance report\n' })
  const missing = lantai(args(dir, []))
  t.equal(missing.code, 2)
  t.match(missing.stderr, /BAG_CREATE_TAG_MISSING: 配置文件要求的标签未提供 \/ the profile requires tags that were not given: Transfer-Type\n/)
  t.match(missing.stderr, /--info Transfer-Type=initial\|supplement\|correction/)

  const rejected = lantai(args(dir, ['Transfer-Type=whenever']))
  t.equal(rejected.code, 1)
  t.match(rejected.stderr, /BAG_CREATE_RESULT_INVALID/)
  t.match(rejected.stderr, /BAG_PROFILE_TAG_VALUE Transfer-Type: 标签值不在/)
  t.same(readdirSync(dir), ['report.txt'], 'the folder is as it was')

  const made = lantai(args(dir, ['Transfer-Type=initial']))
  t.equal(made.code, 0, made.stderr)
  t.match(made.stdout, /^BAGGED .*: 1 files, 29 B, sha512\+sha256; valid\n已打包 /)
  t.match(readFileSync(join(dir, 'bag-info.txt'), 'utf8'), /^Source-Organization: 上海某置业有限公司\n/)
  t.equal(lantai(['validate', dir, '--profile', PROFILE]).code, 0, 'lantai validate agrees')
})
