import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { BAG_CODES } from '../../bagit/index.js'
import { ERROR_CODES } from '../../errors.js'

// Every problem's `type` is `/docs/errors#CODE` (issue 11 item 16): this serves docs/errors.md there as
// a small HTML page, each code with its own anchor, public like the rest of /docs. The markdown is the
// generated kind (headings, paragraphs, tables, `code`, *emphasis* and the `<a id>` anchors), so a few
// lines render it; a code the file does not list yet (a stale docs/errors.md) is added at the end from
// the catalogues, so that no link can dangle.

const DOC = new URL('../../../docs/errors.md', import.meta.url)

const escape = (s: string): string => s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c)

const ANCHOR = /<a id="([A-Z][A-Z0-9_]*)"><\/a>/g

function inline (text: string): string {
  return text.split(ANCHOR).map((part, i) => i % 2 === 1
    ? `<a id="${part}"></a>`
    : escape(part.replace(/\\\|/g, '|')).replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\*([^*\s][^*]*)\*/g, '<em>$1</em>')).join('')
}

const cells = (row: string): string[] => row.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map(c => c.trim())

export function renderErrorsPage (markdown: string): string {
  const out: string[] = []
  let paragraph: string[] = []
  let table: string[][] | null = null
  const flushParagraph = (): void => {
    if (paragraph.length > 0) out.push(`<p>${inline(paragraph.join(' '))}</p>`)
    paragraph = []
  }
  const flushTable = (): void => {
    if (table !== null) {
      const [head = [], ...rows] = table
      out.push('<table>', `<tr>${head.map(c => `<th>${inline(c)}</th>`).join('')}</tr>`,
        ...rows.map(r => `<tr>${r.map(c => `<td>${inline(c)}</td>`).join('')}</tr>`), '</table>')
    }
    table = null
  }
  for (const line of markdown.replace(/<!--[\s\S]*?-->/g, '').split('\n')) {
    const heading = /^(#{1,3}) (.*)$/.exec(line)
    if (heading !== null || line.trim() === '') { flushParagraph(); flushTable() }
    if (heading !== null) {
      const level = heading[1]?.length ?? 1
      out.push(`<h${level}>${inline(heading[2] ?? '')}</h${level}>`)
    } else if (line.startsWith('|')) {
      flushParagraph()
      if (!/^\|[\s|:-]+\|$/.test(line.trim())) table = [...(table ?? []), cells(line)]
    } else if (line.trim() !== '') {
      flushTable()
      paragraph.push(line.trim())
    }
  }
  flushParagraph()
  flushTable()
  const listed = new Set([...out.join('\n').matchAll(ANCHOR)].map(m => m[1]))
  const catalogues: Record<string, { en: string, zh: string }> = { ...BAG_CODES, ...ERROR_CODES }
  const missing = Object.entries(catalogues).filter(([code]) => !listed.has(code))
  if (missing.length > 0) {
    out.push('<h2>Not yet in docs/errors.md</h2>', '<table>', '<tr><th>Code</th><th>Meaning</th><th>含义</th></tr>',
      ...missing.map(([code, m]) => `<tr><td><a id="${code}"></a><code>${code}</code></td><td>${escape(m.en)}</td><td>${escape(m.zh)}</td></tr>`), '</table>')
  }
  return '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Lantai codes 兰台代码</title>' +
    '<style>body{font-family:sans-serif;max-width:72rem;margin:auto;padding:1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}:target{background:#ffc}</style>' +
    `</head><body>\n${out.join('\n')}\n</body></html>\n`
}

export const errorDocs = fp(async (app: FastifyInstance) => {
  const markdown = await readFile(DOC, 'utf8').catch(() => '# Lantai codes\n')
  const page = renderErrorsPage(markdown)
  app.get('/docs/errors', {
    config: { public: true },
    schema: { summary: 'Every error and finding code with its meaning in English and Chinese; the target of each problem\'s `type`', tags: ['service'], security: [] }
  }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page))
}, { name: 'error-docs', dependencies: ['auth'] })
