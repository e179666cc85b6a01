import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig, PACKAGE_ROOT } from '../src/config.js'
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
