import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../config.js'
import { isLantaiError } from '../errors.js'
import { errorLine, UsageError, type Command } from './command.js'

// `lantai <command>`: one binary, one module per verb. Results go to stdout, logs and progress to
// stderr; exit 0 ok, 1 findings, 2 usage or I/O (BRIEF §4). Nothing but a finding may exit 1: a cron
// monitor of `lantai fixity run` reads 1 as damage, so every other failure is one line and exit 2.

// Each command's module is loaded only when that command runs: `lantai validate` then never loads the
// service (fastify, pg, pkijs …), which was 30 MB of its resident memory before it read a byte (issue
// 13: validation under 100 MB). `--help` without a command loads them all, for their summaries.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  bag: async () => (await import('./commands/bag.js')).bagCommand,
  ingest: async () => (await import('./commands/ingest.js')).ingestCommand,
  token: async () => (await import('./commands/token.js')).tokenCommand,
  accounts: async () => (await import('./commands/accounts.js')).accountsCommand,
  fixity: async () => (await import('./commands/fixity.js')).fixityCommand,
  ocfl: async () => (await import('./commands/ocfl.js')).ocflCommand,
  seals: async () => (await import('./commands/seals.js')).sealsCommand,
  decide: async () => (await import('./commands/decide.js')).decideCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  documents: async () => (await import('./commands/documents.js')).documentsCommand,
  commitments: async () => (await import('./commands/commitments.js')).commitmentsCommand,
  approvals: async () => (await import('./commands/approvals.js')).approvalsCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  replicate: async () => (await import('./commands/replicate.js')).replicateCommand,
  catalogue: async () => (await import('./commands/catalogue.js')).catalogueCommand,
  drill: async () => (await import('./commands/drill.js')).drillCommand
}

/** Chinese summaries of commands whose modules do not carry one yet. */
const SUMMARY_ZH: Readonly<Record<string, string>> = {
  fixity: '立即核对已存文件的摘要（全部或单个数据包）',
  seals: '电子印章：校验文件的印章与签名，或按当前信任库重新验证已存数据包'
}

/** The version in package.json, read where the package is installed. */
export function version (): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version
}

export async function usage (): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map(async load => await load()))
  const width = Math.max(...commands.map(c => c.name.length))
  return [
    'lantai — a preservation repository for construction-project archives',
    '兰台 — 建设工程电子档案长期保存系统',
    '',
    'usage 用法: lantai <command> [options]',
    '',
    'commands 命令:',
    ...commands.flatMap(c => [
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
    process.stdout.write(await usage() + '\n')
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (load === undefined) {
    process.stderr.write(`lantai: 未知命令 / unknown command "${name}"\n\n${await usage()}\n`)
    return 2
  }
  const command = await load()
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
