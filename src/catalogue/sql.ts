import { CompiledQuery, sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import { LantaiError, type ErrorCode } from '../errors.js'
import type { Engine, Executor } from './db/schema.js'

// Small helpers shared by the repositories: JSON columns, LIKE patterns, paging, constraint errors and
// multi-row inserts.

export type Clock = () => Date

export interface Page<T> { items: T[], total: number }

export interface PageQuery { limit: number, offset: number }

export const toJson = (value: unknown): string | null => value === null || value === undefined ? null : JSON.stringify(value)

export const fromJson = (text: string | null): unknown => text === null ? null : JSON.parse(text) as unknown

/** `q` as a LIKE pattern matching anywhere; `\` escapes the wildcards so `50%` means "50%". */
export const likeAnywhere = (q: string | undefined): string | null =>
  q === undefined || q === '' ? null : `%${q.replace(/[\\%_]/g, c => '\\' + c)}%`

/**
 * `column` matches a likeAnywhere pattern, ignoring ASCII case on both engines: SQLite's LIKE does,
 * PostgreSQL's ILIKE does (its LIKE does not). Both escape with `\`.
 */
export const matches = (engine: Engine, column: Expression<unknown>, pattern: string): RawBuilder<SqlBool> =>
  engine === 'postgres' ? sql<SqlBool>`${column} ILIKE ${pattern}` : sql<SqlBool>`${column} LIKE ${pattern} ESCAPE '\\'`

/**
 * `column` is one of `values`, bound as one parameter whatever their number: an array on PostgreSQL, a
 * JSON array on SQLite. IN lists took a statement per few hundred values and, on PostgreSQL, a round
 * trip each.
 */
export const oneOf = (engine: Engine, column: Expression<unknown>, values: readonly string[]): RawBuilder<SqlBool> =>
  engine === 'postgres' ? sql<SqlBool>`${column} = ANY(${values}::text[])` : sql<SqlBool>`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`

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

export const addMs = (at: Date, ms: number): string => new Date(at.getTime() + ms).toISOString()

/** A constraint a statement broke, the same on both engines; `constraint` names it (table.column on SQLite, the constraint on PostgreSQL). */
export interface Violation { kind: 'unique' | 'foreign-key' | 'check', constraint: string }

/**
 * SQLite reports SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY / _FOREIGNKEY / _CHECK with the columns in the
 * message ("UNIQUE constraint failed: versions.submission_id"); PostgreSQL reports SQLSTATE 23505 / 23503
 * / 23514 with the constraint's name ("versions_submission_id_key"). Null for any other error.
 */
export function violation (err: unknown): Violation | null {
  if (typeof err !== 'object' || err === null) return null
  const { code, message, constraint } = err as { code?: unknown, message?: unknown, constraint?: unknown }
  const kind = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
    ? 'unique'
    : code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503' ? 'foreign-key' : code === 'SQLITE_CONSTRAINT_CHECK' || code === '23514' ? 'check' : null
  if (kind === null) return null
  const name = typeof constraint === 'string' ? constraint : String(message ?? '').replace(/^.*constraint failed: ?/i, '')
  return { kind, constraint: name }
}

/** Runs `work`; a constraint it breaks is given to `map`, whose LantaiError (if any) is thrown instead. */
export async function mapViolation<T> (work: () => Promise<T>, map: (v: Violation, err: unknown) => LantaiError | undefined): Promise<T> {
  try {
    return await work()
  } catch (err) {
    const v = violation(err)
    const mapped = v === null ? undefined : map(v, err)
    throw mapped ?? err
  }
}

/** The element type of a column as PostgreSQL's unnest takes it (SQLite needs none). */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'bytea' | 'float8'

/** The columns of a multi-row insert, in the order of each row's values, with their types. */
export type Columns = Readonly<Record<string, ColumnType>>

/**
 * Rows one PostgreSQL statement carries as arrays. Bigger chunks save round trips but hold more of the
 * array text at once; at 20,000 a version of 100,000 files is five statements per table.
 */
const ROWS_PER_ARRAY_STATEMENT = 20_000

/**
 * Inserts rows many to a statement: a version of 100,000 files is a few statements, not 100,000 round
 * trips. SQLite takes VALUES lists as long as its parameter limit allows (it parses them in-process).
 * PostgreSQL takes one array per column, `INSERT … SELECT * FROM unnest($1::text[], …)`: a VALUES list
 * there costs a typed parameter per value to bind and a row per tuple to plan, which made recording a
 * version twice as slow as on SQLite. The statement text is built here, not by the query builder, which
 * would build and walk a tree of every value. `suffix` follows the rows (ON CONFLICT …, RETURNING …);
 * the rows each statement returns are concatenated.
 */
export async function insertMany<R = unknown> (
  db: Executor, engine: Engine, maxParams: number, table: string, columns: Columns, rows: ReadonlyArray<readonly unknown[]>, suffix = ''
): Promise<R[]> {
  const names = Object.keys(columns)
  const out: R[] = []
  if (engine === 'postgres') {
    const types = Object.values(columns)
    const source = `SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`
    for (let start = 0; start < rows.length; start += ROWS_PER_ARRAY_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_ARRAY_STATEMENT)
      const arrays = names.map((_, c) => chunk.map(row => row[c]))
      const result = await db.executeQuery<R>(CompiledQuery.raw(`INSERT INTO ${table} (${names.join(', ')}) ${source} ${suffix}`, arrays))
      out.push(...result.rows)
    }
    return out
  }
  const per = Math.max(1, Math.floor(maxParams / names.length))
  const tuple = `(${names.map(() => '?').join(', ')})`
  for (let start = 0; start < rows.length; start += per) {
    const chunk = rows.slice(start, start + per)
    const params: unknown[] = []
    for (const row of chunk) for (const v of row) params.push(v)
    const text = `INSERT INTO ${table} (${names.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ${suffix}`
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, params))
    out.push(...result.rows)
  }
  return out
}

/**
 * The violation mapper of a row a project owns (a unit, a permit, a phase): a duplicate within the
 * project is `exists` naming `what`, a project that is not there PROJECT_NOT_FOUND.
 */
export const projectRowViolation = (projectCode: string, exists: ErrorCode, what: string, details: Record<string, unknown>) =>
  (v: { kind: string }, err: unknown): LantaiError | undefined =>
    v.kind === 'unique'
      ? new LantaiError(exists, `${projectCode}: ${what}`, { code: projectCode, ...details }, { cause: err })
      : v.kind === 'foreign-key' ? new LantaiError('PROJECT_NOT_FOUND', projectCode, { code: projectCode }, { cause: err }) : undefined
