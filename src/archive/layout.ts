// RFC 8493 §4.2: a serialized bag unpacks to a single top-level directory. Builders also zip the
// bag's contents directly, so bagit.txt at the top is accepted too.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

// Added by macOS Finder's "Compress", never by the builder.
const MACOS_JUNK = new Set(['__MACOSX', '.DS_Store'])

/** The bag root inside staging, or null when the archive holds no single bag. */
export async function findBagRoot (stagingDir: string): Promise<string | null> {
  const top = (await readdir(stagingDir, { withFileTypes: true })).filter(d => !MACOS_JUNK.has(d.name))
  if (top.some(d => d.name === 'bagit.txt')) return stagingDir
  const only = top[0]
  // Whether or not the one directory holds bagit.txt: if not, the validator says so precisely.
  if (top.length === 1 && only !== undefined && only.isDirectory()) return join(stagingDir, only.name)
  return null
}
