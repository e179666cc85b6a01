// Zip needs random access (the central directory is at the end), so it is read from a file only.
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createInflateRaw } from 'node:zlib'
import type * as Yauzl from 'yauzl'
import type { Entry, ZipFile } from 'yauzl'
import { lazyModule } from '../lazy-module.js'
import { decodeNameBytes } from './entry-name.js'
import type { EntryType, StagingWriter } from './staging-writer.js'

const yauzl = lazyModule<typeof Yauzl>('yauzl')

export interface ZipOptions {
  /** Code page for names without the UTF-8 flag that are not valid UTF-8. */
  nameEncoding: string
}

const UTF8_FLAG = 0x800
const UNICODE_PATH_EXTRA = 0x7075
const STORED = 0
const DEFLATED = 8
const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000

export async function unpackZip (file: string, writer: StagingWriter, options: ZipOptions): Promise<void> {
  let zip: ZipFile
  try {
    // decodeStrings: false, because yauzl's own name check ends the whole archive at the first bad
    // name; we decode and judge each name ourselves so one hostile entry is skipped, not fatal.
    zip = await yauzl().openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false })
  } catch (err) {
    writer.corrupt(undefined, message(err))
    return
  }
  zip.on('error', () => { /* reported through nextEntry; a listener keeps a late error from crashing the process */ })
  // Compressed bytes of the entries done, plus the current entry's inflated so far; capped at the
  // file size so overlapping entries (a non-recursive bomb) cannot earn credit by reading bytes twice.
  let packedBefore = 0
  let current: () => number = () => 0
  writer.packedSoFar = () => Math.min(packedBefore + current(), zip.fileSize)
  writer.entryPackedSoFar = () => current()
  let last: string | undefined
  try {
    while (!writer.stopped) {
      writer.checkAborted()
      let entry: Entry | null
      try {
        entry = await nextEntry(zip)
      } catch (err) {
        writer.corrupt(last, last === undefined ? message(err) : `after this entry: ${message(err)}`)
        break
      }
      if (entry === null) break
      const raw = entryName(entry, options.nameEncoding)
      last = raw
      const type = entryType(entry, raw)
      const admitted = writer.admit(raw, type)
      if (admitted === null) continue
      if (type === 'directory') {
        await writer.makeDirectory(admitted)
        continue
      }
      if (entry.isEncrypted()) {
        writer.findings.add('BAG_ARCHIVE_ENTRY_ENCRYPTED', { path: admitted.name, detail: admitted.name })
        continue
      }
      if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
        writer.findings.add('BAG_ARCHIVE_ENTRY_UNSUPPORTED', { path: admitted.name, detail: `${admitted.name} (method ${entry.compressionMethod})` })
        continue
      }
      let packed: Readable
      try {
        // Raw bytes, inflated here: zlib's count of what it consumed is the ratio's denominator, so a
        // bomb entry is stopped within RATIO_ALLOWANCE_BYTES + ratio × what was read, not × its size.
        packed = await zip.openReadStreamPromise(entry, { decodeFileData: false })
      } catch (err) {
        writer.corrupt(admitted.name, message(err))
        break
      }
      const data = entry.compressionMethod === DEFLATED ? inflated(packed, entry.uncompressedSize) : stored(packed)
      current = data.consumed
      // An error raised before the writer starts reading must not crash the process: the stream
      // keeps it, and the writer's read of it still fails with it.
      data.on('error', () => {})
      // Stored entries: yauzl checked the sizes agree (validateEntrySizes); deflated ones are held to
      // their size by inflated(). Neither checks the CRC-32; the writer does.
      await writer.writeFile(admitted, data, { crc32: entry.crc32, size: entry.uncompressedSize })
      packedBefore += entry.compressedSize
      current = () => 0
    }
  } finally {
    zip.close()
  }
}

/** The next entry of a yauzl archive opened with lazyEntries, or null at the end (also used for OFD containers). */
export function nextEntry (zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      zip.off('entry', onEntry)
      zip.off('end', onEnd)
      zip.off('error', onError)
    }
    const onEntry = (entry: Entry): void => { done(); resolve(entry) }
    const onEnd = (): void => { done(); resolve(null) }
    const onError = (err: Error): void => { done(); reject(err) }
    zip.on('entry', onEntry)
    zip.on('end', onEnd)
    zip.on('error', onError)
    zip.readEntry()
  })
}

function entryName (entry: Entry, nameEncoding: string): string {
  const flagged = (entry.generalPurposeBitFlag & UTF8_FLAG) !== 0
  if (flagged || entry.extraFields.some(f => f.id === UNICODE_PATH_EXTRA)) {
    // strictFileNames: true keeps backslashes, which we refuse rather than reinterpret.
    return yauzl().getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true)
  }
  return decodeNameBytes(entry.fileNameRaw, nameEncoding)
}

/** Unix tools keep the st_mode in the high half of the external attributes; DOS tools leave it 0. */
function entryType (entry: Entry, name: string): EntryType {
  const format = (entry.externalFileAttributes >>> 16) & S_IFMT
  if (format === S_IFLNK) return 'link'
  if (format === S_IFDIR || name.endsWith('/')) return 'directory'
  if (format !== 0 && format !== S_IFREG) return 'special'
  return 'file'
}

/** An entry's bytes, and how many of its compressed bytes were consumed to give them. */
type EntryData = Readable & { consumed: () => number }

function stored (raw: Readable): EntryData {
  let read = 0
  const counted = new Transform({
    transform (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      read += chunk.length
      done(null, chunk)
    }
  })
  pipeline(raw, counted).catch(() => {})
  return Object.assign(counted, { consumed: () => read })
}

/** Inflates a deflated entry's raw bytes, holding it to the size the archive records for it. */
function inflated (raw: Readable, size: number): EntryData {
  const inflate = createInflateRaw()
  let out = 0
  const counted = new Transform({
    transform (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      out += chunk.length
      if (out > size) { done(new Error(`too many bytes in the stream: expected ${size}, got at least ${out}`)); return }
      done(null, chunk)
    },
    flush (done: TransformCallback) {
      done(out < size ? new Error(`not enough bytes in the stream: expected ${size}, got only ${out}`) : null)
    }
  })
  // Errors reach the reader through `counted`, which pipeline destroys with them.
  pipeline(raw, inflate, counted).catch(() => {})
  return Object.assign(counted, { consumed: () => inflate.bytesWritten })
}

const message = (err: unknown): string => err instanceof Error ? err.message : String(err)
