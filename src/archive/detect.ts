import { open } from 'node:fs/promises'

export type ArchiveKind = 'tar' | 'tar.gz' | 'zip'

/** Bytes needed to recognise every kind: one tar header block. */
export const SNIFF_BYTES = 512

/**
 * The kind a file's first bytes announce. We trust content, never the file name: uploads arrive
 * with whatever name the builder's tool chose.
 */
export function sniffArchiveKind (head: Uint8Array): ArchiveKind | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz'
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b &&
      ((head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06))) return 'zip'
  if (head.length < SNIFF_BYTES) return null
  // POSIX ustar and GNU tar both write "ustar" at offset 257.
  if (Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar'
  return plausibleV7Header(head) ? 'tar' : null
}

/** Pre-POSIX (v7) tar has no magic; a stored header checksum that matches is as good as one. */
function plausibleV7Header (block: Uint8Array): boolean {
  if (block[0] === 0) return false // no name: an empty block, not a header
  const stored = parseOctal(block.subarray(148, 156))
  if (stored === null) return false
  let unsigned = 0
  for (let i = 0; i < SNIFF_BYTES; i++) unsigned += i >= 148 && i < 156 ? 0x20 : block[i] ?? 0
  return stored === unsigned
}

function parseOctal (field: Uint8Array): number | null {
  const text = Buffer.from(field).toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '')
  return /^[0-7]{1,7}$/.test(text) ? parseInt(text, 8) : null
}

/** Sniffs magic bytes (gzip 1f 8b, zip PK\x03\x04 or empty-zip PK\x05\x06, tar 'ustar' at 257 or a plausible v7 header checksum). null = not an archive we read. */
export async function detectArchiveKind (file: string): Promise<ArchiveKind | null> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0)
    return sniffArchiveKind(head.subarray(0, bytesRead))
  } finally {
    await handle.close()
  }
}
