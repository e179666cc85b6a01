import { open } from 'node:fs/promises'
import type { FormatId } from '../acceptance/index.js'
import { ContainerError, DEFAULT_PDF_LIMITS, PdfDocument, child, childrenNamed, openOfdContainer, pageCount, parseXml, resolveLoc, type OfdContainer } from '../seals/index.js'

// Usability 3-4 (DA/T 70, 内容数据的可读性检测): a PDF/A or OFD "opens" when a reader could show its first
// page: for PDF a readable xref chain and trailer and a page tree with at least one page; for OFD the
// container, OFD.xml, its DocBody's Document.xml and the first page's content all parse. The seal
// readers already do this under hard bounds for hostile input; acceptance reuses them.

export interface OpenLimits {
  /** A PDF is read whole to walk its xref; a bigger one is not opened (the outcome says so). */
  maxPdfBytes: number
  /** An OFD is read in place; members over this size are not read. */
  maxOfdFileBytes: number
  maxXmlBytes: number
}

export const DEFAULT_OPEN_LIMITS: Readonly<OpenLimits> = Object.freeze({
  maxPdfBytes: 64 * 1024 * 1024,
  maxOfdFileBytes: 1024 * 1024 * 1024,
  maxXmlBytes: 8 * 1024 * 1024
})

export type OpenOutcome =
  | { readonly opens: true, readonly pages: number }
  | { readonly opens: false, readonly reason: string }
  /** not tried: beyond the bounds, or a format acceptance does not open */
  | { readonly opens: null, readonly reason: string }

/** Whether the file at `file`, identified as `format`, opens. Never throws for bad bytes. */
export async function opensFile (file: string, format: FormatId, limits: OpenLimits = DEFAULT_OPEN_LIMITS): Promise<OpenOutcome> {
  if (format === 'pdf' || format === 'pdf-a') return await opensPdf(file, limits)
  if (format === 'ofd') return await opensOfd(file, limits)
  return { opens: null, reason: `${format} files are not opened` }
}

async function opensPdf (file: string, limits: OpenLimits): Promise<OpenOutcome> {
  const handle = await open(file, 'r')
  let buf: Buffer
  try {
    const { size } = await handle.stat()
    if (size > limits.maxPdfBytes) return { opens: null, reason: `${size} bytes, over the ${limits.maxPdfBytes} bytes a PDF is opened within` }
    buf = Buffer.alloc(size)
    await handle.read(buf, 0, size, 0)
  } finally {
    await handle.close()
  }
  try {
    const doc = new PdfDocument(buf, DEFAULT_PDF_LIMITS)
    const pages = pageCount(doc, doc.revisions.length)
    if (pages === undefined) return { opens: false, reason: 'the page tree is beyond the reader\'s bounds' }
    if (pages === 0) return { opens: false, reason: 'the page tree has no page' }
    return { opens: true, pages }
  } catch (err) {
    return { opens: false, reason: (err as Error).message }
  }
}

async function opensOfd (file: string, limits: OpenLimits): Promise<OpenOutcome> {
  let container: OfdContainer
  try {
    container = await openOfdContainer(file, { maxFileBytes: limits.maxOfdFileBytes, maxEntries: 10_000, maxUncompressedBytes: 4 * limits.maxOfdFileBytes })
  } catch (err) {
    if (err instanceof ContainerError) return { opens: false, reason: err.message }
    throw err
  }
  try {
    const read = async (name: string): Promise<ReturnType<typeof parseXml>> => parseXml((await container.read(name, limits.maxXmlBytes)).toString('utf8'))
    const locate = (dir: string, loc: string): string | null => {
      // producers write ST_Loc relative to the referring file, or from the root without the leading "/"
      for (const candidate of [resolveLoc(dir, loc), resolveLoc('', loc)]) if (candidate !== null && container.has(candidate)) return candidate
      return null
    }
    if (!container.has('OFD.xml')) return { opens: false, reason: 'the package has no OFD.xml' }
    const ofd = await read('OFD.xml')
    if (ofd.name !== 'OFD') return { opens: false, reason: `OFD.xml has root <${ofd.name}>, not <OFD>` }
    // GB/T 33190 §7.4: the first DocBody's DocRoot is the document a reader shows
    const body = childrenNamed(ofd, 'DocBody')[0]
    const rootLoc = child(body, 'DocRoot')?.text.trim() ?? ''
    const docPath = rootLoc === '' ? null : locate('', rootLoc)
    if (docPath === null) return { opens: false, reason: rootLoc === '' ? 'OFD.xml names no DocRoot' : `DocRoot ${rootLoc} is not in the package` }
    const doc = await read(docPath)
    if (doc.name !== 'Document') return { opens: false, reason: `${docPath} has root <${doc.name}>, not <Document>` }
    const pages = childrenNamed(child(doc, 'Pages'), 'Page')
    const first = pages[0]?.attrs.BaseLoc ?? ''
    if (first === '') return { opens: false, reason: `${docPath} lists no page` }
    const docDir = docPath.includes('/') ? docPath.slice(0, docPath.lastIndexOf('/')) : ''
    const pagePath = locate(docDir, first)
    if (pagePath === null) return { opens: false, reason: `page ${first} is not in the package` }
    const page = await read(pagePath)
    if (page.name !== 'Page') return { opens: false, reason: `${pagePath} has root <${page.name}>, not <Page>` }
    return { opens: true, pages: pages.length }
  } catch (err) {
    return { opens: false, reason: (err as Error).message }
  } finally {
    container.close()
  }
}
