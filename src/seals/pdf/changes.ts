// What an incremental update changed (research-seals.md §2.1 step 4), in the classes DSS uses
// (signature/form-fill, annotation, undefined changes) plus the two kinds PAdES allows after the
// last signature: a /DSS and a document timestamp. Each object the update (re)defines is compared
// with its previous version and classified by what it is; objects new in the update inherit the
// class of the object that first references them (an annotation's appearance stream is part of the
// annotation), but an object that existed before must justify its change on its own.
import {
  isArray, isDict, isRef, isStream, nameOf, sameObject,
  type PdfDict, type PdfObject
} from './lexer.js'
import type { PdfDocument } from './xref.js'

export type ChangeClass =
  | 'dss' | 'document-timestamp' | 'signature' | 'form-fill' | 'annotation'
  | 'page-content' | 'metadata' | 'other' | 'appended-bytes'

/** After the last signature only these keep it covering the final document (§6 rule R1). */
export const ALLOWED_AFTER_SIGNING: ReadonlySet<ChangeClass> = new Set(['dss', 'document-timestamp'])

/**
 * Changes outside every class the PDF standard allows after signing (DSS "undefined changes"): a new
 * text on a page, a page added or removed, a catalog entry rewritten. They fail the signatures made
 * before them (TOTAL_FAILED/FORMAT_FAILURE, rule R3), whatever the DocMDP level. Metadata (/Info, XMP)
 * is not among them: writers touch it on every save, and it changes nothing a reader sees on a page.
 */
export const UNDEFINED_CHANGES: ReadonlySet<ChangeClass> = new Set(['page-content', 'other'])

const UNDEFINED_DETAIL = new RegExp(`: (${[...UNDEFINED_CHANGES].join('|')})( |$)`)
const UNREFERENCED = 'new, not referenced by any classified change'

/**
 * Whether a classified detail line ("object 4: page-content (changed, drawn by a page)") is an undefined
 * change that fails a signature. A new object nothing references is not: no reader ever shows it (some
 * writers leave such objects behind on every save); it still keeps the signature from covering the whole
 * document.
 */
export const isUndefinedDetail = (detail: string): boolean => UNDEFINED_DETAIL.test(detail) && !detail.includes(UNREFERENCED)

/**
 * ISO 32000-1 §12.8.2.2, DocMDP transform parameters, /P: "1 No changes to the document shall be permitted; any change
 * to the document shall invalidate the signature. 2 Permitted changes are filling in forms,
 * instantiating page templates, and signing; other changes shall invalidate the signature.
 * 3 Permitted changes are the same as for 2, as well as annotation creation, deletion, and
 * modification; other changes shall invalidate the signature."
 * We also permit a /DSS and document timestamps at every level: without them a certified document could
 * never become PAdES-LT/LTA, and DSS (esig/dss) validates such files the same way. Our reading, not a
 * quotation: check it against ISO 32000-2 §12.8.2.2 when the standard is at hand.
 */
export function permittedByDocMdp (p: number): ReadonlySet<ChangeClass> {
  const base: ChangeClass[] = ['dss', 'document-timestamp']
  if (p >= 2) base.push('signature', 'form-fill')
  if (p >= 3) base.push('annotation')
  return new Set(base)
}

const ANNOT_SUBTYPES = new Set(['Text', 'Link', 'FreeText', 'Line', 'Square', 'Circle', 'Polygon', 'PolyLine', 'Highlight',
  'Underline', 'Squiggly', 'StrikeOut', 'Caret', 'Stamp', 'Ink', 'Popup', 'FileAttachment', 'Sound', 'Movie', 'Screen',
  'PrinterMark', 'TrapNet', 'Watermark', '3D', 'Redact', 'RichMedia', 'Projection'])

/** Keys that point back up a tree: following them would pull in the whole document. */
const UPWARD = new Set(['P', 'Parent', 'Dest', 'A', 'AA', 'Popup', 'IRT'])
/** Walking the page tree for what pages draw: annotations are classified on their own. */
const PAGE_SKIP = new Set([...UPWARD, 'Annots', 'B', 'Thumb'])

export interface RevisionChanges {
  revision: number
  classes: Set<ChangeClass>
  /** One line per classified object, for the report's reasons ("object 12: annotation (new)"). */
  details: string[]
}

