// LANTAI_DATABASE_URL names a PostgreSQL catalogue and usually carries its password: anything that
// shows the URL (a CONFIG_INVALID message, a log line, a DB_* error) shows it through redactDatabaseUrl.

/**
 * The URL with its password (in the user part or a `password=` parameter) replaced by `***`. It works
 * on text no parser accepts too (what a CONFIG_INVALID shows): everything between the user name and the
 * last `@` counts as password, since a raw `@`, `/` or `#` in a password is why such a URL fails to parse.
 */
export function redactDatabaseUrl (url: string): string {
  let out = url
  const start = out.indexOf('://')
  const at = out.lastIndexOf('@')
  if (start >= 0 && at > start) {
    const user = out.slice(start + 3, at)
    const colon = user.indexOf(':')
    if (colon >= 0) out = `${out.slice(0, start + 3)}${user.slice(0, colon)}:***${out.slice(at)}`
  }
  return out.replace(/([?&]password=)[^&#]*/gi, '$1***')
}

/** Whether a catalogue target names PostgreSQL (postgres:// or postgresql://) rather than a SQLite file. */
export const selectsPostgres = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target)

/** True for a URL that selects PostgreSQL: postgres:// or postgresql://, and parsable. */
export function isPostgresUrl (url: string): boolean {
  if (!selectsPostgres(url) || url.length <= url.indexOf('//') + 2) return false
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}
