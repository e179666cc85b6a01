// HTTP Range (RFC 9110 §14) for file downloads: one range, in any of its three forms. Several ranges
// at once are answered with the whole file, which RFC 9110 allows.

export type RangeResult = { kind: 'full' } | { kind: 'partial', start: number, end: number } | { kind: 'unsatisfiable' }

export function parseRange (header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' }
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null || (m[1] === '' && m[2] === '')) return { kind: 'full' }
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size || start > end) return { kind: 'unsatisfiable' }
  return { kind: 'partial', start, end }
}