/** Classifies what revision `rev` (2…n) changed relative to revision `rev - 1`. */
export function classifyRevision (doc: PdfDocument, rev: number): RevisionChanges {
  const classes = new Set<ChangeClass>()
  const details: string[] = []
  const revision = doc.revisions[rev - 1]!
  const rootRef = revision.trailer.entries.get('Root')
  const rootNum = isRef(rootRef) ? rootRef.num : -1
  const infoRef = revision.trailer.entries.get('Info')
  const infoNum = isRef(infoRef) ? infoRef.num : -1
  const dssNow = reachableFrom(doc, doc.dict(rootRef, rev)?.entries.get('DSS'), rev)
  const dssBefore = reachableFrom(doc, doc.dict(doc.revisions[rev - 2]!.trailer.entries.get('Root'), rev - 1)?.entries.get('DSS'), rev - 1)
  const acroNum = refNum(doc.dict(rootRef, rev)?.entries.get('AcroForm'))
  // what the pages draw: content streams, resources, fonts, images (not their annotations)
  const pageTree = reachableFrom(doc, doc.dict(rootRef, rev)?.entries.get('Pages'), rev, PAGE_SKIP)

  const changed = new Map<number, { old: PdfObject | undefined, neu: PdfObject | undefined }>()
  for (const num of revision.defined.keys()) {
    if (num === 0) continue
    const old = doc.object(num, rev - 1)
    const neu = doc.object(num, rev)
    if (old === null && neu === null) continue
    if (old !== null && neu !== null && sameObject(old.value, neu.value)) continue
    // the containers of this very update are not changes of their own
    const t = neu === null ? undefined : nameOf(dictOf(neu.value)?.entries.get('Type'))
    if (t === 'XRef' || t === 'ObjStm') continue
    changed.set(num, { old: old?.value, neu: neu?.value })
  }

  const assigned = new Map<number, ChangeClass>()
  const queue: Array<{ from: PdfObject | undefined, cls: ChangeClass }> = []
  const mark = (num: number, cls: ChangeClass, why: string): void => {
    if (assigned.has(num)) return
    assigned.set(num, cls)
    classes.add(cls)
    details.push(`object ${num}: ${cls} (${why})`)
    queue.push({ from: changed.get(num)?.neu, cls })
  }
  const note = (cls: ChangeClass, why: string): void => { classes.add(cls); details.push(`${why}: ${cls}`) }

  const sigClassOf = (o: PdfObject | undefined, r: number): ChangeClass | undefined => fieldClass(doc, o, r)

  for (const [num, { old, neu }] of changed) {
    if (neu === undefined) { // freed
      const oldDict = dictOf(old)
      mark(num, oldDict !== undefined && isAnnotation(oldDict) ? 'annotation' : 'other', 'deleted')
      continue
    }
    const d = dictOf(neu)
    const isNew = old === undefined
    const how = isNew ? 'new' : 'changed'
    if (dssNow.has(num) && (isNew || dssBefore.has(num))) { mark(num, 'dss', `${how}, part of /DSS`); continue }
    if (d === undefined) {
      // an array or number: decided by who references it, unless it already belonged to the pages
      if (!isNew && pageTree.has(num)) mark(num, 'page-content', `${how}, drawn by a page`)
      continue
    }
    const type = nameOf(d.entries.get('Type'))
    if (num === rootNum) { diffCatalog(doc, rev, dictOf(old), d, note, queue); assigned.set(num, 'other'); continue }
    if (num === infoNum || type === 'Metadata') { mark(num, 'metadata', how); continue }
    if (num === acroNum) { diffAcroForm(doc, rev, dictOf(old), d, note, queue); assigned.set(num, 'other'); continue }
    if (type === 'DocTimeStamp' || nameOf(d.entries.get('SubFilter')) === 'ETSI.RFC3161') { mark(num, 'document-timestamp', how); continue }
    if (type === 'Sig' || (d.entries.has('ByteRange') && d.entries.has('Contents'))) { mark(num, 'signature', how); continue }
    const fc = sigClassOf(neu, rev)
    if (fc !== undefined) { mark(num, fc, `${how} form field or widget`); continue }
    if (isAnnotation(d)) { mark(num, 'annotation', how); continue }
    if (type === 'Page') { diffPage(doc, rev, num, dictOf(old), d, note, queue, sigClassOf); assigned.set(num, 'other'); continue }
    if (type === 'Pages') { mark(num, 'page-content', `${how} page tree node`); continue }
    if (!isNew && pageTree.has(num)) { mark(num, 'page-content', `${how}, drawn by a page`); continue }
  }

  // objects new in this update inherit the class of what references them
  let guard = doc.limits.maxTreeNodes
  while (queue.length > 0 && guard-- > 0) {
    const { from, cls } = queue.shift()!
    for (const ref of refsIn(from)) {
      const c = changed.get(ref)
      if (c === undefined || c.old !== undefined || assigned.has(ref)) continue
      mark(ref, cls, 'new, referenced by a changed object of that class')
    }
  }
  for (const num of changed.keys()) if (!assigned.has(num)) mark(num, 'other', changed.get(num)!.old === undefined ? UNREFERENCED : 'changed')
  return { revision: rev, classes, details }
}

