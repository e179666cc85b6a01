// The structural half of PDF signature verification (research-seals.md §2.1 steps 1, 2 and 4):
// per signature field, the ByteRange checks, the revision it signs, what later updates changed,
// and DocMDP. No cryptography here: verify-pdf.ts hands the CMS and the signed bytes to cms.ts.
import { PdfFormatError, isString, nameOf } from './lexer.js'
import {
  ALLOWED_AFTER_SIGNING, classifyRevision, isUndefinedDetail, pageCount, permittedByDocMdp,
  type ChangeClass, type RevisionChanges
} from './changes.js'
import { byteRangeOf, docMdpOf, findSignatureFields, type SignatureField } from './signature-fields.js'
import { PdfDocument, type PdfLimits } from './xref.js'

export type SubFilterKind = 'cms' | 'document-timestamp' | 'legacy' | 'unknown'

export interface InspectedSignature {
  field: SignatureField
  subFilter: string | undefined
  kind: SubFilterKind
  byteRange: number[] | undefined
  /** Failures of the format checks: any one makes the signature TOTAL_FAILED/FORMAT_FAILURE. */
  problems: string[]
  warnings: string[]
  /** 1-based revision whose end the ByteRange reaches, when it reaches one. */
  signedRevision: number | undefined
  /** Change classes in later revisions (and 'appended-bytes' for bytes after the last %%EOF). */
  laterChanges: ChangeClass[]
  /** Later-change details, for reasons and warnings. */
  changeDetails: string[]
  wholeDocument: boolean
  docMdp: number | undefined
  /** Changes the DocMDP level does not permit (ISO 32000-1 §12.8.2.2: "shall invalidate the signature"). */
  docMdpViolations: ChangeClass[]
  /**
   * Later updates that no rule allows after any signature (pages added or removed, undefined changes):
   * each fails the signature with FORMAT_FAILURE, as DSS's PdfPageDifference and UndefinedChanges checks.
   */
  modificationViolations: string[]
  /** The /Contents bytes (hex decoded) and the signed bytes, when the ByteRange is usable. */
  contents: Uint8Array | undefined
  signedBytes: Uint8Array | undefined
  /** /M, the claimed signing time as written (§7.9.4 date string). */
  claimedTime: string | undefined
}

export interface PdfInspection {
  revisions: number
  signatures: InspectedSignature[]
  /** Per later revision (2…n), what it changed. */
  changes: RevisionChanges[]
  /** Bytes after the final %%EOF that are not end-of-line markers. */
  appendedBytes: number
  /** The final /DSS's validation material (DER), for LT/LTA and for path building. */
  dss: { certs: Uint8Array[], crls: Uint8Array[], ocsps: Uint8Array[], revision: number | undefined }
  doc: PdfDocument
}

const CMS_SUBFILTERS = new Set(['adbe.pkcs7.detached', 'ETSI.CAdES.detached'])
const LEGACY_SUBFILTERS = new Set(['adbe.pkcs7.sha1', 'adbe.x509.rsa_sha1'])

export function inspectPdf (buf: Uint8Array, limits: PdfLimits, checkpoint?: () => void): PdfInspection {
  const doc = new PdfDocument(buf, limits, checkpoint)
  const n = doc.revisions.length
  const changes: RevisionChanges[] = []
  for (let r = 2; r <= n; r++) { checkpoint?.(); changes.push(classifyRevision(doc, r)) }
  const last = doc.revisions[n - 1]!
  let appendedBytes = 0
  for (let i = last.end; i < buf.length; i++) if (buf[i] !== 10 && buf[i] !== 13) appendedBytes++

  const fields = findSignatureFields(doc)
  const pages = new Map<number, number | undefined>()
  const pagesOf = (rev: number): number | undefined => {
    if (!pages.has(rev)) pages.set(rev, pageCount(doc, rev))
    return pages.get(rev)
  }
  const signatures = fields.map(f => inspectSignature(doc, buf, f, changes, appendedBytes, pagesOf))
  signatures.sort((a, b) => (a.signedRevision ?? Infinity) - (b.signedRevision ?? Infinity))
  // ISO 32000-1 §12.8.2.2: "A document can contain only one signature field that contains a DocMDP transform
  // method; it shall be the first signed field in the document."
  const certified = signatures.filter(s => s.docMdp !== undefined)
  if (certified.length > 1) for (const s of certified) s.warnings.push('more than one certification (DocMDP) signature in the document')
  if (certified.length === 1 && signatures[0] !== certified[0]) certified[0]!.warnings.push('the certification (DocMDP) signature is not the first signature in the document')
  return { revisions: n, signatures, changes, appendedBytes, dss: readDss(doc, changes), doc }
}

