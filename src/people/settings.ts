// How long a console session lives, how many wrong passwords lock an account and for how long, and how
// long a credential request waits for a decision. loadConfig fills these from LANTAI_* variables.

export interface PeopleSettings {
  /** wrong passwords within `lockMs` that lock the account */
  maxFailures: number
  /** how long a lockout lasts; also the window the failures are counted in */
  lockMs: number
  /** a console session's lifetime from login */
  sessionMs: number
  /** how long a credential request waits for a security officer */
  requestMs: number
}

export const DEFAULT_PEOPLE_SETTINGS: PeopleSettings = { maxFailures: 5, lockMs: 15 * 60_000, sessionMs: 8 * 3600_000, requestMs: 7 * 24 * 3600_000 }

/** The settings from the service's configuration (minutes there, milliseconds here). */
export const peopleSettings = (config: { loginMaxFailures: number, loginLockMinutes: number, sessionMinutes: number }): PeopleSettings => ({
  ...DEFAULT_PEOPLE_SETTINGS, maxFailures: config.loginMaxFailures, lockMs: config.loginLockMinutes * 60_000, sessionMs: config.sessionMinutes * 60_000
})
