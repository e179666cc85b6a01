import t, { type Test } from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { scratch } from '../fixtures/bags.js'
import { lantai, type CliResult } from '../fixtures/cli.js'

// Commands run from a folder that is not the clone: the default ./var is not there. That is a setting
// to fix, so each command family that opens LANTAI_DATA says so in one bilingual line naming the
// variable and exits 2; never a stack trace and exit 1, which a cron monitor of `lantai fixity run`
// would take for damage. storage-policies/ and certs/ come from the installed package.

const env = { LANTAI_DATA: '', LANTAI_POLICIES: '', LANTAI_TRUST: '' }
const oneLine = (r: CliResult): string => r.stderr.trim()

function expectMissing (t: Test, r: CliResult, command: string, dir: string): void {
  t.equal(r.code, 2, `${command}: exit 2`)
  t.match(oneLine(r), new RegExp(`^lantai ${command}: DATA_DIR_MISSING: 数据目录不存在.* / the data directory does not exist.*: LANTAI_DATA=${dir}$`), command)
  t.notMatch(oneLine(r), /\n|\bat .*\.js:\d+/, `${command}: one line, no stack`)
}

t.test('fixity, token and seals commands in a folder without ./var: DATA_DIR_MISSING naming LANTAI_DATA, exit 2', async t => {
  const elsewhere = scratch(t)
  const opts = { cwd: elsewhere, env }
  expectMissing(t, lantai(['fixity', 'run'], opts), 'fixity', join(elsewhere, 'var'))
  expectMissing(t, lantai(['token', 'create', '--role', 'admin'], opts), 'token', join(elsewhere, 'var'))
  expectMissing(t, lantai(['seals', 'revalidate', '--review'], opts), 'seals', join(elsewhere, 'var'))
})

t.test('a data directory without a catalogue is DATA_DIR_UNUSABLE for fixity run, exit 2', async t => {
  const dir = join(scratch(t), 'data')
  mkdirSync(dir)
  const r = lantai(['fixity', 'run'], { cwd: scratch(t), env: { ...env, LANTAI_DATA: dir } })
  t.equal(r.code, 2)
  t.match(oneLine(r), /^lantai fixity: DATA_DIR_UNUSABLE: .*LANTAI_DATA=.*data has no catalogue\.sqlite/)
})

t.test('with LANTAI_DATA set, fixity run works from any folder: the policies come from the installed package', async t => {
  const dir = join(scratch(t), 'data')
  mkdirSync(dir)
  const elsewhere = scratch(t)
  const made = lantai(['token', 'create', '--role', 'admin'], { cwd: elsewhere, env: { ...env, LANTAI_DATA: dir } })
  t.equal(made.code, 0, made.stderr)
  const r = lantai(['fixity', 'run', '--json'], { cwd: elsewhere, env: { ...env, LANTAI_DATA: dir } })
  t.equal(r.code, 0, r.stderr)
  t.match(JSON.parse(r.stdout), { checked: 0, mismatches: 0, missing: 0 })
})