function inspectSignature (doc: PdfDocument, buf: Uint8Array, field: SignatureField, changes: RevisionChanges[], appendedBytes: number,
  pagesOf: (rev: number) => number | undefined): InspectedSignature {
  const sig = field.sig
  const subFilter = nameOf(sig.entries.get('SubFilter'))
  const type = nameOf(sig.entries.get('Type'))
  const kind: SubFilterKind = subFilter === 'ETSI.RFC3161' ? 'document-timestamp'
    : subFilter !== undefined && CMS_SUBFILTERS.has(subFilter) ? 'cms'
      : subFilter !== undefined && LEGACY_SUBFILTERS.has(subFilter) ? 'legacy' : 'unknown'
  const problems: string[] = []
  const warnings: string[] = []
  // §12.8.1 Table 252 /Type: "Sig" or, for a document timestamp (ISO 32000-2), "DocTimeStamp"
  if (kind === 'document-timestamp' && type !== undefined && type !== 'DocTimeStamp') warnings.push(`document timestamp dictionary has /Type /${type}, not /DocTimeStamp`)
  if (kind !== 'document-timestamp' && type !== undefined && type !== 'Sig') warnings.push(`signature dictionary has /Type /${type}, not /Sig`)
  if (kind === 'unknown') warnings.push(`SubFilter ${subFilter ?? '(none)'} is not one of adbe.pkcs7.detached, ETSI.CAdES.detached, ETSI.RFC3161`)
  if (!field.inFinalRevision) warnings.push('a later update removed this signature field from the form')

  const br = byteRangeOf(sig)
  let contents: Uint8Array | undefined
  let signedBytes: Uint8Array | undefined
  let signedRevision: number | undefined
  const c = field.contents
  if (c === undefined || !isString(c)) problems.push('the signature dictionary has no /Contents string')
  else if (!c.hex) problems.push('/Contents is a literal string, not a hexadecimal string (§12.8.1)')
  else contents = c.bytes

  if (br?.length !== 4) problems.push('/ByteRange is not four non-negative integers')
  else {
    const [a, b, cc, d] = br as [number, number, number, number]
    // research-seals.md §2.1 step 2 (DSS ByteRangeCheck, ByteRangeCollisionCheck): [0 b c d], the gap
    // exactly the /Contents string with its angle brackets, nothing outside the file.
    if (a !== 0) problems.push(`/ByteRange starts at byte ${a}, not 0: the start of the file is not signed`)
    if (cc < a + b) problems.push(`/ByteRange ranges overlap or are out of order (${a}+${b} > ${cc})`)
    if (cc + d > buf.length) problems.push(`/ByteRange ends at byte ${cc + d}, past the end of the file (${buf.length})`)
    if (field.location === null) problems.push('the signature dictionary is inside an object stream, so its /Contents cannot be the unsigned gap')
    else if (c !== undefined && isString(c)) {
      if (c.start !== a + b || c.end !== cc) problems.push(`the unsigned gap ${a + b}..${cc} is not exactly the /Contents string (${c.start}..${c.end})`)
      if (field.location.start < a || field.location.end > cc + d) problems.push('the signature dictionary itself is not inside the signed bytes')
    }
    if (cc >= a + b && cc + d <= buf.length) {
      signedBytes = Buffer.concat([buf.subarray(a, a + b), buf.subarray(cc, cc + d)])
    }
    // §2.1 step 4: the signed revision ends at c+d, right after its %%EOF (with or without the line end)
    const end = cc + d
    const rev = doc.revisions.find(r => end >= r.eof && end <= r.end)
    if (rev === undefined) problems.push(`the signed bytes end at ${end}, which is not the end of any revision (%%EOF)`)
    else {
      signedRevision = rev.number
      if (field.firstRevision > rev.number) problems.push(`the signature appears in revision ${field.firstRevision} but signs only up to revision ${rev.number}`)
    }
  }

  const later = changes.filter(ch => signedRevision !== undefined && ch.revision > signedRevision)
  const classes = new Set<ChangeClass>()
  const details: string[] = []
  const undefinedDetails: string[] = []
  for (const ch of later) {
    for (const cl of ch.classes) classes.add(cl)
    details.push(...ch.details.slice(0, 20).map(x => `revision ${ch.revision}: ${x}`))
    undefinedDetails.push(...ch.details.filter(isUndefinedDetail).slice(0, 10).map(x => `revision ${ch.revision}: ${x}`))
  }
  // DSS PdfPageDifference: the pages a reader sees must be the pages that were signed
  const modificationViolations: string[] = []
  const finalRevision = doc.revisions.length
  if (signedRevision !== undefined && signedRevision < finalRevision) {
    const signedPages = pagesOf(signedRevision)
    const finalPages = pagesOf(finalRevision)
    if (signedPages !== finalPages) {
      modificationViolations.push(`the signed revision has ${signedPages ?? 'an unreadable number of'} page(s), the final document ${finalPages ?? 'an unreadable number of'}: pages were added or removed after signing`)
    }
  }
  if (undefinedDetails.length > 0) {
    modificationViolations.push(`changed after signing in ways no signature, form-fill or annotation rule allows: ${undefinedDetails.slice(0, 10).join('; ')}`)
  }
  if (appendedBytes > 0) { classes.add('appended-bytes'); details.push(`${appendedBytes} byte(s) after the last %%EOF`) }
  const laterChanges = [...classes].sort()
  const wholeDocument = signedRevision !== undefined && problems.length === 0 && laterChanges.every(cl => ALLOWED_AFTER_SIGNING.has(cl))

  const sigRev = signedRevision ?? doc.revisions.length
  const docMdp = kind === 'document-timestamp' ? undefined : docMdpOf(doc, sig, sigRev)
  let docMdpViolations: ChangeClass[] = []
  if (docMdp !== undefined) {
    const allowed = permittedByDocMdp(docMdp)
    // bytes after %%EOF are not part of any revision a reader sees: reported, not a DocMDP change
    docMdpViolations = laterChanges.filter(cl => cl !== 'appended-bytes' && !allowed.has(cl))
  }
  const m = sig.entries.get('M')
  return {
    field, subFilter, kind, byteRange: br, problems, warnings, signedRevision, laterChanges, changeDetails: details,
    wholeDocument, docMdp, docMdpViolations, modificationViolations, contents, signedBytes,
    claimedTime: isString(m) ? Buffer.from(m.bytes).toString('latin1') : undefined
  }
}

