import { createBag, DEFAULT_BAG_ALGORITHMS, loadProfile, parseInfoArgument, type BagInfoTag } from '../../bagit/index.js'
import { LantaiError } from '../../errors.js'
import { parse, UsageError, type Command } from '../command.js'
import { formatBytes, progressLine } from '../progress.js'

const help = `usage: lantai bag create <dir> [--into NEWDIR] [--algorithms sha512,sha256] [--profile FILE] [--info Label=Value ...]
用法:  lantai bag create <目录> [--into 新目录] [--algorithms sha512,sha256] [--profile 文件] [--info 标签=值 ...]

Makes a BagIt 1.0 bag (RFC 8493) of a folder: data/ with the files, bagit.txt, a manifest and a tag
manifest per algorithm, and bag-info.txt with Payload-Oxum, Bagging-Date and the tags given. The bag is
then validated by \`lantai validate\`'s own checks; only a valid bag counts as made.
把一个文件夹打成 BagIt 1.0 数据包：文件放入 data/，写入 bagit.txt、每种算法的清单和标签清单，以及含
Payload-Oxum、打包日期和所给标签的 bag-info.txt。生成后用 \`lantai validate\` 的同一套规则校验，通过才算完成。

By default the folder is bagged in place, as \`bagit.py DIR\` does: its contents move into data/. The bag
is built beside it and renamed into place, so the folder is never left half-bagged. With --into the
folder is copied into a new folder and left as it is.
默认原地打包（同 \`bagit.py DIR\`）：文件夹内容移入 data/。数据包在旁边的暂存目录中生成后整体改名，
文件夹不会停留在打包一半的状态。使用 --into 时复制到新文件夹，原文件夹不变。

options 选项:
  --into NEWDIR        make the bag in this new folder and leave <dir> untouched
                       在该新文件夹中生成数据包，原目录不变
  --algorithms LIST    manifest algorithms, comma-separated (default ${DEFAULT_BAG_ALGORITHMS.join(',')}; sm3 works too)
                       清单摘要算法，逗号分隔（默认 ${DEFAULT_BAG_ALGORITHMS.join(',')}，也可用 sm3）
  --profile FILE       a BagIt profile the bag must meet, e.g. storage-policies/bagit-profile.json: each of its
                       required tags must be given with --info; BagIt-Profile-Identifier is filled in
                       数据包须符合的 BagIt 配置文件；其必填标签须以 --info 给出，配置标识自动填写
  --info Label=Value   a bag-info.txt tag; repeat for more (e.g. --info Project-Code=2019-310104-47-01-000123)
                       bag-info.txt 标签，可重复

exit status 退出码: 0 bag made 已生成, 1 the result failed validation (nothing changed) 校验未通过（未做更改),
2 usage error, a missing required tag, or a folder that cannot be bagged 用法错误、缺少必填标签或文件夹无法打包.`

export const bagCommand: Command = {
  name: 'bag',
  summary: 'make a BagIt bag of a folder: `bag create <dir>` (in place, or --into a new folder)',
  summaryZh: '把文件夹打成 BagIt 数据包：`bag create <目录>`（原地，或 --into 新文件夹）',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, {
      into: { type: 'string' },
      algorithms: { type: 'string' },
      profile: { type: 'string' },
      info: { type: 'string', multiple: true }
    })
    const [sub, dir, ...rest] = positionals
    if (sub !== 'create') throw new UsageError('the only subcommand is: bag create <dir>', '唯一的子命令是：bag create <目录>')
    if (dir === undefined || rest.length > 0) throw new UsageError('give exactly one folder', '请给出一个文件夹')
    let info: BagInfoTag[]
    try {
      info = (values.info ?? []).map(parseInfoArgument)
    } catch (err) {
      throw new UsageError((err as Error).message, '--info 的格式为 标签=值，且值只占一行')
    }
    const algorithms = values.algorithms?.split(',').map(a => a.trim()).filter(a => a !== '')
    const profile = values.profile === undefined ? undefined : await loadProfile(values.profile)
    const bar = progressLine()
    let made
    try {
      made = await createBag(dir, {
        into: values.into, algorithms, profile, info, agent: 'lantai',
        onProgress: p => bar.update(`hashing ${p.files}/${p.filesTotal} files, ${formatBytes(p.bytes)}/${formatBytes(p.bytesTotal)}`)
      })
    } catch (err) {
      bar.done()
      if (err instanceof LantaiError && err.code === 'BAG_CREATE_RESULT_INVALID') {
        process.stderr.write(`lantai bag: ${err.code}: 生成的数据包未通过校验，未做任何更改 / the bag made does not pass validation; nothing was changed\n`)
        for (const f of (err.details.findings ?? []) as Array<{ code: string, path?: string, message: string, messageZh: string }>) {
          process.stderr.write(`  ${f.code}${f.path === undefined ? '' : ` ${f.path}`}: ${f.messageZh} / ${f.message}\n`)
        }
        return 1
      }
      if (err instanceof LantaiError && err.code === 'BAG_CREATE_TAG_MISSING') {
        const missing = (err.details.missing ?? []) as Array<{ label: string, description: string, values: string[] }>
        process.stderr.write(`lantai bag: ${err.code}: 配置文件要求的标签未提供 / the profile requires tags that were not given: ${missing.map(m => m.label).join(', ')}\n`)
        for (const m of missing) process.stderr.write(`  --info ${m.label}=${m.values.length > 0 ? m.values.join('|') : '…'}   ${m.description}\n`)
        return 2
      }
      if (err instanceof LantaiError && err.code === 'USAGE') throw new UsageError(err.message, '参数有误')
      throw err
    }
    bar.done()
    process.stdout.write(`BAGGED ${made.root}: ${made.files} files, ${formatBytes(made.bytes)}, ${made.algorithms.join('+')}; valid\n`)
    process.stdout.write(`已打包 ${made.root}：${made.files} 个文件，${formatBytes(made.bytes)}，${made.algorithms.join('+')}；校验通过\n`)
    return 0
  }
}
