import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../config.js'
import { isLantaiError } from '../errors.js'
import { bagCommand } from './commands/bag.js'
import { fixityCommand } from './commands/fixity.js'
import { ingestCommand } from './commands/ingest.js'
import { ocflCommand } from './commands/ocfl.js'
import { sealsCommand } from './commands/seals.js'
import { serveCommand } from './commands/serve.js'
import { tokenCommand } from './commands/token.js'
import { validateCommand } from './commands/validate.js'
import { workerCommand } from './commands/worker.js'
import { errorLine, UsageError, type Command } from './command.js'

// `lantai <command>`: one binary, one module per verb. Results go to stdout, logs and progress to
// stderr; exit 0 ok, 1 findings, 2 usage or I/O (BRIEF §4). Nothing but a finding may exit 1: a cron
// monitor of `lantai fixity run` reads 1 as damage, so every other failure is one line and exit 2.

const COMMANDS: readonly Command[] = [serveCommand, workerCommand, validateCommand, bagCommand, ingestCommand, tokenCommand, fixityCommand, ocflCommand, sealsCommand]

/** Chinese summaries of commands whose modules do not carry one yet. */
const SUMMARY_ZH: Readonly<Record<string, string>> = {
  fixity: '立即核对已存文件的摘要（全部或单个数据包）',
  seals: '电子印章：校验文件的印章与签名，或按当前信任库重新验证已存数据包'
}

/** The version in package.json, read where the package is installed. */
export function version (): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version
}

export function usage (): string {
  const width = Math.max(...COMMANDS.map(c => c.name.length))
  return [
    'lantai — a preservation repository for construction-project archives',
    '兰台 — 建设工程电子档案长期保存系统',
    '',
    'usage 用法: lantai <command> [options]',
    '',
    'commands 命令:',
    ...COMMANDS.flatMap(c => [
      `  ${c.name.padEnd(width)}  ${c.summary}`,
      ...[c.summaryZh ?? SUMMARY_ZH[c.name]].filter(z => z !== undefined).map(z => `  ${''.padEnd(width)}  ${z}`)
    ]),
    '',
    'Run `lantai <command> --help` for the options of one command.',
    '运行 `lantai <命令> --help` 查看该命令的选项。',
    '`lantai --version` prints the version (显示版本号).'
  ].join('\n')
}

export async function main (argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  const command = COMMANDS.find(c => c.name === name)
  if (command === undefined) {
    process.stderr.write(`lantai: 未知命令 / unknown command "${name}"\n\n${usage()}\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help + '\n')
    return 0
  }
  try {
    return await command.run(rest)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lantai ${command.name}: ${err.bilingual}\n\n${command.help}\n`)
      return 2
    }
    if (isLantaiError(err)) {
      process.stderr.write(`lantai ${command.name}: ${errorLine(err)}\n`)
      return 2
    }
    // A defect, not a finding: one line (the stack only when asked for), and exit 2, never 1.
    const e = err as Error
    process.stderr.write(`lantai ${command.name}: INTERNAL: 内部错误 / internal error: ${e.message ?? String(err)}\n`)
    if (process.env.LANTAI_LOG_LEVEL === 'debug' || process.env.LANTAI_LOG_LEVEL === 'trace') process.stderr.write(`${e.stack ?? ''}\n`)
    return 2
  }
}
