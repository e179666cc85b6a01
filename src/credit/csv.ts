import type { CreditRecord } from '../catalogue/index.js'

// The CSV export of credit records (RFC 4180: CRLF, fields quoted when they hold a comma, quote or line
// break). A UTF-8 BOM first, so a spreadsheet opened by a click shows the Chinese names right.

const COLUMNS = ['id', 'type', 'standing', 'unit_uscc', 'unit_name', 'unit_role', 'persons', 'project_code', 'commitment_id', 'occurred_on', 'recorded_at', 'recorded_by', 'history'] as const

const field = (v: string): string => /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v

export function creditCsv (records: readonly CreditRecord[]): string {
  const rows = records.map(r => [
    r.id, r.type, r.standing, r.unit.uscc, r.unit.name, r.unit.role, r.persons.map(p => p.title === undefined ? p.name : `${p.name}(${p.title})`).join('; '),
    r.projectCode, r.commitmentId ?? '', r.occurredOn, r.recordedAt, r.recordedBy, r.history.map(h => `${h.kind}:${h.standing}@${h.recordedAt}`).join('; ')
  ].map(field).join(','))
  return '\ufeff' + [COLUMNS.join(','), ...rows].join('\r\n') + '\r\n'
}
