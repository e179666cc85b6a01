// Facts for rule R0 (research-seals.md §6): is this PDF a scan? Two hints, both best effort:
// the producer strings (document information dictionary and XMP) naming scanning software, and
// every page being one image drawn over the whole page with no text. decision.ts treats any hint as
// "looks scanned", so only positive findings go in; "could not tell" never does.
import { isArray, isStream, latin1, nameOf, textOf, type PdfDict, type PdfObject } from './lexer.js'
import type { PdfDocument } from './xref.js'

// Names of scanning software and scanning devices seen in /Producer and /Creator. Short on purpose:
// a false hint costs a paper copy, not a wrong waiver.
const SCANNER_PATTERNS: RegExp[] = [
  /scan/i, // ScanSnap, Adobe Scan, CamScanner, Epson Scan, "Scanned by…"
  /扫描/, /掃描/, /Kofax/i, /ABBYY/i, /PaperPort/i, /NAPS2/i, /TWAIN/i,
  /imageRUNNER/i, /iR-ADV/i, /bizhub/i, /WorkCentre/i
]

const MAX_PAGES_CHECKED = 2000
const MAX_CONTENT_BYTES = 1024 * 1024

export function originHints (doc: PdfDocument): string[] {
  const hints: string[] = []
  const rev = doc.revisions.length
  const trailer = doc.revisions[rev - 1]!.trailer
  const info = doc.dict(trailer.entries.get('Info'), rev)
  const root = doc.dict(trailer.entries.get('Root'), rev)
  const producers: Array<[string, string]> = []
  for (const key of ['Producer', 'Creator']) {
    const v = textOf(doc.resolve(info?.entries.get(key), rev))
    if (v !== undefined) producers.push([key, v])
  }
  for (const [key, v] of xmpProducers(doc, root, rev)) producers.push([key, v])
  const seen = new Set<string>()
  for (const [key, v] of producers) {
    if (!SCANNER_PATTERNS.some(p => p.test(v)) || seen.has(v)) continue
    seen.add(v)
    hints.push(`${key} names scanning software: "${v.slice(0, 200)}"`)
  }
  const pages = imageOnlyPages(doc, root, rev)
  if (pages !== undefined) hints.push(`every page (${pages}) is a single full-page image with no text (best-effort content check)`)
  return hints
}

function xmpProducers (doc: PdfDocument, root: PdfDict | undefined, rev: number): Array<[string, string]> {
  const meta = doc.resolve(root?.entries.get('Metadata'), rev)
  if (!isStream(meta)) return []
  let xml: string
  try { xml = Buffer.from(doc.decode(meta)).subarray(0, MAX_CONTENT_BYTES).toString('utf8') } catch { return [] }
  const out: Array<[string, string]> = []
  for (const [key, tag] of [['XMP pdf:Producer', 'pdf:Producer'], ['XMP xmp:CreatorTool', 'xmp:CreatorTool']] as const) {
    const m = new RegExp(`<${tag}>([^<]{1,500})</${tag}>|${tag}="([^"]{1,500})"`).exec(xml)
    const v = m?.[1] ?? m?.[2]
    if (v !== undefined) out.push([key, v])
  }
  return out
}

/** The page count when every page is one full-page image and nothing else; undefined otherwise or when unsure. */
function imageOnlyPages (doc: PdfDocument, root: PdfDict | undefined, rev: number): number | undefined {
  const pages: PdfDict[] = []
  const stack: Array<{ node: PdfObject | undefined, depth: number }> = [{ node: root?.entries.get('Pages'), depth: 0 }]
  const visited = new Set<PdfObject>()
  let budget = doc.limits.maxTreeNodes
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!
    if (--budget < 0 || depth > doc.limits.maxDepth || pages.length > MAX_PAGES_CHECKED) return undefined
    const d = doc.dict(node, rev)
    if (d === undefined || visited.has(d)) continue
    visited.add(d)
    const type = nameOf(d.entries.get('Type'))
    if (type === 'Page') { pages.push(d); continue }
    const kids = doc.resolve(d.entries.get('Kids'), rev)
    if (isArray(kids)) for (const k of [...kids.items].reverse()) stack.push({ node: k, depth: depth + 1 })
  }
  if (pages.length === 0) return undefined
  for (const page of pages) if (!isFullPageImage(doc, page, rev)) return undefined
  return pages.length
}

function isFullPageImage (doc: PdfDocument, page: PdfDict, rev: number): boolean {
  const box = doc.resolve(page.entries.get('MediaBox') ?? inherited(doc, page, 'MediaBox', rev), rev)
  const nums = isArray(box) ? box.items.map(x => doc.resolve(x, rev)).filter((x): x is number => typeof x === 'number') : []
  if (nums.length !== 4) return false
  const width = Math.abs(nums[2]! - nums[0]!); const height = Math.abs(nums[3]! - nums[1]!)
  const contents = doc.resolve(page.entries.get('Contents'), rev)
  const parts = isArray(contents) ? contents.items.map(x => doc.resolve(x, rev)) : [contents]
  let text = ''
  try {
    for (const p of parts) {
      if (!isStream(p)) return false
      text += latin1(doc.decode(p).subarray(0, MAX_CONTENT_BYTES)) + '\n'
      if (text.length > MAX_CONTENT_BYTES) return false
    }
  } catch { return false }
  // text-showing operators (ISO 32000-1 §9.4.3) mean the page is not just a picture
  if (/\bBT\b|\bT[Jj]\b/.test(text)) return false
  const draws = [...text.matchAll(/\/([^\s/[\]()<>]+)\s+Do\b/g)]
  if (draws.length !== 1) return false
  const resources = doc.dict(page.entries.get('Resources') ?? inherited(doc, page, 'Resources', rev), rev)
  const xobject = doc.dict(resources?.entries.get('XObject'), rev)
  const image = doc.dict(xobject?.entries.get(draws[0]![1]!), rev)
  if (nameOf(image?.entries.get('Subtype')) !== 'Image') return false
  // an image is drawn into the unit square, so the `cm` scale is its size on the page
  const cm = /([-+\d.]+)\s+([-+\d.]+)\s+([-+\d.]+)\s+([-+\d.]+)\s+([-+\d.]+)\s+([-+\d.]+)\s+cm\b/.exec(text)
  if (cm === null) return false
  const [a, b, c, d] = [Number(cm[1]), Number(cm[2]), Number(cm[3]), Number(cm[4])]
  const w = Math.max(Math.abs(a), Math.abs(b)); const h = Math.max(Math.abs(c), Math.abs(d))
  // a rotated scan swaps width and height
  const fits = (x: number, y: number): boolean => x >= 0.9 * width && y >= 0.9 * height
  return fits(w, h) || fits(h, w)
}

function inherited (doc: PdfDocument, page: PdfDict, key: string, rev: number): PdfObject | undefined {
  let d: PdfDict | undefined = page
  for (let i = 0; i < 32 && d !== undefined; i++) {
    const v = d.entries.get(key)
    if (v !== undefined) return v
    d = doc.dict(d.entries.get('Parent'), rev)
  }
  return undefined
}

