import t from 'tap'
import { detailZh } from '../../src/bagit/detail-zh.js'
import { finding } from '../../src/bagit/findings.js'

// A finding's Chinese message carries its detail in Chinese: the connecting words are translated, the
// names, digests and values stay exactly as found.

t.test('the connecting words of common details are given in Chinese, names and values unchanged', async t => {
  const cases: Array<[string, string]> = [
    ['data/a.txt: sha256 expected 00ff found 11ee', 'data/a.txt: sha256 应为 00ff，实为 11ee'],
    ['declared 58.2, found 66.2', '声明为 58.2，实际为 66.2'],
    ['data/x.pdf is in no payload manifest', 'data/x.pdf 未列入任何载荷清单'],
    ['data/x.pdf (listed in manifest-md5.txt)', 'data/x.pdf（列于 manifest-md5.txt）'],
    ['tagmanifest-sha256.txt does not list bag-info.txt', 'tagmanifest-sha256.txt 未列出 bag-info.txt'],
    ['manifest-sha256.txt line 3: "zz  data/a"', 'manifest-sha256.txt 第 3 行："zz  data/a"'],
    ['Transfer-Type is required, and bag-info.txt does not have it', 'Transfer-Type 为必填项，但 bag-info.txt 中没有'],
    ['Transfer-Type is "later"; the profile allows "initial", "supplement"', 'Transfer-Type 为 "later"；配置文件只允许 "initial", "supplement"'],
    ['the bag is BagIt 0.97; the profile accepts 1.0', '数据包为 BagIt 0.97；配置文件接受 1.0'],
    ['data/竣工图/a.pdf', 'data/竣工图/a.pdf']
  ]
  for (const [en, zh] of cases) t.equal(detailZh(en), zh, en)
})

t.test('a finding\'s messageZh uses the Chinese detail; its English message keeps the English one', async t => {
  const f = finding('BAG_INFO_OXUM_MISMATCH', { path: 'bag-info.txt', detail: 'declared 58.2, found 66.2' })
  t.match(f.message, /: declared 58\.2, found 66\.2$/)
  t.match(f.messageZh, /：声明为 58\.2，实际为 66\.2$/)
})
