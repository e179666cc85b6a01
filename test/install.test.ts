import t from 'tap'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { scratch } from './fixtures/bags.js'

// Installing Lantai: native code is compiled, never downloaded; npm has nothing to warn about; and the
// Node versions package.json admits are ones every run-time dependency accepts.

const ROOT = join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)
const semver = require('semver') as { satisfies (version: string, range: string): boolean, minVersion (range: string): { version: string } | null }
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & { engines: { node: string }, files: string[] }

t.test('better-sqlite3\'s install script compiles from source: prebuild-install, run as it runs, downloads nothing', async t => {
  // better-sqlite3 installs with `prebuild-install || node-gyp rebuild --release`, in its own folder
  // under the project's node_modules; prebuild-install looks for .prebuild-installrc from there upwards.
  const project = scratch(t)
  const dir = join(project, 'node_modules/better-sqlite3')
  mkdirSync(dir, { recursive: true })
  copyFileSync(join(ROOT, '.prebuild-installrc'), join(project, '.prebuild-installrc'))
  copyFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), join(dir, 'package.json'))
  // Only the file decides: no build-from-source in the environment; info level so it says what it does.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_build_from_source$/i.test(k))), npm_config_loglevel: 'info' }
  const r = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js')], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 1, 'it gives up at once, so node-gyp rebuild runs')
  t.match(r.stderr, /--build-from-source specified, not attempting download/)
  t.notMatch(r.stderr, /http request GET/)
  t.ok(pkg.files.includes('.prebuild-installrc'), 'and the file travels with npm pack')
})

t.test('npm reads the project\'s configuration without a warning', async t => {
  const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  t.notMatch(r.stderr, /Unknown project config|will stop working/)
})

t.test('every dependency install script is reviewed in allowScripts: better-sqlite3 may build, esbuild may not', async t => {
  // npm 11 runs an unreviewed install script with a warning today and will block it in its next major;
  // better-sqlite3 without its script has no binary at all.
  t.same(pkg.allowScripts, { esbuild: false, 'better-sqlite3': true })
  const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /No packages with unreviewed install scripts/)
})

t.test('every run-time dependency accepts the oldest Node of each line that engines admits', async t => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string, dev?: boolean, engines?: { node?: string } }> }
  const oldest = ['20.19.0', '22.12.0'].filter(v => semver.satisfies(v, pkg.engines.node))
  t.same(oldest, ['20.19.0', '22.12.0'], `engines ${pkg.engines.node}`)
  t.equal(semver.minVersion(pkg.engines.node)?.version, '20.19.0')
  const refusing: string[] = []
  for (const [path, p] of Object.entries(lock.packages)) {
    const range = p.engines?.node
    if (path === '' || p.dev === true || range === undefined) continue
    for (const v of oldest) if (!semver.satisfies(v, range)) refusing.push(`${path.replace(/^.*node_modules\//, '')}@${p.version ?? '?'} wants node ${range}, not ${v}`)
  }
  t.same(refusing, [])
})
