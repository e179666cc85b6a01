import t from 'tap'
import { checkEntryName } from '../../src/archive/index.js'

t.test('unsafe entry names are refused with the reason', async t => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['/tmp/evil', /absolute/],
    ['C:\\evil', /absolute/],
    ['c:evil', /absolute/],
    ['\\\\server\\share\\evil', /absolute/],
    ['data\\..\\..\\evil', /backslash/],
    ['../evil', /\.\./],
    ['data/../../evil', /\.\./],
    ['data/..', /\.\./],
    ['data/a\u0000.txt', /NUL/],
    ['data//a.txt', /empty or "\."/],
    ['data/./a.txt', /empty or "\."/],
    [`data/${'x'.repeat(256)}`, /255 bytes/],
    [`data/${'图'.repeat(86)}`, /255 bytes/]
  ]
  for (const [raw, reason] of cases) {
    const checked = checkEntryName(raw)
    t.equal(checked.ok, false, JSON.stringify(raw))
    if (!checked.ok) t.match(checked.reason, reason, JSON.stringify(raw))
  }
})

t.test('safe names lose a leading "./" and a trailing "/"', async t => {
  t.same(checkEntryName('./data/a.txt'), { ok: true, name: 'data/a.txt', segments: ['data', 'a.txt'] })
  t.same(checkEntryName('././bag/data/'), { ok: true, name: 'bag/data', segments: ['bag', 'data'] })
  t.same(checkEntryName(`data/${'图'.repeat(85)}`), { ok: true, name: `data/${'图'.repeat(85)}`, segments: ['data', '图'.repeat(85)] })
  t.same(checkEntryName('data/..hidden'), { ok: true, name: 'data/..hidden', segments: ['data', '..hidden'] })
})

t.test('CR, LF and "%" are legal in names, as in a directory bag (RFC 8493 §2.1.3 percent-encodes them in manifests)', async t => {
  for (const name of ['data/line\nbreak.txt', 'data/cr\rname.txt', 'data/100%.txt', 'data/%0A.txt', 'data/tab\there.txt']) {
    t.same(checkEntryName(name), { ok: true, name, segments: name.split('/') }, JSON.stringify(name))
  }
})

t.test('"./" alone is the archive root: safe, with no name', async t => {
  t.same(checkEntryName('./'), { ok: true, name: '', segments: [] })
  t.same(checkEntryName('.'), { ok: true, name: '', segments: [] })
})
