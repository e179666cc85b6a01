// A minimal, non-validating XML reader for the OFD control files (OFD.xml, Signatures.xml,
// Signature.xml). They are small and namespace-prefixed ("ofd:"); we match local names. A DOCTYPE is
// refused outright: no entity expansion (billion laughs) and no external entities. Bounded by depth
// and element count; the caller bounds the byte size.

export interface XmlElement {
  /** Local name, without the namespace prefix. */
  name: string
  /** Attributes by local name. */
  attrs: Record<string, string>
  children: XmlElement[]
  /** The concatenated character data directly inside this element. */
  text: string
}

export class XmlError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'XmlError'
  }
}

const MAX_DEPTH = 128
const MAX_ELEMENTS = 100_000

export function parseXml (source: string): XmlElement {
  let at = 0
  let count = 0
  const stack: XmlElement[] = []
  let root: XmlElement | null = null
  if (source.charCodeAt(0) === 0xfeff) at = 1

  while (at < source.length) {
    const lt = source.indexOf('<', at)
    const chunk = lt === -1 ? source.slice(at) : source.slice(at, lt)
    if (chunk.length > 0) {
      const top = stack[stack.length - 1]
      if (top !== undefined) top.text += decodeEntities(chunk)
      else if (chunk.trim() !== '') throw new XmlError('text outside the root element')
    }
    if (lt === -1) break
    if (source.startsWith('<?', lt)) {
      at = find(source, '?>', lt) + 2
    } else if (source.startsWith('<!--', lt)) {
      at = find(source, '-->', lt) + 3
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = find(source, ']]>', lt)
      const top = stack[stack.length - 1]
      if (top === undefined) throw new XmlError('CDATA outside the root element')
      top.text += source.slice(lt + 9, end)
      at = end + 3
    } else if (source.startsWith('<!', lt)) {
      throw new XmlError('DOCTYPE and other declarations are not accepted')
    } else if (source.startsWith('</', lt)) {
      const end = find(source, '>', lt)
      const name = localName(source.slice(lt + 2, end).trim())
      const open = stack.pop()
      if (open === undefined || open.name !== name) throw new XmlError(`unexpected </${name}>`)
      at = end + 1
    } else {
      const { element, selfClosing, end } = readStartTag(source, lt)
      if (++count > MAX_ELEMENTS) throw new XmlError('too many elements')
      const parent = stack[stack.length - 1]
      if (parent !== undefined) parent.children.push(element)
      else if (root === null) root = element
      else throw new XmlError('more than one root element')
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlError('elements nested too deeply')
        stack.push(element)
      }
      at = end
    }
  }
  if (stack.length > 0) throw new XmlError(`<${stack[stack.length - 1]!.name}> is not closed`)
  if (root === null) throw new XmlError('no root element')
  return root
}

function readStartTag (source: string, lt: number): { element: XmlElement, selfClosing: boolean, end: number } {
  let at = lt + 1
  const nameMatch = /^[^\s/>]+/.exec(source.slice(at, at + 256))
  if (nameMatch === null) throw new XmlError('bad start tag')
  const element: XmlElement = { name: localName(nameMatch[0]), attrs: {}, children: [], text: '' }
  at += nameMatch[0].length
  const attr = /\s*([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/y
  for (;;) {
    while (/\s/.test(source[at] ?? '')) at++
    const c = source[at]
    if (c === undefined) throw new XmlError('unterminated start tag')
    if (c === '>') return { element, selfClosing: false, end: at + 1 }
    if (c === '/' && source[at + 1] === '>') return { element, selfClosing: true, end: at + 2 }
    attr.lastIndex = at
    const m = attr.exec(source)
    if (m === null) throw new XmlError(`bad attribute in <${element.name}>`)
    const name = m[1]!
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) element.attrs[localName(name)] = decodeEntities(m[3] ?? m[4] ?? '')
    at = attr.lastIndex
  }
}

function find (source: string, token: string, from: number): number {
  const i = source.indexOf(token, from)
  if (i === -1) throw new XmlError(`unterminated markup at ${from}`)
  return i
}

function localName (qname: string): string {
  const colon = qname.indexOf(':')
  return colon === -1 ? qname : qname.slice(colon + 1)
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: '\'' }

function decodeEntities (s: string): string {
  if (!s.includes('&')) return s
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(parseInt(ref.slice(2), 16), whole)
    if (ref.startsWith('#')) return safeCodePoint(parseInt(ref.slice(1), 10), whole)
    const named = NAMED[ref]
    if (named === undefined) throw new XmlError(`unknown entity ${whole}`)
    return named
  })
}

function safeCodePoint (cp: number, whole: string): string {
  if (!Number.isFinite(cp) || cp > 0x10ffff) throw new XmlError(`bad character reference ${whole}`)
  return String.fromCodePoint(cp)
}

/** The first child with this local name. */
export function child (el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find(c => c.name === name)
}

export function childrenNamed (el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter(c => c.name === name) ?? []
}
