import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { startService } from '../../src/main.js'
import { itemsOf, loadAcceptancePolicy, parseAcceptancePolicy, SHIPPED_ACCEPTANCE_POLICY, globToRegExp, type PolicyProblem } from '../../src/acceptance/index.js'

// storage-policies/acceptance.yaml: the shipped default loads, and each kind of mistake is named with
// its file, line and key, all at once.

const SHIPPED = readFileSync(SHIPPED_ACCEPTANCE_POLICY, 'utf8')

/** The shipped policy with `from` replaced by `to` (exactly once). */
function edited (...pairs: Array<[string, string]>): string {
  let text = SHIPPED
  for (const [from, to] of pairs) {
    if (text.split(from).length !== 2) throw new Error(`not exactly once in the shipped policy: ${from}`)
    text = text.replace(from, to)
  }
  return text
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length

function problemsOf (text: string): PolicyProblem[] {
  try {
    parseAcceptancePolicy(text, 'acceptance.yaml')
  } catch (err) {
    const e = err as { code: string, details: { problems: PolicyProblem[] } }
    if (e.code !== 'CONFIG_INVALID') throw err
    return e.details.problems
  }
  throw new Error('the policy loaded')
}

t.test('the shipped default loads: five categories, every item code once, the decision required, commitments at most three months', async t => {
  const policy = await loadAcceptancePolicy(join(import.meta.dirname, '../../storage-policies'))
  t.same(policy.scope.map(c => c.code), ['A', 'B', 'C', 'D', 'E'])
  t.equal(policy.items.size, policy.scope.reduce((n, c) => n + c.items.length, 0))
  t.ok(policy.items.size > 100)
  t.equal(policy.decision.required, true)
  t.same(policy.timeLimits.commitment, { maxMonths: 3, startEvent: 'opinion-date', overdueSchedule: '30 0 * * *' })
  t.match(policy.items.get('D-2'), { category: { code: 'D' }, item: { zh: '结构竣工图', producer: 'construction', retention: 'permanent', required: true } })
  t.ok(policy.fourProperties.some(c => c.code === '3-3' && c.property === 'usability'))
  t.ok(policy.formats.some(f => f.id === 'pdf-a' && f.opens === true))
})

t.test('a policies directory without acceptance.yaml gets the shipped default', async t => {
  const policy = await loadAcceptancePolicy(t.testdir({}))
  t.equal(policy.source, SHIPPED_ACCEPTANCE_POLICY)
})

t.test('a typo in a key is named with its line and the key it probably meant, and the missing key too', async t => {
  const text = edited(['  required: true\n\ntimeLimits', '  requried: true\n\ntimeLimits'])
  const problems = problemsOf(text)
  t.match(problems, [
    { file: 'acceptance.yaml', key: 'decision.required', message: 'missing' },
    { file: 'acceptance.yaml', line: lineOf(text, 'requried'), column: 3, key: 'decision.requried', message: 'unknown key (did you mean required?)' }
  ])
  t.equal(problems.length, 2)
})

t.test('a bad value names the key, the line and what is allowed', async t => {
  const text = edited(['{id: wav,', '{id: wma,'])
  t.match(problemsOf(text), [{ line: lineOf(text, 'id: wma'), key: 'formats[8].id', message: /expected one of ofd, pdf-a, .*found "wma"/ }])
})

t.test('a commitment longer than three months is refused (notice (七))', async t => {
  const text = edited(['commitment: {maxMonths: 3,', 'commitment: {maxMonths: 4,'])
  t.match(problemsOf(text), [{ line: lineOf(text, 'maxMonths: 4'), key: 'timeLimits.commitment.maxMonths', message: /less or equal to 3/ }])
})

t.test('every mistake is named at once, shape and cross-references together', async t => {
  const text = edited(
    ['producer: survey, retention: permanent, required: true, src: seen}\n      - {code: A3-2', 'producr: survey, retention: permanent, required: true, src: seen}\n      - {code: A3-2'],
    ['{code: A2-3, zh: 拆迁安置意见、协议、方案等, en: "demolition and resettlement opinions, agreements, plans", producer: builder, retention: long', '{code: A2-3, zh: 拆迁安置意见、协议、方案等, en: "demolition and resettlement opinions, agreements, plans", producer: builder, retention: forever'],
    ['{code: D-2,', '{code: D-1,'],
    ['{code: A1-1,', '{code: B1-1,'],
    ["  pathPattern: '(?:^|/)(?<item>[A-E]\\d*-\\d+)(?=[/_ .-]|$)'", "  pathPattern: '['\n  old: 1"],
    ['  metadataField: filing_scope_code', '  metadataField: scope_code'],
    ['{code: 1-3, property: authenticity', '{code: 1-3, property: security']
  )
  const keys = problemsOf(text).map(p => `${p.key}: ${p.message}`)
  for (const expected of ['matching.old: unknown key', 'producer: missing', 'did you mean producer?', 'item B1-1 is not in category A', 'forever is not a key of retention',
    'item B1-1 appears twice', 'item D-1 appears twice', 'matching.pathPattern: not a regular expression', 'scope_code is not a key of metadata', '1-3 is numbered as a check of authenticity']) {
    t.ok(keys.some(k => k.includes(expected)), expected)
  }
})

t.test('broken YAML is named by line before anything else', async t => {
  const text = edited(['center:\n  zh: 城市建设档案馆', 'center:\n  zh: [城市建设档案馆'])
  const problems = problemsOf(text)
  t.ok(problems.length >= 1)
  t.equal(problems[0]?.key, '')
  t.ok((problems[0]?.line ?? 0) >= lineOf(text, '[城市建设档案馆'))
})

t.test('start-up reads the file from the policies directory and stops on a bad one with CONFIG_INVALID naming the file', async t => {
  const dir = t.testdir({})
  writeFileSync(join(dir, 'acceptance.yaml'), edited(['version: 1', 'version: 2']))
  await t.rejects(loadAcceptancePolicy(dir), { code: 'CONFIG_INVALID', message: new RegExp(`${join(dir, 'acceptance.yaml')}:\\d+:\\d+ version`) })
})

t.test('a file is matched to an item by its metadata, the item code in its path, or the item\'s own globs and patterns', async t => {
  const text = edited(['{code: E3-1, zh: 开工前原貌、施工阶段、竣工新貌照片, en: "photos before, during and after construction", producer: builder, retention: permanent, required: true,',
    '{code: E3-1, zh: 开工前原貌、施工阶段、竣工新貌照片, en: "photos before, during and after construction", producer: builder, retention: permanent, required: true, paths: ["data/照片/**/*.jpg"], patterns: ["^data/photos?/"],'])
  const policy = parseAcceptancePolicy(text, 'acceptance.yaml')
  t.same(itemsOf(policy, { path: 'data/anything.pdf', metadata: { filing_scope_code: 'D-2' } }), ['D-2'])
  t.same(itemsOf(policy, { path: 'data/A1-1_项目建议书批复.pdf' }), ['A1-1'])
  t.same(itemsOf(policy, { path: 'data/D-10/室外工程.pdf' }), ['D-10'], 'D-10 is not D-1')
  t.same(itemsOf(policy, { path: 'data/照片/2024/05/a.jpg' }), ['E3-1'])
  t.same(itemsOf(policy, { path: 'data/photo/a.png' }), ['E3-1'])
  t.same(itemsOf(policy, { path: 'data/readme.txt' }), [])
  t.same(itemsOf(policy, { path: 'data/Z9-1.pdf', metadata: { filing_scope_code: 'Z9-1' } }), [], 'an item code outside the scope matches nothing')
})

t.test('globs: * stays within a segment, ** crosses them', async t => {
  t.ok(globToRegExp('data/*.pdf').test('data/a.pdf'))
  t.notOk(globToRegExp('data/*.pdf').test('data/x/a.pdf'))
  t.ok(globToRegExp('data/**/*.pdf').test('data/a.pdf'))
  t.ok(globToRegExp('data/**/*.pdf').test('data/x/y/a.pdf'))
  t.notOk(globToRegExp('data/a?.pdf').test('data/a/.pdf'))
  t.ok(globToRegExp('data/(1).pdf').test('data/(1).pdf'), 'regex characters are literal')
})

t.test('the service does not start on a bad policy: CONFIG_INVALID names the file, line and key, and the data directory is free again', async t => {
  const root = t.testdir({ policies: {}, data: {} })
  const policies = join(root, 'policies')
  const dataDir = join(root, 'data')
  const text = edited(['  required: true\n\ntimeLimits', '  requried: true\n\ntimeLimits'])
  writeFileSync(join(policies, 'acceptance.yaml'), text)
  const config = loadConfig({ LANTAI_DATA: dataDir, LANTAI_POLICIES: policies, LANTAI_FIXITY_CRON: 'off' }, join(import.meta.dirname, '../..'))
  const file = join(policies, 'acceptance.yaml')
  const started = startService(config, { listen: false, schedule: false, logger: createLogger('silent') })
  // should it start after all, close it, so a failing test does not hang on an open service
  started.then(async s => { await s.close() }, () => {})
  await t.rejects(started, {
    code: 'CONFIG_INVALID', details: { file, problems: [{ key: 'decision.required', message: 'missing' }, { file, line: lineOf(text, 'requried'), column: 3, key: 'decision.requried', message: 'unknown key (did you mean required?)' }] }
  })
  writeFileSync(file, SHIPPED)
  const service = await startService(config, { listen: false, schedule: false, logger: createLogger('silent') })
  t.teardown(() => service.close())
  t.pass('the same data directory starts once the policy is fixed')
})
