// Tar and tar.gz read in one forward pass, so a request body can be unpacked while it arrives.
import type { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import tar, { type Header } from 'tar-stream'
import { decodeNameBytes } from './entry-name.js'
import type { EntryType, StagingWriter } from './staging-writer.js'

type TarEntry = ReturnType<typeof tar.extract> extends AsyncIterable<infer E> ? E : never

export interface TarOptions {
  gzipped: boolean
  /** Code page for ustar names that are not UTF-8 (pax names are UTF-8 by definition). */
  nameEncoding: string
  signal?: AbortSignal
}

export async function unpackTar (source: Readable, writer: StagingWriter, options: TarOptions): Promise<void> {
  // allowUnknownFormat admits v7 headers; their checksum is still verified. latin1 keeps the
  // name bytes intact so we, not tar-stream, decide their encoding.
  // (Both options exist in tar-stream 3 but not in its typings.)
  const extract = tar.extract({ allowUnknownFormat: true, filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0])
  const stages: Array<Readable | Transform> = [source]
  if (options.gzipped) {
    const gunzip = createGunzip()
    // zlib counts the input it has actually inflated; a count of what was handed to it would credit a
    // whole request body that arrived as one chunk (issue 11 item 5).
    writer.packedSoFar = () => gunzip.bytesWritten
    stages.push(gunzip)
  }
  let feedError: unknown
  const feeding = pipeline([...stages, extract], options.signal === undefined ? {} : { signal: options.signal })
    .catch((err: unknown) => { feedError = err })

  const entries: AsyncIterator<TarEntry> = extract[Symbol.asyncIterator]()
  let last: string | undefined
  try {
    while (!writer.stopped) {
      let step: IteratorResult<TarEntry>
      try {
        step = await entries.next()
      } catch (err) {
        writer.checkAborted()
        writer.corrupt(last, describe(err, last))
        break
      }
      if (step.done === true) break
      writer.checkAborted()
      const entry = step.value
      const raw = entryName(entry.header, options.nameEncoding)
      last = raw
      const type = entryType(entry.header)
      const admitted = writer.admit(raw, type, entry.header.linkname ?? undefined)
      if (writer.stopped) break
      // Handed on as a plain async iterable: the entry is a streamx stream, which node's
      // pipeline would otherwise mistake for one of its own.
      const body = { [Symbol.asyncIterator]: () => entry[Symbol.asyncIterator]() as AsyncIterator<Uint8Array> }
      if (admitted !== null && type === 'file') {
        await writer.writeFile(admitted, body, { size: entry.header.size ?? undefined })
      } else {
        if (admitted !== null) await writer.makeDirectory(admitted)
        // A skipped entry's body must still be read past: tar has no index to seek with.
        await writer.drain(admitted?.name ?? raw, body)
      }
    }
  } finally {
    // Stopping early destroys the extractor; the feeding pipeline then ends with a premature close we expect.
    await entries.return?.()
    await feeding
  }
  writer.checkAborted()
  if (!writer.stopped && feedError !== undefined) writer.corrupt(last, describe(feedError, last))
}

function entryType (header: Header): EntryType {
  switch (header.type) {
    case 'file': return 'file'
    case 'directory': return 'directory'
    case 'link':
    case 'symlink': return 'link'
    // Devices, FIFOs, contiguous files and types tar-stream does not know (GNU sparse, volume labels).
    default: return 'special'
  }
}

function entryName (header: Header, nameEncoding: string): string {
  // tar-stream decodes pax records as UTF-8 itself (POSIX pax: always UTF-8).
  const pax = header.pax as Record<string, string> | null | undefined
  if (pax?.path !== undefined) return header.name
  return decodeNameBytes(Buffer.from(header.name, 'latin1'), nameEncoding)
}

// The break came between entries: the finding names the last entry read, and says so.
function describe (err: unknown, last: string | undefined): string {
  const message = err instanceof Error ? err.message : String(err)
  return last === undefined ? message : `after this entry: ${message}`
}
