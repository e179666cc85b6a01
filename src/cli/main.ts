import { isLantaiError } from '../errors.js'
import { fixityCommand } from './commands/fixity.js'
import { ingestCommand } from './commands/ingest.js'
import { ocflCommand } from './commands/ocfl.js'
import { sealsCommand } from './commands/seals.js'
import { serveCommand } from './commands/serve.js'
import { tokenCommand } from './commands/token.js'
import { validateCommand } from './commands/validate.js'
import { UsageError, type Command } from './command.js'

// `lantai <command>`: one binary, one module per verb. Results go to stdout, logs and progress to
// stderr; exit 0 ok, 1 findings, 2 usage or I/O (BRIEF §4).

const COMMANDS: readonly Command[] = [serveCommand, validateCommand, ingestCommand, tokenCommand, fixityCommand, ocflCommand, sealsCommand]

export function usage (): string {
  const width = Math.max(...COMMANDS.map(c => c.name.length))
  return [
    'lantai — a preservation repository for construction-project archives (兰台)',
    '',
    'usage: lantai <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `lantai <command> --help` for the options of one command.'
  ].join('\n')
}

export async function main (argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS.find(c => c.name === name)
  if (command === undefined) {
    process.stderr.write(`lantai: unknown command "${name}"\n\n${usage()}\n`)
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
      process.stderr.write(`lantai ${command.name}: ${err.message}\n\n${command.help}\n`)
      return 2
    }
    if (isLantaiError(err)) {
      process.stderr.write(`lantai ${command.name}: ${err.code}: ${err.message}\n`)
      return 2
    }
    throw err
  }
}
