import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { lantai } from '../fixtures/cli.js'
import { scratch } from '../fixtures/bags.js'

// Process roles (docs/decisions/0005-processes.md): `lantai serve` does everything; `lantai serve
// --no-workers` answers HTTP only and `lantai worker` runs jobs only, beside each other on a shared
// PostgreSQL catalogue. With the SQLite catalogue one process owns the data directory, so a split is
// refused before anything is opened: one CONFIG_INVALID line naming LANTAI_DATABASE_URL, exit 2.

const SQLITE_ENV = { LANTAI_DATABASE_URL: '', LANTAI_LOG_LEVEL: 'warn', LANTAI_FIXITY_CRON: 'off' }

for (const args of [['worker'], ['serve', '--no-workers']]) {
  t.test(`with the SQLite catalogue, \`lantai ${args.join(' ')}\` is refused: a role needs LANTAI_DATABASE_URL`, async t => {
    const dataDir = scratch(t)
    const r = lantai(args, { env: { ...SQLITE_ENV, LANTAI_DATA: dataDir } })
    t.equal(r.code, 2, r.stderr)
    t.match(r.stderr, new RegExp(`^lantai ${args[0]}: CONFIG_INVALID: 配置中有错误的值 / the configuration has bad values: lantai ${args.join(' ')} needs LANTAI_DATABASE_URL`))
    t.match(r.stderr, /进程分工需要 LANTAI_DATABASE_URL/, 'in Chinese too')
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack')
    t.notOk(existsSync(join(dataDir, 'lantai.lock')), 'nothing was opened: no data lock taken')
    t.notOk(existsSync(join(dataDir, 'catalogue.sqlite')), 'no catalogue made')
  })
}
