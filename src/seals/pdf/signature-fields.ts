// Signature fields (ISO 32000-1 §12.7.4.5, §12.8.1): every /FT /Sig field with a /V signature
// dictionary, found through /Root /AcroForm /Fields and their /Kids, in every revision. A field that
// an update removes is still reported: the bytes it signed are still in the file.
import {
  PdfFormatError, intOf, isArray, isRef, isString, nameOf, textOf,
  type PdfDict, type PdfObject, type PdfString
} from './lexer.js'
import type { PdfDocument } from './xref.js'

export interface SignatureField {
  /** Fully qualified field name (§12.7.3.2: partial names joined by periods). */
  name: string
  /** The signature dictionary (the field's /V). */
  sig: PdfDict
  /** Revision (1-based) whose AcroForm first lists the field with this /V. */
  firstRevision: number
  /** Whether the newest revision still lists it. */
  inFinalRevision: boolean
  /** File offsets of the object holding the signature dictionary, or null inside an object stream. */
  location: { start: number, end: number } | null
  /** §12.8.1 Table 252 /Contents as parsed, with its offsets in the file (when `location` is not null). */
  contents: PdfString | undefined
  /** The identity used to match the same signature across revisions. */
  key: string
}

export function findSignatureFields (doc: PdfDocument): SignatureField[] {
  const byKey = new Map<string, SignatureField>()
  const last = doc.revisions.length
  for (let rev = 1; rev <= last; rev++) {
    for (const f of fieldsOf(doc, rev)) {
      const seen = byKey.get(f.key)
      if (seen === undefined) byKey.set(f.key, { ...f, firstRevision: rev, inFinalRevision: rev === last })
      else if (rev === last) seen.inFinalRevision = true
    }
  }
  return [...byKey.values()]
}

type Found = Omit<SignatureField, 'firstRevision' | 'inFinalRevision'>

function fieldsOf (doc: PdfDocument, rev: number): Found[] {
  const root = doc.dict(doc.revisions[rev - 1]!.trailer.entries.get('Root'), rev)
  if (root === undefined) throw new PdfFormatError(`revision ${rev} has no document catalog (/Root)`)
  const acro = doc.dict(root.entries.get('AcroForm'), rev)
  const fields = doc.resolve(acro?.entries.get('Fields'), rev)
  if (!isArray(fields)) return []
  const out: Found[] = []
  const visited = new Set<number>()
  let budget = doc.limits.maxTreeNodes
  const walk = (item: PdfObject, parentName: string, parentFt: string | undefined, depth: number): void => {
    if (depth > doc.limits.maxDepth) throw new PdfFormatError('form field tree nested too deep')
    if (--budget < 0) throw new PdfFormatError(`more than ${doc.limits.maxTreeNodes} form fields`)
    if (isRef(item)) {
      if (visited.has(item.num)) return // §12.7.3.1: a field tree is a tree; a cycle is ignored
      visited.add(item.num)
    }
    const field = doc.dict(item, rev)
    if (field === undefined) return
    const partial = textOf(field.entries.get('T'))
    const name = partial === undefined ? parentName : parentName === '' ? partial : `${parentName}.${partial}`
    const ft = nameOf(field.entries.get('FT')) ?? parentFt // /FT is inheritable
    const v = field.entries.get('V')
    if (ft === 'Sig' && v !== undefined) {
      const sig = doc.dict(v, rev)
      if (sig !== undefined) {
        let location: Found['location'] = null
        let key: string
        if (isRef(v)) {
          const obj = doc.object(v.num, rev)
          location = obj === null || obj.inObjectStream ? null : { start: obj.start, end: obj.end }
          key = `${v.num}@${location?.start ?? `objstm-${rev}`}`
        } else {
          const holder = isRef(item) ? doc.object(item.num, rev) : null
          location = holder === null || holder.inObjectStream ? null : { start: holder.start, end: holder.end }
          key = `field-${name}@${location?.start ?? rev}`
        }
        const c = sig.entries.get('Contents')
        out.push({ name: name === '' ? `(unnamed ${key})` : name, sig, location, contents: isString(c) ? c : undefined, key })
      }
    }
    const kids = doc.resolve(field.entries.get('Kids'), rev)
    if (isArray(kids)) for (const k of kids.items) walk(k, name, ft, depth + 1)
  }
  for (const f of fields.items) walk(f, '', undefined, 0)
  return out
}

/** §12.8.1 /ByteRange as four non-negative integers, or undefined. */
export function byteRangeOf (sig: PdfDict): number[] | undefined {
  const br = sig.entries.get('ByteRange')
  if (!isArray(br)) return undefined
  const v = br.items.map(intOf)
  return v.every(x => x !== undefined && x >= 0) ? v as number[] : undefined
}

/** ISO 32000-1 §12.8.2.2 DocMDP: the /P of a /Reference entry whose /TransformMethod is /DocMDP (default 2). */
export function docMdpOf (doc: PdfDocument, sig: PdfDict, rev: number): number | undefined {
  const refs = doc.resolve(sig.entries.get('Reference'), rev)
  if (!isArray(refs)) return undefined
  for (const r of refs.items.slice(0, 16)) {
    const d = doc.dict(r, rev)
    if (d === undefined || nameOf(d.entries.get('TransformMethod')) !== 'DocMDP') continue
    const params = doc.dict(d.entries.get('TransformParams'), rev)
    const p = intOf(params?.entries.get('P'))
    return p === 1 || p === 2 || p === 3 ? p : 2 // the transform parameters' /P defaults to 2
  }
  return undefined
}

