import { redactDatabaseUrl } from '../../database-url.js'
import { LantaiError } from '../../errors.js'

// PostgreSQL failures, as codes a person (opening) or a client (mid-request, 503) can act on. The
// message names LANTAI_DATABASE_URL with its password blanked: it goes to logs and terminals.

interface PgLikeError { code?: unknown, message?: unknown }

const codeOf = (err: unknown): string => String((err as PgLikeError | null)?.code ?? '')
const messageOf = (err: unknown): string => String((err as PgLikeError | null)?.message ?? '')

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'])

/** An error of opening the first connection as DB_UNREACHABLE, DB_AUTH_FAILED or DB_NOT_FOUND; anything else as given. */
export function connectError (err: unknown, target: string): unknown {
  const code = codeOf(err)
  const shown = `LANTAI_DATABASE_URL=${redactDatabaseUrl(target)}`
  const details = { variable: 'LANTAI_DATABASE_URL', url: redactDatabaseUrl(target), cause: code === '' ? messageOf(err) : code }
  if (UNREACHABLE.has(code) || /timeout/i.test(messageOf(err))) return new LantaiError('DB_UNREACHABLE', shown, details, { cause: err })
  if (code === '28P01' || code === '28000') return new LantaiError('DB_AUTH_FAILED', shown, details, { cause: err })
  if (code === '3D000') return new LantaiError('DB_NOT_FOUND', shown, details, { cause: err })
  return lostError(err)
}

/**
 * A connection lost under a query (reset, server shut down or the backend terminated, SQLSTATE class 08
 * and 57P0x) as DB_UNAVAILABLE, a deadlock or serialization failure as DB_CONFLICT (both transient: 503,
 * retried by job runners); anything else, constraint violations included, as given.
 */
export function lostError (err: unknown): unknown {
  if (err instanceof LantaiError) return err
  const code = codeOf(err)
  const message = messageOf(err)
  const lost = code === 'ECONNRESET' || code === 'EPIPE' || code.startsWith('08') || /^57P0[1-3]$/.test(code) ||
    /Connection terminated|Client has encountered a connection error|Client was closed/i.test(message)
  // READ COMMITTED with row locks has no serialization failures, but two transactions may still
  // deadlock; either way the work was rolled back whole and may simply be tried again.
  if (code === '40001' || code === '40P01') return new LantaiError('DB_CONFLICT', `${code} ${message}`, { cause: code }, { cause: err })
  return lost ? new LantaiError('DB_UNAVAILABLE', code === '' ? message : `${code} ${message}`, { cause: code === '' ? message : code }, { cause: err }) : err
}
