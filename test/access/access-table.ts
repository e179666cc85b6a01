import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// The written table of docs/access.md, read as the matrix test and the table test check it.

export interface WrittenRow { action: string, roles: string[], tiered: boolean }

export function writtenTable (): Map<string, WrittenRow> {
  const text = readFileSync(join(import.meta.dirname, '../../docs/access.md'), 'utf8')
  const lines = text.split('\n').filter(l => l.startsWith('| '))
  const header = lines.find(l => l.startsWith('| action |'))
  if (header === undefined) throw new Error('docs/access.md has no action table')
  const cols = header.split('|').slice(1, -1).map(c => c.trim())
  const out = new Map<string, WrittenRow>()
  for (const line of lines) {
    const cells = line.split('|').slice(1, -1).map(c => c.trim())
    const m = /^`([\w.-]+)`$/.exec(cells[0] ?? '')
    if (m?.[1] === undefined) continue
    const roles = cols.slice(1, -2).filter((_, i) => cells[i + 1] === '✓')
    out.set(m[1], { action: m[1], roles, tiered: cells[cols.length - 2] === 'yes' })
  }
  return out
}