function diffCatalog (doc: PdfDocument, rev: number, old: PdfDict | undefined, neu: PdfDict,
  note: (c: ChangeClass, why: string) => void, queue: Array<{ from: PdfObject | undefined, cls: ChangeClass }>): void {
  for (const key of new Set([...old?.entries.keys() ?? [], ...neu.entries.keys()])) {
    const a = old?.entries.get(key); const b = neu.entries.get(key)
    if (a !== undefined && b !== undefined && sameObject(a, b)) continue
    if (key === 'DSS') { note('dss', 'catalog /DSS'); queue.push({ from: b, cls: 'dss' }); continue }
    // writers declare the ETSI ESIC extension (and may raise /Version) together with the DSS
    if (key === 'Extensions' || key === 'Version') continue
    if (key === 'AcroForm') {
      if (isRef(b) && isRef(a)) continue // the AcroForm object itself is diffed on its own
      diffAcroForm(doc, rev, doc.dict(a, rev - 1), doc.dict(b, rev) ?? { kind: 'dict', entries: new Map() }, note, queue)
      continue
    }
    if (key === 'Perms') { note('signature', 'catalog /Perms'); continue }
    if (key === 'Metadata') { note('metadata', 'catalog /Metadata'); queue.push({ from: b, cls: 'metadata' }); continue }
    if (key === 'Pages') { note('page-content', 'catalog /Pages'); queue.push({ from: b, cls: 'page-content' }); continue }
    note('other', `catalog /${key}`)
    queue.push({ from: b, cls: 'other' })
  }
}

function diffAcroForm (doc: PdfDocument, rev: number, old: PdfDict | undefined, neu: PdfDict,
  note: (c: ChangeClass, why: string) => void, queue: Array<{ from: PdfObject | undefined, cls: ChangeClass }>): void {
  for (const key of new Set([...old?.entries.keys() ?? [], ...neu.entries.keys()])) {
    const a = old?.entries.get(key); const b = neu.entries.get(key)
    if (a !== undefined && b !== undefined && sameObject(a, b)) continue
    if (key === 'SigFlags') continue // ISO 32000-1 §12.7.2: set by whoever signs; not content
    if (key === 'Fields') {
      const before = new Set(refsIn(doc.resolve(a, rev - 1), 1))
      const after = refsIn(doc.resolve(b, rev), 1)
      for (const r of after) {
        if (before.has(r)) continue
        const cls = fieldClass(doc, { kind: 'ref', num: r, gen: 0 }, rev) ?? 'form-fill'
        note(cls, `form field ${r} added`)
        queue.push({ from: { kind: 'ref', num: r, gen: 0 }, cls })
      }
      const now = new Set(after)
      for (const r of before) if (!now.has(r)) note('form-fill', `form field ${r} removed`)
      continue
    }
    note('form-fill', `AcroForm /${key}`)
  }
}

function diffPage (doc: PdfDocument, rev: number, num: number, old: PdfDict | undefined, neu: PdfDict,
  note: (c: ChangeClass, why: string) => void, queue: Array<{ from: PdfObject | undefined, cls: ChangeClass }>,
  sigClassOf: (o: PdfObject | undefined, r: number) => ChangeClass | undefined): void {
  if (old === undefined) { note('page-content', `page ${num} added`); queue.push({ from: neu, cls: 'page-content' }); return }
  for (const key of new Set([...old.entries.keys(), ...neu.entries.keys()])) {
    const a = old.entries.get(key); const b = neu.entries.get(key)
    if (a !== undefined && b !== undefined && sameObject(a, b)) continue
    if (key === 'Annots') {
      const before = new Set(refsIn(doc.resolve(a, rev - 1), 1))
      const after = refsIn(doc.resolve(b, rev), 1)
      for (const r of after) {
        if (before.has(r)) continue
        const ref = { kind: 'ref' as const, num: r, gen: 0 }
        const cls = sigClassOf(ref, rev) ?? 'annotation'
        note(cls, `page ${num}: annotation ${r} added`)
        queue.push({ from: ref, cls })
      }
      const now = new Set(after)
      for (const r of before) if (!now.has(r)) note('annotation', `page ${num}: annotation ${r} removed`)
      // direct (inline) annotations: compare as a whole
      if (isArray(doc.resolve(b, rev)) && refsIn(doc.resolve(b, rev), 1).length !== (doc.resolve(b, rev) as { items: PdfObject[] }).items.length) {
        note('annotation', `page ${num}: direct annotations changed`)
      }
      continue
    }
    note('page-content', `page ${num} /${key}`)
    queue.push({ from: b, cls: 'page-content' })
  }
}

