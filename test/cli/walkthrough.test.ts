import t from 'tap'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { scratch } from '../fixtures/bags.js'
import { runProcess, type CliResult } from '../fixtures/cli.js'

// The README's walkthrough, run as it is written: the shell block under "## Walkthrough" in a fresh,
// empty folder (nothing from ../shared), against a real service on a real port. Only what the reader
// substitutes is substituted: the token printed at first start, the port, and `npx lantai` (run here
// from outside the clone, so the binary is named by its path).

const ROOT = join(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/lantai.js')

/** The first shell block after `heading` in README.md. */
function shellBlock (heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const at = readme.indexOf(heading)
  if (at < 0) throw new Error(`no ${heading} in README.md`)
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))
  if (m === null) throw new Error(`no sh block under ${heading} in README.md`)
  return m[1] ?? ''
}

const walkthroughBlock = (): string => shellBlock('## Walkthrough')

const bash = async (script: string, cwd: string): Promise<CliResult> => await runProcess('bash', ['-euo', 'pipefail', '-c', script], { cwd })

t.test('the README walkthrough runs word for word in an empty folder: a project gets its units and requirements notice, a folder is bagged, stored, and a file comes back', async t => {
  const block = walkthroughBlock()
  t.notMatch(block, /\.\.\/shared/, 'the walkthrough needs nothing the reader does not have')
  t.match(block, /npx lantai bag create demo/)

  const dataDir = scratch(t)
  const service = await startService(loadConfig({ LANTAI_DATA: dataDir, LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off' }, ROOT), { logger: createLogger('silent'), schedule: false })
  t.teardown(() => service.close())
  const port = (service.app.server.address() as AddressInfo).port
  const script = block
    .replace('lantai_…', service.firstAdminSecret ?? '')
    .replace('http://127.0.0.1:7480', `http://127.0.0.1:${port}`)
    .replaceAll('npx lantai', `node '${BIN}'`)
  t.not(script, block)

  const cwd = scratch(t)
  const r = await bash(script, cwd)
  t.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
  t.match(r.stdout, /BAGGED .*demo: 2 files/)
  t.match(r.stdout, /"state":"stored"/)
  t.match(r.stdout, /the same bytes came back/)
  t.match(readFileSync(join(cwd, 'opinion.html'), 'utf8'), /建设工程档案验收合格意见[\s\S]*验收〔\d{4}〕第0001号/, 'the archivist accepted it with a numbered opinion')
  t.equal(readFileSync(join(cwd, 'report.txt'), 'utf8'), 'completion acceptance report\n')
  t.match(r.stdout, /"role":"builder","uscc":"91350100M000100Y43"/, 'the builder is on the project record')
  t.match(readFileSync(join(cwd, 'requirements.html'), 'utf8'), /建设工程档案归档要求告知书[\s\S]*上海某置业有限公司/, 'the requirements notice names the builder')
})

t.test('the README acceptance story continues the walkthrough\'s shell word for word: rectification, resubmission, acceptance with a commitment, a supplementary submission, the sweep, credit and phases', async t => {
  const story = shellBlock('### The acceptance story')
  const dataDir = scratch(t)
  const service = await startService(loadConfig({ LANTAI_DATA: dataDir, LANTAI_PORT: '0', LANTAI_FIXITY_CRON: 'off' }, ROOT), { logger: createLogger('silent'), schedule: false })
  t.teardown(() => service.close())
  const port = (service.app.server.address() as AddressInfo).port
  const script = `${walkthroughBlock()}\necho '--- story ---'\n${story}`
    .replace('lantai_…', service.firstAdminSecret ?? '')
    .replace('http://127.0.0.1:7480', `http://127.0.0.1:${port}`)
    .replaceAll('npx lantai', `node '${BIN}'`)
  const r = await bash(script, scratch(t))
  t.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const out = r.stdout.slice(r.stdout.indexOf('--- story ---'))
  t.match(out, /整改〔\d{4}〕第\d{4}号/, 'the defective package gets a numbered rectification notice')
  t.match(out, /"code":"D-1"[^}]*"state":"fulfilled"/, 'the supplementary submission fulfilled D-1')
  t.match(out, /"code":"P1"/, 'the phases are shown')
  t.notMatch(out, /"status":(4|5)\d\d/, 'no step was refused')
})
