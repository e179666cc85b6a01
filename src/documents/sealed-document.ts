import type { AcceptanceDocumentBody } from '../acceptance/index.js'
import type { Config } from '../config.js'
import { LantaiError } from '../errors.js'
import { verifyPdfBytes, type FileVerification, type TrustStore } from '../seals/index.js'
import { loadCenterSigner, type CenterSigner } from './center-key.js'
import { loadDocumentFont, type DocumentFont } from './font.js'
import { addSealField, sealPdf } from './pades.js'
import { layoutDocument, type PdfDocument } from './pdf-layout.js'

// The documents Lantai issues as PDFs sealed by the center (issue 14 item 6): laid out from the same data
// as the JSON and the HTML page, sealed with the center's key (PAdES-B), verifiable by anyone holding the
// center's root (`lantai seals verify`). A PDF is made when asked for: the document's data is the record,
// the seal is applied at each rendering with the key then configured.

export interface DocumentSealerOptions {
  /** the center's key; null: not configured, and PDFs answer DOCUMENT_SEAL_NOT_CONFIGURED */
  signer: CenterSigner | null
  font: { path: string, family: string | null }
  now?: () => Date
}

export class DocumentSealer {
  #font: Promise<DocumentFont> | undefined

  constructor (private readonly options: DocumentSealerOptions) {}

  get configured (): boolean { return this.options.signer !== null }

  /** The document as a sealed PDF. DOCUMENT_SEAL_NOT_CONFIGURED without the center's key, DOCUMENT_FONT_MISSING without the font. */
  async pdf (doc: AcceptanceDocumentBody): Promise<Buffer> {
    const signer = this.options.signer
    if (signer === null) throw new LantaiError('DOCUMENT_SEAL_NOT_CONFIGURED', doc.number, { number: doc.number })
    const font = await this.font()
    const signingTime = (this.options.now ?? (() => new Date()))()
    const pdf = layoutDocument(doc, font, { sealedBy: signer.certificate.subject.replaceAll('\n', ', ') })
    addSealField(pdf, {
      signingTime,
      name: doc.issuer.zh,
      reason: `${doc.title.zh} ${doc.number}`,
      location: doc.issuer.zh
    })
    return await sealPdf(await bytesOf(pdf), signer)
  }

  private async font (): Promise<DocumentFont> {
    // kept once read; a failed read is tried again on the next request (the font may be installed meanwhile)
    this.#font ??= loadDocumentFont(this.options.font.path, this.options.font.family)
    try {
      return await this.#font
    } catch (err) {
      this.#font = undefined
      throw err
    }
  }
}

/** The sealer as the configuration sets it; CENTER_KEY_INVALID for a key that is set but unusable. */
export function documentSealerOf (config: Pick<Config, 'centerKey' | 'centerCert' | 'centerChain' | 'documentFont' | 'documentFontFamily'>): DocumentSealer {
  const signer = config.centerKey !== null && config.centerCert !== null
    ? loadCenterSigner({ key: config.centerKey, cert: config.centerCert, chain: config.centerChain })
    : null
  return new DocumentSealer({ signer, font: { path: config.documentFont, family: config.documentFontFamily } })
}

/** What Lantai's own verifier says of a sealed document, against the given roots and revocation data. */
export async function verifySealedDocument (pdf: Uint8Array, trust: TrustStore, validationTime?: Date): Promise<FileVerification> {
  return await verifyPdfBytes(pdf, { trust, validationTime })
}

async function bytesOf (pdf: PdfDocument): Promise<Buffer> {
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c))
    pdf.once('end', () => { resolve(Buffer.concat(chunks)) })
    pdf.once('error', reject)
  })
  pdf.end()
  return await done
}
