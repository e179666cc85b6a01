import { readFile } from 'node:fs/promises'
import PDFDocument from 'pdfkit'
import { LantaiError } from '../errors.js'

// The font Chinese text is set in (LANTAI_DOCUMENT_FONT, LANTAI_DOCUMENT_FONT_FAMILY): read once, checked by
// opening it as the layout will, so a missing file or a wrong name inside a collection is one clear
// DOCUMENT_FONT_MISSING when a PDF is asked for, never a crash at start or a page of empty boxes.

export interface DocumentFont {
  readonly path: string
  /** the PostScript name of the face inside a collection (.ttc); null for a single-font file */
  readonly family: string | null
  readonly data: Buffer
}

export async function loadDocumentFont (path: string, family: string | null): Promise<DocumentFont> {
  const about = { font: path, ...(family === null ? {} : { family }) }
  let data: Buffer
  try {
    data = await readFile(path)
  } catch (err) {
    throw new LantaiError('DOCUMENT_FONT_MISSING', `${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, about, { cause: err })
  }
  try {
    const probe = new PDFDocument({ autoFirstPage: false })
    probe.registerFont('probe', data, family ?? undefined)
    probe.font('probe')
    // a collection opened without a face name has no glyphs to lay out
    probe.widthOfString('档案')
  } catch (err) {
    throw new LantaiError('DOCUMENT_FONT_MISSING', `${path}${family === null ? '' : ` (${family})`}: ${(err as Error).message}`, about, { cause: err })
  }
  return { path, family, data }
}
