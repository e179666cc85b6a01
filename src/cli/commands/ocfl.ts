import { readdir, stat } from 'node:fs/promises'
import { LantaiError } from '../../errors.js'
import { STORAGE_DECLARATION, validateObject, validateStorageRoot, type OcflFinding, type OcflReport } from '../../ocfl/index.js'
import { LocalBlobStore } from '../../storage/index.js'
import { parse, UsageError, type Command } from '../command.js'

const help = `usage: lantai ocfl validate <object-root|storage-root> [--json]
用法:  lantai ocfl validate <对象根目录|存储根目录> [--json]

Validates an OCFL 1.1 object, or a storage root and every object in it (told apart by the
declaration file: ${STORAGE_DECLARATION} marks a storage root). Reports every problem at once, with
the specification's own codes (OCFL_E040, OCFL_W004: https://ocfl.io/1.1/spec/validation-codes.html).
Every content file is read once and checked against the manifest and every fixity digest.
校验一个 OCFL 1.1 对象，或一个存储根及其中全部对象（以声明文件区分：${STORAGE_DECLARATION} 表示存储根）。
一次性报告全部问题，使用规范自身的代码。每个内容文件读取一次，核对清单和全部固定性摘要。

options 选项:
  --json   print {"valid","errors":[…],"warnings":[…]} instead of one line per finding
           以 JSON 输出，而不是每个问题一行

exit status 退出码: 0 valid (warnings allowed) 有效（允许警告), 1 invalid 无效,
2 usage error or a path that cannot be opened 用法错误或路径无法打开.`

const line = (f: OcflFinding): string => `${f.code}${f.path === undefined || f.path === '' ? '' : ` ${f.path}`}: ${f.message}`
const json = (f: OcflFinding): Record<string, string> => ({ code: f.code, ...(f.path === undefined ? {} : { path: f.path }), message: f.message })

export const ocflCommand: Command = {
  name: 'ocfl',
  summary: 'OCFL storage: `ocfl validate <object-root|storage-root>` checks an object or a whole storage root',
  summaryZh: 'OCFL 存储：`ocfl validate <对象根|存储根>` 校验一个对象或整个存储根',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } })
    const [sub, target, ...rest] = positionals
    if (sub !== 'validate') throw new UsageError(sub === undefined ? 'give a subcommand: validate' : `unknown subcommand ${JSON.stringify(sub)}`, sub === undefined ? '请给出子命令：validate' : `未知子命令 ${JSON.stringify(sub)}`)
    if (target === undefined || rest.length > 0) throw new UsageError('give exactly one object root or storage root', '请给出一个对象根目录或存储根目录')
    let names: string[]
    try {
      if (!(await stat(target)).isDirectory()) throw new LantaiError('PATH_UNREADABLE', `${target} is not a directory`)
      names = await readdir(target)
    } catch (e) {
      if (e instanceof LantaiError) throw e
      const code = (e as NodeJS.ErrnoException).code
      throw new LantaiError(code === 'ENOENT' ? 'PATH_NOT_FOUND' : 'PATH_UNREADABLE', target, {}, { cause: e })
    }
    const store = new LocalBlobStore(target)
    const isStorageRoot = names.includes(STORAGE_DECLARATION)
    const report: OcflReport = isStorageRoot ? await validateStorageRoot(store) : await validateObject(store, '')
    if (values.json) {
      process.stdout.write(JSON.stringify({ valid: report.valid, errors: report.errors.map(json), warnings: report.warnings.map(json) }, null, 2) + '\n')
    } else {
      const out = [...report.errors, ...report.warnings].map(line)
      const kind = isStorageRoot ? 'OCFL storage root' : 'OCFL object'
      out.push(`${kind} ${target} is ${report.valid ? 'VALID' : 'INVALID'}: ${report.errors.length} errors, ${report.warnings.length} warnings`)
      out.push(`${isStorageRoot ? 'OCFL 存储根' : 'OCFL 对象'} ${report.valid ? '有效' : '无效'}：${report.errors.length} 个错误，${report.warnings.length} 个警告`)
      process.stdout.write(out.join('\n') + '\n')
    }
    return report.valid ? 0 : 1
  }
}
