import { LantaiError } from '../errors.js'

// Small helpers shared by the repositories: JSON columns, LIKE patterns, paging and constraint errors.

export type Clock = () => Date

export interface Page<T> { items: T[], total: number }

export interface PageQuery { limit: number, offset: number }

export const toJson = (value: unknown): string | null => value === null || value === undefined ? null : JSON.stringify(value)

export const fromJson = (text: string | null): unknown => text === null ? null : JSON.parse(text) as unknown

/** `q` as a LIKE pattern matching anywhere; `\` escapes the wildcards so `50%` means "50%". */
export const likeAnywhere = (q: string | undefined): string | null =>
  q === undefined || q === '' ? null : `%${q.replace(/[\\%_]/g, c => '\\' + c)}%`

/** A timestamp bound normalised to the stored form, so '2024-05-01' and '+08:00' offsets compare right. */
export function isoBound (name: string, value: string | undefined): string | null {
  if (value === undefined || value === '') return null
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `${name} is not a date: ${value}`, { [name]: value })
  return new Date(ms).toISOString()
}

export function checkPage ({ limit, offset }: PageQuery): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `limit must be a positive integer, got ${limit}`)
  if (!Number.isSafeInteger(offset) || offset < 0) throw new LantaiError('CATALOGUE_ARGUMENT_INVALID', `offset must be a non-negative integer, got ${offset}`)
}

/** better-sqlite3 reports constraint failures as SqliteError with an extended code. */
export const isConstraint = (err: unknown, code: string): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code

export const addMs = (at: Date, ms: number): string => new Date(at.getTime() + ms).toISOString()