/** 'signature' / 'document-timestamp' for a signature field or its widget, 'form-fill' for another field, else undefined. */
function fieldClass (doc: PdfDocument, o: PdfObject | undefined, rev: number): ChangeClass | undefined {
  let d = doc.dict(o, rev)
  for (let hops = 0; d !== undefined && hops < 16; hops++) {
    const ft = nameOf(d.entries.get('FT'))
    if (ft === 'Sig') {
      const v = doc.dict(d.entries.get('V'), rev)
      if (v !== undefined && (nameOf(v.entries.get('Type')) === 'DocTimeStamp' || nameOf(v.entries.get('SubFilter')) === 'ETSI.RFC3161')) return 'document-timestamp'
      return 'signature'
    }
    if (ft !== undefined) return 'form-fill'
    // a widget or field without /FT inherits it from /Parent (§12.7.3.1)
    if (!d.entries.has('Parent')) return undefined
    d = doc.dict(d.entries.get('Parent'), rev)
  }
  return undefined
}

function isAnnotation (d: PdfDict): boolean {
  const st = nameOf(d.entries.get('Subtype'))
  return nameOf(d.entries.get('Type')) === 'Annot' || (st !== undefined && (ANNOT_SUBTYPES.has(st) || st === 'Widget') && d.entries.has('Rect'))
}

const dictOf = (o: PdfObject | undefined): PdfDict | undefined => isDict(o) ? o : isStream(o) ? o.dict : undefined
const refNum = (o: PdfObject | undefined): number => isRef(o) ? o.num : -1

/** Object numbers referenced from `o`, not following references; `maxDepth` bounds direct nesting. */
function refsIn (o: PdfObject | undefined, maxDepth = 32, skip: ReadonlySet<string> = UPWARD): number[] {
  const out: number[] = []
  const walk = (v: PdfObject | undefined, depth: number): void => {
    if (v === undefined || v === null || typeof v !== 'object' || depth > maxDepth || out.length > 100_000) return
    if (v.kind === 'ref') out.push(v.num)
    else if (v.kind === 'array') for (const x of v.items) walk(x, depth + 1)
    else if (v.kind === 'dict' || v.kind === 'stream') {
      for (const [k, x] of (v.kind === 'dict' ? v : v.dict).entries) if (!skip.has(k)) walk(x, depth + 1)
    }
  }
  walk(o, 0)
  return out
}

/** Object numbers reachable from `start` in revision `rev` (bounded), e.g. everything under /DSS. */
export function reachableFrom (doc: PdfDocument, start: PdfObject | undefined, rev: number, skip: ReadonlySet<string> = UPWARD): Set<number> {
  const seen = new Set<number>()
  const stack = refsIn(start, 32, skip)
  while (stack.length > 0 && seen.size < doc.limits.maxTreeNodes) {
    const n = stack.pop()!
    if (seen.has(n)) continue
    seen.add(n)
    const obj = doc.object(n, rev)
    if (obj !== null) stack.push(...refsIn(obj.value, 32, skip))
  }
  return seen
}


/**
 * The pages of revision `rev`, counted as the leaves of its page tree (not its /Count, which an update
 * can write to anything); undefined when the tree is beyond the bounds.
 */
export function pageCount (doc: PdfDocument, rev: number): number | undefined {
  const root = doc.dict(doc.revisions[rev - 1]?.trailer.entries.get('Root'), rev)
  const stack: Array<{ node: PdfObject | undefined, depth: number }> = [{ node: root?.entries.get('Pages'), depth: 0 }]
  const visited = new Set<PdfDict>()
  let pages = 0
  let budget = doc.limits.maxTreeNodes
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!
    if (--budget < 0 || depth > doc.limits.maxDepth) return undefined
    const d = doc.dict(node, rev)
    if (d === undefined || visited.has(d)) continue
    visited.add(d)
    if (nameOf(d.entries.get('Type')) === 'Page') { pages++; continue }
    const kids = doc.resolve(d.entries.get('Kids'), rev)
    if (isArray(kids)) for (const k of kids.items) stack.push({ node: k, depth: depth + 1 })
  }
  return pages
}