// ETSI EN 319 142-1 (PAdES LTV): /DSS with /Certs, /CRLs, /OCSPs arrays of streams (and /VRI).
function readDss (doc: PdfDocument, changes: RevisionChanges[]): PdfInspection['dss'] {
  const out: PdfInspection['dss'] = { certs: [], crls: [], ocsps: [], revision: undefined }
  const n = doc.revisions.length
  const root = doc.dict(doc.revisions[n - 1]!.trailer.entries.get('Root'), n)
  const dss = doc.dict(root?.entries.get('DSS'), n)
  if (dss === undefined) return out
  // the revision that last wrote validation material: LTA needs a document timestamp after it
  out.revision = changes.filter(ch => ch.classes.has('dss')).at(-1)?.revision ?? 1
  const take = (key: string, into: Uint8Array[]): void => {
    const arr = doc.resolve(dss.entries.get(key), n)
    if (arr === null || typeof arr !== 'object' || arr.kind !== 'array') return
    for (const item of arr.items.slice(0, 1000)) {
      const s = doc.resolve(item, n)
      if (s !== null && typeof s === 'object' && s.kind === 'stream') {
        try { into.push(new Uint8Array(doc.decode(s))) } catch (e) { if (!(e instanceof PdfFormatError)) throw e }
      }
    }
  }
  take('Certs', out.certs); take('CRLs', out.crls); take('OCSPs', out.ocsps)
  return out
}

