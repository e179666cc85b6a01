import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeBag } from '../fixtures/bags.js'
import { lantai } from '../fixtures/cli.js'

// What a user reads from the CLI is in Chinese as well as English: help, errors, and the report; and
// the small promises of a command-line tool (--version, --json) hold everywhere.

const HAN = /[\u4e00-\u9fff]/
const version = (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version

t.test('lantai --version and -V print the version of package.json', async t => {
  for (const flag of ['--version', '-V']) {
    const r = lantai([flag])
    t.equal(r.code, 0)
    t.equal(r.stdout, `${version}\n`)
  }
})

t.test('validate --json on a missing path prints the report form with a PATH_NOT_FOUND error, exit 2', async t => {
  const r = lantai(['validate', '/no/such/bag', '--json'])
  t.equal(r.code, 2)
  t.match(JSON.parse(r.stdout), { valid: false, errors: [{ code: 'PATH_NOT_FOUND', path: '/no/such/bag', message: /does not exist/, messageZh: /路径不存在/ }], warnings: [] })
})

t.test('every command\'s --help, and the overview, are in Chinese and English', async t => {
  const top = lantai(['--help'])
  t.match(top.stdout, /用法/)
  t.match(top.stdout, /bag +make a BagIt bag/)
  for (const cmd of ['serve', 'worker', 'validate', 'bag', 'ingest', 'token', 'ocfl', 'fixity', 'seals']) {
    const r = lantai([cmd, '--help'])
    t.equal(r.code, 0, cmd)
    t.match(r.stdout, new RegExp(`usage: lantai ${cmd}`), cmd)
    t.match(r.stdout, /用法/, `${cmd}: Chinese usage line`)
    t.ok(r.stdout.split('\n').filter(l => HAN.test(l)).length >= 3, `${cmd}: the description is in Chinese too`)
  }
})

t.test('errors print CODE: Chinese / English, and usage errors are worded in both', async t => {
  const missing = lantai(['validate', '/no/such/bag'])
  t.match(missing.stderr, /^lantai validate: PATH_NOT_FOUND: 路径不存在 \/ the path does not exist: \/no\/such\/bag/)
  const role = lantai(['token', 'create', '--role', 'emperor'])
  t.equal(role.code, 2)
  t.match(role.stderr, /--role 须为以下之一：admin、archivist.* \/ --role is one of admin, archivist/)
})

t.test('--lang zh gives the details in Chinese too: a checksum mismatch reads 应为 … 实为 …, with no English words', async t => {
  const root = makeBag(t, { 'a.txt': 'alpha' })
  writeFileSync(join(root, 'data/a.txt'), 'changed!')
  const r = lantai(['validate', root, '--lang', 'zh'])
  t.equal(r.code, 1)
  const line = r.stdout.split('\n').find(l => l.includes('BAG_CHECKSUM_MISMATCH')) ?? ''
  t.match(line, /文件摘要与清单不符：data\/a\.txt: sha256 应为 [0-9a-f]{64}，实为 [0-9a-f]{64}/)
  const oxum = r.stdout.split('\n').find(l => l.includes('BAG_INFO_OXUM_MISMATCH')) ?? ''
  t.match(oxum, /声明为 5\.1，实际为 8\.1/)
  const prose = r.stdout.replace(/\[[^\]]*\]/g, '').replace(/BagIt|BAG_\w+|sha256|data\/\S+|bag-info\.txt|docs\/errors\.md/g, '')
  t.notMatch(prose, /\b(expected|found|declared|payload files|Every problem)\b/, 'no English words left in the zh report')
  t.match(r.stdout, /个载荷文件/)
})
