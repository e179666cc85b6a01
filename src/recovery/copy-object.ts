import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { BlobStore } from '../storage/index.js'

// Copies one OCFL object, key by key, from a node into a store of ours (a staging directory). Each key is
// streamed to a scratch file and published atomically (BlobStore.putFile), so memory stays flat and a
// reader never sees half a file. The object is judged afterwards, by the validator, on our side.

export interface CopiedObject { files: number, bytes: number }

export async function copyObject (source: BlobStore, target: BlobStore, objectRoot: string, scratch: string, signal?: AbortSignal): Promise<CopiedObject> {
  const dir = await mkdtemp(join(scratch, 'copy-'))
  let files = 0
  let bytes = 0
  try {
    const keys: string[] = []
    for await (const key of source.list(objectRoot + '/')) keys.push(key)
    // The root inventory and its sidecar last, as the replication contract writes them: a copy cut off
    // midway never describes more than it holds.
    keys.sort((a, b) => rank(a, objectRoot) - rank(b, objectRoot) || (a < b ? -1 : a > b ? 1 : 0))
    for (const key of keys) {
      signal?.throwIfAborted()
      const tmp = join(dir, String(files))
      await pipeline(await source.get(key) as NodeJS.ReadableStream & AsyncIterable<Buffer>, createWriteStream(tmp, { flags: 'wx' }), { signal })
      await target.putFile(key, tmp, { move: true })
      bytes += (await target.stat(key))?.size ?? 0
      files++
    }
    return { files, bytes }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const rank = (key: string, objectRoot: string): number => key.startsWith(`${objectRoot}/inventory.json`) ? 1 : 0
