// The OFD package is a zip (GB/T 33190 §7.1). It is read in place, never unpacked: the central
// directory is listed once and checked as a whole (entry count, declared sizes, names), and a single
// bad name refuses the package, because a seal over a package with a hidden or escaping member
// cannot be said to cover "the document". Ideas from src/archive, not its code.
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import iconv from 'iconv-lite'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { nextZipEntry as nextEntry } from '../../archive/index.js'

export class ContainerError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ContainerError'
  }
}

export interface ContainerLimits {
  maxFileBytes: number
  maxEntries: number
  /** Sum of the declared uncompressed sizes: the zip-bomb bound. */
  maxUncompressedBytes: number
}

export const DEFAULT_CONTAINER_LIMITS: ContainerLimits = { maxFileBytes: 512 * 1024 * 1024, maxEntries: 10_000, maxUncompressedBytes: 2 * 1024 * 1024 * 1024 }

export interface OfdContainer {
  /** Every file member, "/"-separated, without a leading "/", in central-directory order. */
  readonly files: readonly string[]
  has (name: string): boolean
  size (name: string): number
  /** The member's bytes; refuses a member declared larger than `maxBytes`. */
  read (name: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer>
  /** Streams the member through a hash ('sm3', 'sha256', …). */
  digest (name: string, algorithm: string, signal?: AbortSignal): Promise<Buffer>
  close (): void
}

const UTF8_FLAG = 0x800
const STORED = 0
const DEFLATED = 8
const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
// C0 controls and DEL
const CONTROL = /[\u0000-\u001f\u007f]/ // eslint-disable-line no-control-regex
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export async function openOfdContainer (file: string, limits: ContainerLimits = DEFAULT_CONTAINER_LIMITS): Promise<OfdContainer> {
  const { size } = await stat(file)
  if (size > limits.maxFileBytes) throw new ContainerError(`the file is ${size} bytes, over the limit of ${limits.maxFileBytes}`)
  let zip: ZipFile
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false })
  } catch (err) {
    throw new ContainerError(`not a zip file: ${message(err)}`)
  }
  zip.on('error', () => { /* surfaced through nextEntry and the read streams */ })
  const entries = new Map<string, Entry>()
  try {
    if (zip.entryCount > limits.maxEntries) throw new ContainerError(`${zip.entryCount} zip entries, over the limit of ${limits.maxEntries}`)
    let declared = 0
    for (;;) {
      let entry: Entry | null
      try {
        entry = await nextEntry(zip)
      } catch (err) {
        throw new ContainerError(`broken zip directory: ${message(err)}`)
      }
      if (entry === null) break
      const raw = decodeName(entry)
      const problem = checkName(raw)
      if (problem !== null) throw new ContainerError(`zip entry ${JSON.stringify(printable(raw))} refused: ${problem}`)
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT
      if (raw.endsWith('/') || mode === S_IFDIR) continue
      if (mode !== 0 && mode !== S_IFREG) throw new ContainerError(`zip entry ${raw} is a link or special file`)
      if (entry.isEncrypted()) throw new ContainerError(`zip entry ${raw} is encrypted`)
      if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) throw new ContainerError(`zip entry ${raw} uses compression method ${entry.compressionMethod}`)
      if (entries.has(raw)) throw new ContainerError(`zip entry ${raw} appears twice`)
      declared += entry.uncompressedSize
      if (declared > limits.maxUncompressedBytes) throw new ContainerError(`the members declare more than ${limits.maxUncompressedBytes} bytes uncompressed`)
      entries.set(raw, entry)
    }
  } catch (err) {
    zip.close()
    throw err
  }

  const open = async (name: string, signal?: AbortSignal): Promise<Readable> => {
    signal?.throwIfAborted()
    const entry = entries.get(name)
    if (entry === undefined) throw new ContainerError(`no member ${name}`)
    try {
      const stream = await zip.openReadStreamPromise(entry)
      stream.on('error', () => { /* re-raised by the consumer's iteration */ })
      return stream
    } catch (err) {
      throw new ContainerError(`member ${name} cannot be read: ${message(err)}`)
    }
  }

  return {
    files: [...entries.keys()],
    has: name => entries.has(name),
    size: name => entries.get(name)?.uncompressedSize ?? 0,
    async read (name, maxBytes, signal) {
      const entry = entries.get(name)
      if (entry !== undefined && entry.uncompressedSize > maxBytes) throw new ContainerError(`member ${name} is ${entry.uncompressedSize} bytes, over the limit of ${maxBytes}`)
      const chunks: Buffer[] = []
      for await (const chunk of iterate(await open(name, signal), name, signal)) chunks.push(chunk)
      return Buffer.concat(chunks)
    },
    async digest (name, algorithm, signal) {
      const hash = createHash(algorithm)
      for await (const chunk of iterate(await open(name, signal), name, signal)) hash.update(chunk)
      return hash.digest()
    },
    close: () => zip.close()
  }
}

async function * iterate (stream: Readable, name: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted()
      yield chunk as Buffer
    }
  } catch (err) {
    stream.destroy()
    if (signal?.aborted === true) throw err
    // yauzl checks the byte count against the directory (validateEntrySizes)
    throw new ContainerError(`member ${name} is damaged: ${message(err)}`)
  }
}


/** UTF-8 when flagged or valid; otherwise GBK, which Chinese producers write without saying so. */
function decodeName (entry: Entry): string {
  const raw = entry.fileNameRaw
  if ((entry.generalPurposeBitFlag & UTF8_FLAG) !== 0) return raw.toString('utf8')
  try {
    return strictUtf8.decode(raw)
  } catch {
    return iconv.decode(raw, 'gbk')
  }
}

/** Why a member name is refused, or null: the checks of src/archive/entry-name.ts, for zip. */
export function checkName (raw: string): string | null {
  if (raw.length === 0) return 'empty name'
  if (CONTROL.test(raw)) return 'control character in name'
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return 'absolute path'
  if (raw.includes('\\')) return 'backslash in name'
  const segments = raw.replace(/\/$/, '').split('/')
  if (segments.includes('..')) return 'contains a ".." segment'
  if (segments.some(s => s === '' || s === '.')) return 'empty or "." segment'
  return null
}

/**
 * Resolves an OFD ST_Loc: "/x" from the package root, "x" from `baseDir` (GB/T 33190 §7.3.5).
 * Null when it climbs above the root.
 */
export function resolveLoc (baseDir: string, loc: string): string | null {
  const trimmed = loc.trim()
  if (trimmed === '' || trimmed.includes('\\') || CONTROL.test(trimmed)) return null
  const parts = trimmed.startsWith('/') ? [] : baseDir.split('/').filter(s => s !== '')
  for (const seg of trimmed.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (parts.length === 0) return null
      parts.pop()
    } else parts.push(seg)
  }
  return parts.length === 0 ? null : parts.join('/')
}

export function dirname (name: string): string {
  const i = name.lastIndexOf('/')
  return i === -1 ? '' : name.slice(0, i)
}

function printable (raw: string): string {
  return raw.replace(/[\u0000-\u001f\u007f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) // eslint-disable-line no-control-regex
}

const message = (err: unknown): string => err instanceof Error ? err.message : String(err)
