import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ERROR_CODES, type LantaiError } from '../errors.js'

export interface Command {
  readonly name: string
  readonly summary: string
  /** The one-line summary in Chinese, for `lantai --help`. */
  readonly summaryZh?: string
  readonly help: string
  run (argv: readonly string[]): Promise<number>
}

/** Wrong arguments: printed with the command's help, exit 2. Worded in both languages, Chinese first. */
export class UsageError extends Error {
  constructor (message: string, readonly zh: string = '') { super(message) }

  /** `zh / en`, or the English alone when there is no Chinese (node's own parseArgs messages). */
  get bilingual (): string { return this.zh === '' ? this.message : `${this.zh} / ${this.message}` }
}

/** node:util parseArgs, with its errors turned into UsageError. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>> (argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message, '参数有误（见下方用法）')
  }
}

/** A non-negative integer option, or undefined when absent. */
export function intOption (value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes a whole number, not ${JSON.stringify(value)}`, `--${name} 须为非负整数，而不是 ${JSON.stringify(value)}`)
  return Number(value)
}

/** What a LantaiError adds to its code's meaning (a path, a variable and its value), or ''. */
export function errorDetail (err: LantaiError): string {
  const en = ERROR_CODES[err.code].en
  return err.message.startsWith(`${en}: `) ? err.message.slice(en.length + 2) : ''
}

/** One line for the terminal: `CODE: 中文 / English: detail` (the detail names things, so it needs no translation). */
export function errorLine (err: LantaiError): string {
  const { zh, en } = ERROR_CODES[err.code]
  const detail = errorDetail(err)
  return `${err.code}: ${zh} / ${en}${detail === '' ? '' : `: ${detail}`}`
}

/** Resolves at the first SIGTERM or SIGINT: a long-running command (serve, worker) then closes its service. */
export async function untilStopped (): Promise<void> {
  await new Promise<void>(resolve => {
    const stop = (): void => { resolve() }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}
