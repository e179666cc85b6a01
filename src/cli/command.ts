import { parseArgs, type ParseArgsConfig } from 'node:util'

export interface Command {
  readonly name: string
  readonly summary: string
  readonly help: string
  run (argv: readonly string[]): Promise<number>
}

/** Wrong arguments: printed with the command's help, exit 2. */
export class UsageError extends Error {}

/** node:util parseArgs, with its errors turned into UsageError. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>> (argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** A non-negative integer option, or undefined when absent. */
export function intOption (value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes a whole number, not ${JSON.stringify(value)}`)
  return Number(value)
}
