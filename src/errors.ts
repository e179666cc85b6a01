// Operational errors: the request or the environment is wrong, not the bag. A bad bag is never one of
// these; it is a list of findings (src/bagit/codes.ts). Each code is declared once with its meaning.

export const ERROR_CODES = {
  USAGE: { transient: false, en: 'the command was called wrongly' },
  PATH_NOT_FOUND: { transient: false, en: 'the path does not exist' },
  PATH_UNREADABLE: { transient: false, en: 'the path cannot be opened' },
  PROFILE_INVALID: { transient: false, en: 'the BagIt profile is not valid JSON of the BagIt Profiles form' },
  CONFIG_INVALID: { transient: false, en: 'the configuration has bad values' },
  STAGING_FAILED: { transient: true, en: 'the staging area could not be written' },
  ABORTED: { transient: true, en: 'the operation was cancelled' }
} as const satisfies Record<string, { transient: boolean, en: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export class LantaiError extends Error {
  constructor (readonly code: ErrorCode, detail?: string, readonly details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(detail === undefined ? ERROR_CODES[code].en : `${ERROR_CODES[code].en}: ${detail}`, options)
    this.name = 'LantaiError'
  }

  get transient (): boolean { return ERROR_CODES[this.code].transient }
}

export const isLantaiError = (e: unknown): e is LantaiError => e instanceof LantaiError
