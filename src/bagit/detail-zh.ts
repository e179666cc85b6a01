// The Chinese of a finding's detail. A detail is the code's meaning made concrete: paths, digests, line
// numbers, values, and a few English connecting words ("line 3", "expected … found …"). The rectification
// notice goes to builders in Chinese, so those words are given in Chinese here, once for every finding,
// and the names and values stay exactly as found. A detail no rule knows is kept as it is.

type Rule = readonly [RegExp, string]

// Whole-detail forms first (anchored), then the connecting phrases that occur inside details.
const RULES: readonly Rule[] = [
  [/^the bag's BagIt version is unknown; the profile accepts (.+)$/, '数据包的 BagIt 版本未知；配置文件接受 $1'],
  [/^the bag is BagIt (\S+); the profile accepts (.+)$/, '数据包为 BagIt $1；配置文件接受 $2'],
  [/^the profile requires the bag to arrive as an archive, but it arrived as a directory$/, '配置文件要求数据包以压缩包形式提交，但提交的是目录'],
  [/^the profile forbids serialized bags, but this bag arrived as (\S+)$/, '配置文件禁止压缩包形式，但本数据包以 $1 提交'],
  [/^the bag arrived as (\S+) \((.+)\); the profile accepts (.+)$/, '数据包以 $1（$2）提交；配置文件接受 $3'],
  [/^the bag has no bag-info\.txt; add one with "(.+)"$/, '数据包没有 bag-info.txt；请添加并写入 "$1"'],
  [/^add "(.+)" to bag-info\.txt$/, '请在 bag-info.txt 中加入 "$1"'],
  [/^bag-info\.txt names (.+), but this bag is checked against (.+)$/, 'bag-info.txt 声明的是 $1，但本数据包按 $2 检查'],
  [/^(.+) is required, and the bag has no bag-info\.txt$/, '$1 为必填项，但数据包没有 bag-info.txt'],
  [/^(.+) is required, and bag-info\.txt does not have it$/, '$1 为必填项，但 bag-info.txt 中没有'],
  [/^(.+) is required, and its value is empty$/, '$1 为必填项，但其值为空'],
  [/^(.+) may appear once, and appears (\d+) times$/, '$1 只能出现一次，实际出现 $2 次'],
  [/^(.+) is "(.*)"; the profile allows (.+)$/, '$1 为 "$2"；配置文件只允许 $3'],
  [/^the profile requires the tag file (.+)$/, '配置文件要求标签文件 $1'],
  [/^the profile requires the payload file (.+)$/, '配置文件要求载荷文件 $1'],
  [/^the profile requires (\S+) to hold at least one file or directory, and it is empty$/, '配置文件要求 $1 至少含一个文件或目录，但它为空'],
  [/^the profile requires the directory (\S+), and it does not exist$/, '配置文件要求目录 $1，但它不存在'],
  [/^the profile requires (.+)$/, '配置文件要求 $1'],
  [/^(\S+) uses (\S+); the profile allows (.+)$/, '$1 使用 $2；配置文件只允许 $3'],
  [/^(.+) matches none of (.+)$/, '$1 不符合 $2 中的任何一项'],
  [/^remove fetch\.txt and put its files in data\/$/, '请删除 fetch.txt，并把其中的文件放入 data/'],
  [/^the bag has no fetch\.txt$/, '数据包没有 fetch.txt'],
  [/^data\/ holds one file that is not known to be zero-length \((.+) bytes\)$/, 'data/ 中有一个不能确定为零长度的文件（$1 字节）'],
  [/^data\/ holds (\d+) files$/, 'data/ 中有 $1 个文件'],
  [/^no bagit\.txt at the top and not exactly one top-level directory$/, '顶层没有 bagit.txt，且顶层目录不止一个'],
  [/^uploaded stream$/, '上传的数据流'],
  [/^(\d+) times$/, '$1 次'],
  [/^(.+) appears (\d+) times$/, '$1 出现 $2 次'],
  [/^(.+) (\S+) expected ([0-9a-fA-F]+) found ([0-9a-fA-F]+)$/, '$1 $2 应为 $3，实为 $4'],
  [/^declared (\S+), found (\S+)$/, '声明为 $1，实际为 $2'],
  [/^(.+) is in no payload manifest$/, '$1 未列入任何载荷清单'],
  [/^(.+) is not in (\S+)$/, '$1 未列入 $2'],
  [/^(\S+) does not list (\S+)$/, '$1 未列出 $2'],
  [/^(.+) \(listed in (\S+)\)$/, '$1（列于 $2）'],
  [/^(.+) and (.+) are the same name on disk twice$/, '$1 与 $2 在磁盘上是同一个名称'],
  [/^(.+) has (\d+) links$/, '$1 有 $2 个硬链接'],
  [/^(.+) is (\d+) bytes$/, '$1 为 $2 字节'],
  [/^(\d+) bytes$/, '$1 字节'],
  [/^more than (\d+) entries; the rest was not checked$/, '超过 $1 个条目；其余未检查'],
  [/^more than (\d+) bytes; the rest was not checked$/, '超过 $1 字节；其余未检查'],
  [/^(.+) is not valid (\S+)$/, '$1 不是有效的 $2'],
  [/^(.+) line (\d+) is longer than (\d+) characters$/, '$1 第 $2 行超过 $3 个字符'],
  [/^(\S+) starts with EF BB BF$/, '$1 以 EF BB BF（字节顺序标记）开头'],
  [/^BagIt-Version must be the first line$/, 'BagIt-Version 须为第一行'],
  [/^(\S+); tag files were read as UTF-8$/, '$1；标签文件已按 UTF-8 读取'],
  [/^(.+) \(expected (\S+)\)$/, '$1（应为 $2）'],
  [/^(.+) \(the staging filesystem folds it onto another name\)$/, '$1（暂存文件系统把它与另一名称视为同名）'],
  [/^(.+) \(name too long for the staging filesystem\)$/, '$1（名称超出暂存文件系统的长度限制）'],
  [/^(.+) \(method (\d+)\)$/, '$1（压缩方法 $2）'],
  [/^after this entry: (.+)$/, '在此条目之后：$1'],
  // Inside a detail: "bag-info.txt line 3: …", "line 2: …", "continuation with nothing to continue".
  [/(^|\s)line (\d+): ?/, '$1第 $2 行：'],
  [/continuation with nothing to continue$/, '续行前没有可接续的行'],
  [/ \(BagIt 1\.0 allows no extra whitespace\)$/, '（BagIt 1.0 不允许多余空白）'],
  [/ for (\S+)$/, '（$1）']
]

/** The detail with its English connecting words in Chinese; names, digests and values unchanged. */
export function detailZh (detail: string): string {
  let out = detail
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement)
  return out
}
