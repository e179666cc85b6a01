import { loadProfile, validatePackage, type BagLimits } from '../../bagit/index.js'
import { intOption, parse, UsageError, type Command } from '../command.js'
import { formatBytes, progressLine, rate } from '../progress.js'
import { bagReportJson, bagReportText, type Lang } from '../render-bag-report.js'

const help = `usage: lantai validate <dir|tar|tar.gz|zip> [options]

Validates a BagIt package (RFC 8493, BagIt 0.93–1.0) completely and lists every problem at once,
each with a code explained in docs/errors.md. Archives are unpacked into a private staging directory
first; hostile entries (.., absolute paths, links, devices) are refused and reported, never written.

options:
  --profile FILE            also check a BagIt Profile (JSON), e.g. storage-policies/bagit-profile.json
  --json                    print {"valid","errors":[…],"warnings":[…]} instead of the text report
  --lang en|zh|both         language of the text report (default en)
  --allow-missing-fetched   files listed in fetch.txt but absent are warnings, not errors
  --staging DIR             where archives are unpacked (default: the system temp directory)
  --name-encoding NAME      code page of archive entry names not in UTF-8 (default gb18030, which
                            reads the GBK names of zips made by Chinese-locale Windows)
  --max-total-bytes N       refuse packages larger than N bytes (default 1 TiB)
  --max-files N             refuse packages with more than N entries (default 2,000,000)
  --max-depth N             refuse paths nested deeper than N (default 64)
  --max-line-bytes N        refuse tag-file lines longer than N (default 65536)

exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error or a path that cannot be opened.`

export const validateCommand: Command = {
  name: 'validate',
  summary: 'validate a BagIt package (directory, tar, tar.gz or zip) and report every problem',
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
    if (positionals.length !== 1) throw new UsageError('give exactly one package path')
    const target = positionals[0] as string
    const lang = values.lang as Lang
    if (!['en', 'zh', 'both'].includes(lang)) throw new UsageError(`--lang is en, zh or both, not ${JSON.stringify(values.lang)}`)
    const limits: Partial<BagLimits> = {}
    const set = (key: keyof BagLimits, flag: string): void => {
      const v = intOption(values[flag as keyof typeof values] as string | undefined, flag)
      if (v !== undefined) limits[key] = v
    }
    set('maxTotalBytes', 'max-total-bytes')
    set('maxFiles', 'max-files')
    set('maxPathDepth', 'max-depth')
    set('maxLineBytes', 'max-line-bytes')

    const profile = values.profile === undefined ? undefined : await loadProfile(values.profile)
    const progress = progressLine()
    const started = Date.now()
    const report = await validatePackage(target, {
      profile,
      limits,
      stagingRoot: values.staging,
      nameEncoding: values['name-encoding'],
      allowMissingFetched: values['allow-missing-fetched'],
      onProgress: p => progress.update(
        `checking ${p.filesDone}${p.filesTotal === null ? '' : `/${p.filesTotal}`} files, ` +
        `${formatBytes(p.bytesDone)}${p.bytesTotal === null ? '' : `/${formatBytes(p.bytesTotal)}`}, ${rate(p.bytesDone, Date.now() - started)}`)
    })
    progress.done()
    process.stdout.write((values.json ? JSON.stringify(bagReportJson(report), null, 2) : bagReportText(target, report, lang)) + '\n')
    return report.valid ? 0 : 1
  }
}
