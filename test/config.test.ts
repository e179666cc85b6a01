import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig, PACKAGE_ROOT } from '../src/config.js'
import { redactDatabaseUrl } from '../src/database-url.js'
import { isLantaiError } from '../src/errors.js'
import { scratch } from './fixtures/bags.js'

const ROOT = join(import.meta.dirname, '..')

function problemsOf (env: NodeJS.ProcessEnv, cwd = ROOT): Array<{ variable: string, value: string, allowed: string }> {
  try {
    loadConfig(env, cwd)
  } catch (err) {
    if (isLantaiError(err) && err.code === 'CONFIG_INVALID') return err.details.problems as Array<{ variable: string, value: string, allowed: string }>
    throw err
  }
  return []
}

t.test('a cron typo in LANTAI_FIXITY_CRON is CONFIG_INVALID naming the variable, the value and what is allowed', async t => {
  t.same(problemsOf({ LANTAI_FIXITY_CRON: '0 2 * *  * * *' }), [{ variable: 'LANTAI_FIXITY_CRON', value: '0 2 * *  * * *', allowed: 'a cron expression of 5 or 6 fields (e.g. "0 2 * * *"), or "off"' }])
  t.same(problemsOf({ LANTAI_FIXITY_CRON: '61 * * * *' }).map(p => p.variable), ['LANTAI_FIXITY_CRON'])
  t.same(problemsOf({ LANTAI_FIXITY_CRON: 'off' }), [])
  t.same(problemsOf({ LANTAI_FIXITY_CRON: '*/15 2-4 * * 1-5' }), [])
})

t.test('every bad value is reported at once, in one error whose message names each', async t => {
  const env = { LANTAI_PORT: '70000', LANTAI_LOG_LEVEL: 'loud', LANTAI_MAX_UPLOAD_BYTES: '1e9', LANTAI_INGEST_CONCURRENCY: '0', LANTAI_FIXITY_CRON: 'daily' }
  t.same(problemsOf(env).map(p => p.variable).sort(), ['LANTAI_FIXITY_CRON', 'LANTAI_INGEST_CONCURRENCY', 'LANTAI_LOG_LEVEL', 'LANTAI_MAX_UPLOAD_BYTES', 'LANTAI_PORT'])
  const err = t.throws(() => loadConfig(env, ROOT)) as Error
  for (const [name, value] of Object.entries(env)) t.match(err.message, `${name}=${JSON.stringify(value)} (allowed: `)
})

t.test('LANTAI_POLICIES and LANTAI_TRUST must name existing directories', async t => {
  t.same(problemsOf({ LANTAI_POLICIES: '/no/such/policies', LANTAI_TRUST: '/no/such/certs' }).map(p => p.variable), ['LANTAI_POLICIES', 'LANTAI_TRUST'])
  t.same(problemsOf({ LANTAI_TRUST: 'none' }), [])
})

t.test('run from another folder, storage-policies/ and certs/ come from the installed package', async t => {
  const elsewhere = scratch(t)
  const config = loadConfig({}, elsewhere)
  t.equal(config.policiesDir, join(PACKAGE_ROOT, 'storage-policies'))
  t.equal(config.trustDir, join(PACKAGE_ROOT, 'certs'))
  t.equal(config.dataDir, join(elsewhere, 'var'), 'the data directory stays where the operator is')
  mkdirSync(join(elsewhere, 'storage-policies'))
  t.equal(loadConfig({}, elsewhere).policiesDir, join(elsewhere, 'storage-policies'), 'a folder of its own in the working directory wins')
})

t.test('LANTAI_DATABASE_URL selects PostgreSQL; unset or empty means SQLite in LANTAI_DATA', async t => {
  t.equal(loadConfig({}, ROOT).databaseUrl, null)
  t.equal(loadConfig({ LANTAI_DATABASE_URL: '' }, ROOT).databaseUrl, null, 'an empty line in a unit file is the default')
  t.equal(loadConfig({ LANTAI_DATABASE_URL: 'postgres://lantai:s3cret@db.example:5432/lantai' }, ROOT).databaseUrl, 'postgres://lantai:s3cret@db.example:5432/lantai')
  t.equal(loadConfig({ LANTAI_DATABASE_URL: 'postgresql://db.example/lantai?sslmode=require' }, ROOT).databaseUrl, 'postgresql://db.example/lantai?sslmode=require')
})

t.test('a LANTAI_DATABASE_URL of another scheme, or one no parser reads, is CONFIG_INVALID naming the variable', async t => {
  for (const url of ['mysql://lantai:pw@db.example/lantai', 'db.example:5432/lantai', 'postgres://lantai:pw@db.example:99999/lantai', 'postgres://']) {
    t.same(problemsOf({ LANTAI_DATABASE_URL: url }).map(p => p.variable), ['LANTAI_DATABASE_URL'], url.replace(/:pw@/, ':…@'))
  }
  t.match(problemsOf({ LANTAI_DATABASE_URL: 'sqlite:///var/catalogue.sqlite' })[0], { allowed: /postgres:\/\/ or postgresql:\/\//u })
})

t.test('a bad LANTAI_DATABASE_URL is reported without its password, in the message and in the details', async t => {
  // A raw "/" in the password is what makes this URL unparsable: the whole secret must still go.
  for (const [url, shown] of [
    ['mysql://lantai:hunter2@db.example/lantai', 'mysql://lantai:***@db.example/lantai'],
    ['postgres://lantai:hun/ter#2@db.example:5432/lantai', 'postgres://lantai:***@db.example:5432/lantai'],
    ['postgres://lantai:hunter2@db.example:70000/lantai', 'postgres://lantai:***@db.example:70000/lantai'],
    ['postgres://db.example:70000/lantai?user=lantai&password=hunter2', 'postgres://db.example:70000/lantai?user=lantai&password=***']
  ]) {
    const err = t.throws(() => loadConfig({ LANTAI_DATABASE_URL: url }, ROOT), { code: 'CONFIG_INVALID' }) as Error & { details: unknown }
    t.notMatch(err.message, /hun|ter/, `${shown}: message`)
    t.notMatch(JSON.stringify(err.details), /hun|ter/, `${shown}: details`)
    t.match(err.message, `LANTAI_DATABASE_URL=${JSON.stringify(shown)} (allowed: `)
  }
})

t.test('redactDatabaseUrl hides the password and keeps what an operator needs to find the database', async t => {
  t.equal(redactDatabaseUrl('postgres://lantai:p%40ss@db.example:5432/lantai'), 'postgres://lantai:***@db.example:5432/lantai')
  t.equal(redactDatabaseUrl('postgres://lantai@db.example/lantai'), 'postgres://lantai@db.example/lantai', 'no password, nothing hidden')
  t.equal(redactDatabaseUrl('postgres://lantai:a@b@db.example/lantai'), 'postgres://lantai:***@db.example/lantai', 'a raw @ in the password')
  t.equal(redactDatabaseUrl('postgresql://db.example/lantai?PASSWORD=x&sslmode=require'), 'postgresql://db.example/lantai?PASSWORD=***&sslmode=require')
})
