// The commitment period (notice (七): items owed are due at most three months after the start). Dates
// are calendar dates (YYYY-MM-DD, Beijing); a month later than 31 January is the last day of February,
// the way a person reading the letter counts, never the 3rd of March.

/** `date` plus `months` calendar months, clamped to the last day of the month reached. */
export function addMonths (date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const index = (y * 12 + (m - 1)) + months
  const year = Math.floor(index / 12)
  const month = index % 12
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`
}

/** YYYY-MM-DD and a real calendar day. */
export const isDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s
