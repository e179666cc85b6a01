import { SignPdf, Signer } from '@signpdf/signpdf'
import { DEFAULT_BYTE_RANGE_PLACEHOLDER, SIG_FLAGS, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils'
import type { CenterSigner } from './center-key.js'
import { signDetached } from './cms-signature.js'
import type { PdfDocument } from './pdf-layout.js'

// PAdES baseline B (ETSI EN 319 142-1) on a pdfkit document, in two steps. Before the document ends, the
// signature field: a /Sig dictionary with a /ByteRange placeholder and zeroed /Contents, an invisible
// widget on the last page, and the AcroForm naming it (what @signpdf/placeholder-pdfkit does for pdfkit
// 0.10, written here for 0.17). Once the bytes exist, @signpdf/signpdf fixes the /ByteRange, hands the
// bytes outside /Contents to our signer, and writes its CMS into the placeholder.

/** bytes reserved for the CMS: certificate chain and signature with room to spare (hex doubles it) */
const CONTENTS_BYTES = 12 * 1024

export interface SealField {
  /** /M: when the seal was applied */
  signingTime: Date
  /** /Name: who sealed it */
  name: string
  /** /Reason */
  reason: string
  /** /Location */
  location: string
}

interface PdfkitInternals {
  _root: { data: { AcroForm?: { data: Record<string, unknown> } } }
}

/** Adds the empty signature field; call on the last page, just before `pdf.end()`. */
export function addSealField (pdf: PdfDocument, field: SealField): void {
  const signature = pdf.ref({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: SUBFILTER_ETSI_CADES_DETACHED,
    // pdfkit writes these strings as names, /**********: the placeholder @signpdf/signpdf looks for
    ByteRange: [0, DEFAULT_BYTE_RANGE_PLACEHOLDER, DEFAULT_BYTE_RANGE_PLACEHOLDER, DEFAULT_BYTE_RANGE_PLACEHOLDER],
    Contents: Buffer.alloc(CONTENTS_BYTES),
    M: field.signingTime,
    // String objects are written as PDF text strings (UTF-16BE when not ASCII), plain strings as names
    Name: new String(field.name), Reason: new String(field.reason), Location: new String(field.location)
  })
  // initForm puts the current (embedded) font into the form's resources, as PDF/A requires of any font named
  pdf.initForm()
  const form = (pdf as unknown as PdfkitInternals)._root.data.AcroForm as { data: Record<string, unknown> }
  const widget = pdf.ref({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    // invisible (ISO 32000-1 §12.7.4.5: a zero rectangle) and printable and locked (/F 4 + 128), as PDF/A asks of annotations
    Rect: [0, 0, 0, 0],
    F: 132,
    V: signature,
    T: new String('CenterSeal'),
    P: pdf.page.dictionary
  })
  pdf.page.annotations.push(widget)
  // no NeedAppearances (PDF/A forbids it); SigFlags: signatures exist, append only
  form.data = { Fields: [widget], DR: form.data.DR, SigFlags: SIG_FLAGS.SIGNATURES_EXIST | SIG_FLAGS.APPEND_ONLY }
  signature.end(undefined)
  widget.end(undefined)
}

class CenterCmsSigner extends Signer {
  constructor (private readonly center: CenterSigner) { super() }
  override async sign (signedBytes: Buffer): Promise<Buffer> {
    return Buffer.from(signDetached(this.center, signedBytes))
  }
}

/** The sealed PDF: the placeholder's ByteRange set and the center's CMS in /Contents. */
export async function sealPdf (unsigned: Buffer, center: CenterSigner): Promise<Buffer> {
  return await new SignPdf().sign(unsigned, new CenterCmsSigner(center))
}
