import { LantaiError } from '../errors.js'

// User metadata travels as HTTP headers, and Node refuses a non-ASCII header value before it is sent
// (ERR_INVALID_CHAR); servers differ on anything else. So every value is percent-encoded UTF-8, which
// RGW and Swift s3api both return unchanged, and names are plain lowercase tokens.

/** Metadata names Lantai itself writes; a caller's own names may not start with this. */
const DIGEST_PREFIX = 'lantai-digest-'
const NAME = /^[a-z0-9][a-z0-9-]*$/
const STANDARD = /^(content-|x-amz-|cache-control$|expires$)/

export function encodeMetadata (digests: Readonly<Record<string, string>>, metadata: Readonly<Record<string, string>> = {}): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(metadata)) {
    if (!NAME.test(name) || name.startsWith(DIGEST_PREFIX)) throw new LantaiError('STORAGE_KEY_INVALID', `metadata name ${JSON.stringify(name)}`, { name })
    headers[`x-amz-meta-${name}`] = encodeURIComponent(value)
  }
  for (const [algorithm, hex] of Object.entries(digests)) {
    // A digest is a help for comparing copies, never a condition of storing: one that is not plain hex
    // under a plain name (a bag may declare odd algorithms) is left out rather than refused.
    const name = algorithm.toLowerCase()
    if (NAME.test(name) && /^[0-9a-fA-F]+$/.test(hex)) headers[`x-amz-meta-${DIGEST_PREFIX}${name}`] = hex.toLowerCase()
  }
  return headers
}

/** Splits what statObject returns (x-amz-meta- already stripped, names lowercased) into digests and the caller's metadata. */
export function decodeMetadata (meta: Readonly<Record<string, unknown>>): { digests: Record<string, string>, metadata: Record<string, string> } {
  const digests: Record<string, string> = {}
  const metadata: Record<string, string> = {}
  for (const [rawName, value] of Object.entries(meta)) {
    const name = rawName.toLowerCase()
    // statObject also returns the standard headers it knows (content-type, cache-control, x-amz-…).
    if (typeof value !== 'string' || STANDARD.test(name) || !NAME.test(name)) continue
    if (name.startsWith(DIGEST_PREFIX)) digests[name.slice(DIGEST_PREFIX.length)] = value
    else metadata[name] = safeDecode(value)
  }
  return { digests, metadata }
}

function safeDecode (value: string): string {
  try { return decodeURIComponent(value) } catch { return value }
}
