import { readAll, type BlobStore } from '../storage/index.js'
import type { DigestMap } from './inventory.js'

// SM3 (GB/T 32905-2016) digests of content files. Not in the inventory's fixity block: sm3 is neither
// in the spec's fixity vocabulary nor in extension 0009's table, and validators reject an unknown
// fixity algorithm (ocfl-py: E056b) — README.md "SM3". The object's logs/ directory (OCFL 1.1 §3.1)
// is the one place an object may hold files no validator judges, so each version's ingest records its
// SM3 values there, in the shape of a fixity block. The catalogue holds the same values.

export const SM3_LOG_DIR = 'logs/lantai-sm3'
export const sm3LogKey = (objectRoot: string, version: string): string => `${objectRoot}/${SM3_LOG_DIR}/${version}.json`

export interface Sm3Log {
  type: 'lantai-sm3-fixity'
  description: string
  version: string
  algorithm: 'sm3'
  /** sm3 digest → content paths, as a fixity block; only the content this version added. */
  digests: DigestMap
}

export function serializeSm3Log (version: string, digests: DigestMap): string {
  const sorted: DigestMap = {}
  for (const k of Object.keys(digests).sort()) sorted[k] = [...(digests[k] ?? [])].sort()
  const log: Sm3Log = {
    type: 'lantai-sm3-fixity',
    description: 'SM3 (GB/T 32905-2016) digests of the content files this version added, recorded at ingest',
    version,
    algorithm: 'sm3',
    digests: sorted
  }
  return JSON.stringify(log, null, 2) + '\n'
}

/** content path → sm3 over every version's log; a missing or unreadable log contributes nothing. */
export async function readSm3Logs (store: BlobStore, objectRoot: string, versions: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const v of versions) {
    const key = sm3LogKey(objectRoot, v)
    if (await store.stat(key) === null) continue
    try {
      const log = JSON.parse((await readAll(store, key)).toString('utf8')) as Partial<Sm3Log>
      for (const [digest, paths] of Object.entries(log.digests ?? {})) for (const p of paths) out.set(p, digest.toLowerCase())
    } catch {
      // A damaged log is the fixity service's business; the OCFL object does not depend on it.
    }
  }
  return out
}
