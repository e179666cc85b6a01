import type { AuditQuery, AuditRepository, AuditRow } from '../catalogue/index.js'

// The audit trail exported whole (issue 15 item 9), for the route and any command that carries it out
// of the system: streamed a page at a time, so memory does not grow with the trail.

const COLUMNS: ReadonlyArray<keyof AuditRow> = ['seq', 'at', 'actorId', 'actorRole', 'actorLabel', 'action', 'objectType', 'objectId', 'tier', 'outcome', 'requestId', 'ip', 'detail', 'alg', 'prevHash', 'hash']

// RFC 4180: quote a field holding a comma, quote or line break; double the quotes. A leading = + - @
// is prefixed with ' so a spreadsheet does not run it as a formula (CSV injection).
const csvField = (v: unknown): string => {
  let s = v === null || v === undefined ? '' : String(v)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const EXPORT_PAGE = 1000

/** Every row matching `query`, as CSV (with a header line) or a JSON array, a page at a time. */
export async function * exportTrail (audit: AuditRepository, query: Omit<AuditQuery, 'limit' | 'offset'>, format: 'json' | 'csv'): AsyncGenerator<string> {
  yield format === 'csv' ? COLUMNS.join(',') + '\r\n' : '['
  // a seq cursor, not an offset: rows appended while the export runs (its own requests' rows among
  // them) would shift an offset and repeat rows
  let cursor: number | undefined
  let first = true
  const asc = query.order === 'asc'
  for (;;) {
    const page = await audit.list({ ...query, limit: EXPORT_PAGE, offset: 0, ...(cursor === undefined ? {} : asc ? { afterSeq: cursor } : { beforeSeq: cursor }) })
    let chunk = ''
    for (const row of page.items) {
      chunk += format === 'csv' ? COLUMNS.map(c => csvField(row[c])).join(',') + '\r\n' : (first ? '' : ',') + JSON.stringify(row)
      first = false
    }
    if (chunk !== '') yield chunk
    if (page.items.length < EXPORT_PAGE) break
    cursor = page.items[page.items.length - 1]?.seq
  }
  if (format === 'json') yield ']'
}
