import { loadProfile, validatePackage, type BagLimits, type PackageReport } from '../../bagit/index.js'
import { ERROR_CODES, isLantaiError, type LantaiError } from '../../errors.js'
import { errorDetail, intOption, parse, UsageError, type Command } from '../command.js'
import { formatBytes, progressLine, rate } from '../progress.js'
import { bagReportJson, bagReportText, type Lang } from '../render-bag-report.js'

const help = `usage: lantai validate <dir|tar|tar.gz|zip> [options]
用法:  lantai validate <目录|tar|tar.gz|zip> [选项]

Validates a BagIt package (RFC 8493, BagIt 0.93–1.0) completely and lists every problem at once,
each with a code explained in docs/errors.md. A tar or tar.gz is read as a stream, its payload hashed
and never written; a zip is unpacked into a private staging directory first. Hostile entries (..,
absolute paths, links, devices) are refused and reported, never written.
完整校验 BagIt 数据包（RFC 8493，BagIt 0.93–1.0），一次性列出全部问题（一次性告知），每个问题带有
docs/errors.md 中说明的代码。tar 与 tar.gz 以流方式读取，载荷只计算摘要、不写盘；zip 先解到私有暂存
目录。危险条目（..、绝对路径、链接、设备）被拒绝并报告，从不写出。

options 选项:
  --profile FILE            also check a BagIt Profile (JSON), e.g. storage-policies/bagit-profile.json
                            同时按 BagIt 配置文件（JSON）检查
  --json                    print {"valid","errors":[…],"warnings":[…]} instead of the text report; a path
                            that cannot be opened prints {"valid":false,"errors":[{"code":"PATH_NOT_FOUND",…}]}
                            以 JSON 输出报告；无法打开的路径也以 JSON 报告
  --lang en|zh|both         language of the text report (default en) 文字报告的语言（默认 en）
  --allow-missing-fetched   files listed in fetch.txt but absent are warnings, not errors
                            fetch.txt 列出但缺失的文件只作警告
  --staging DIR             where archives are unpacked (default: the system temp directory)
                            压缩包的解包位置（默认系统临时目录）
  --name-encoding NAME      code page of archive entry names not in UTF-8 (default gb18030, which
                            reads the GBK names of zips made by Chinese-locale Windows)
                            非 UTF-8 条目名的编码（默认 gb18030，可读中文 Windows 生成的 GBK 文件名）
  --max-total-bytes N       refuse packages larger than N bytes (default 1 TiB, and never more than the
                            staging volume's free space less a reserve) 拒绝超过 N 字节的数据包
  --max-files N             refuse packages with more than N entries (default 2,000,000) 拒绝超过 N 个条目的数据包
  --max-depth N             refuse paths nested deeper than N (default 1024) 拒绝嵌套超过 N 层的路径
  --max-line-bytes N        refuse tag-file lines longer than N (default 65536) 拒绝超过 N 字节的标签文件行

exit status 退出码: 0 valid (warnings allowed) 有效（允许警告), 1 invalid 无效,
2 usage error or a path that cannot be opened 用法错误或路径无法打开.`

export const validateCommand: Command = {
  name: 'validate',
  summary: 'validate a BagIt package (directory, tar, tar.gz or zip) and report every problem',
  summaryZh: '校验 BagIt 数据包（目录、tar、tar.gz 或 zip），一次性报告全部问题',
  help,
  async run (argv) {
    const { values, positionals } = parse(argv, {
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      lang: { type: 'string', default: 'en' },
      'allow-missing-fetched': { type: 'boolean', default: false },
      staging: { type: 'string' },
      'name-encoding': { type: 'string' },
      'max-total-bytes': { type: 'string' },
      'max-files': { type: 'string' },
      'max-depth': { type: 'string' },
      'max-line-bytes': { type: 'string' }
    })
    if (positionals.length !== 1) throw new UsageError('give exactly one package path', '请给出一个数据包路径')
    const target = positionals[0] as string
    const lang = values.lang as Lang
    if (!['en', 'zh', 'both'].includes(lang)) throw new UsageError(`--lang is en, zh or both, not ${JSON.stringify(values.lang)}`, `--lang 只能是 en、zh 或 both，而不是 ${JSON.stringify(values.lang)}`)
    const limits: Partial<BagLimits> = {}
    const set = (key: keyof BagLimits, flag: string): void => {
      const v = intOption(values[flag as keyof typeof values] as string | undefined, flag)
      if (v !== undefined) limits[key] = v
    }
    set('maxTotalBytes', 'max-total-bytes')
    set('maxFiles', 'max-files')
    set('maxPathDepth', 'max-depth')
    set('maxLineBytes', 'max-line-bytes')

    const progress = progressLine()
    const started = Date.now()
    let report: PackageReport
    try {
      const profile = values.profile === undefined ? undefined : await loadProfile(values.profile)
      report = await validatePackage(target, {
        profile,
        limits,
        stagingRoot: values.staging,
        nameEncoding: values['name-encoding'],
        allowMissingFetched: values['allow-missing-fetched'],
        onProgress: p => progress.update(
          `checking ${p.filesDone}${p.filesTotal === null ? '' : `/${p.filesTotal}`} files, ` +
        `${formatBytes(p.bytesDone)}${p.bytesTotal === null ? '' : `/${formatBytes(p.bytesTotal)}`}, ${rate(p.bytesDone, Date.now() - started)}`)
      })
    } catch (err) {
      progress.done()
      // --json promises JSON on stdout: a path or profile that cannot be opened is reported in the same
      // form (errors[] with a code), still exit 2, so a script never has to parse a stderr line.
      if (!values.json || !isLantaiError(err)) throw err
      process.stdout.write(JSON.stringify(jsonError(err, target), null, 2) + '\n')
      return 2
    }
    progress.done()
    process.stdout.write((values.json ? JSON.stringify(bagReportJson(report), null, 2) : bagReportText(target, report, lang)) + '\n')
    return report.valid ? 0 : 1
  }
}

/** The --json form for a package that could not be opened at all: the report's shape, with one error. */
export function jsonError (err: LantaiError, target: string): { valid: false, errors: Array<Record<string, string>>, warnings: [] } {
  const detail = errorDetail(err)
  const { en, zh } = ERROR_CODES[err.code]
  return {
    valid: false,
    errors: [{ code: err.code, severity: 'error', path: typeof err.details.file === 'string' ? err.details.file : target, message: detail === '' ? en : `${en}: ${detail}`, messageZh: detail === '' ? zh : `${zh}: ${detail}` }],
    warnings: []
  }
}
